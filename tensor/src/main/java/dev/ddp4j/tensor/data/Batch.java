package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.Tensor;
import java.util.Objects;

/**
 * A batch of examples stacked along a new first dimension: {@code inputs} is {@code [B, ...]} and
 * {@code targets} is {@code [B, ...]} with the same {@code B}. The consumer owns both tensors.
 */
public record Batch(Tensor inputs, Tensor targets) {
  public Batch {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(targets, "targets");
  }

  /** The number of examples in this batch ({@code inputs.size(0)}). */
  public int size() {
    return inputs.size(0);
  }
}
