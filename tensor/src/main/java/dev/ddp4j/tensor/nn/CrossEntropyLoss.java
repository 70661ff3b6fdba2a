package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Cross-entropy of logits against class indices, with optional label smoothing. */
public final class CrossEntropyLoss extends Loss {
  private final double labelSmoothing;

  public CrossEntropyLoss() {
    this(F.Reduction.MEAN, 0);
  }

  public CrossEntropyLoss(F.Reduction reduction, double labelSmoothing) {
    super(reduction);
    this.labelSmoothing = labelSmoothing;
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.crossEntropy(input, target, labelSmoothing, reduction);
  }
}
