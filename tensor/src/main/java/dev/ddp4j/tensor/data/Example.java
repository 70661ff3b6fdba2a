package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.Tensor;
import java.util.Objects;

/** One supervised example: an input tensor and its target (a label or a regression target). */
public record Example(Tensor input, Tensor target) {
  public Example {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(target, "target");
  }
}
