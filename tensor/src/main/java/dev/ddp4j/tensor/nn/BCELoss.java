package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Binary cross-entropy of probabilities. */
public final class BCELoss extends Loss {
  public BCELoss() {
    this(F.Reduction.MEAN);
  }

  public BCELoss(F.Reduction reduction) {
    super(reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.bceLoss(input, target, reduction);
  }
}
