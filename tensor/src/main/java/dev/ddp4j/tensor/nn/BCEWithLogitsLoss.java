package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Binary cross-entropy of logits (sigmoid folded in, numerically stable). */
public final class BCEWithLogitsLoss extends Loss {
  public BCEWithLogitsLoss() {
    this(F.Reduction.MEAN);
  }

  public BCEWithLogitsLoss(F.Reduction reduction) {
    super(reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.bceWithLogits(input, target, reduction);
  }
}
