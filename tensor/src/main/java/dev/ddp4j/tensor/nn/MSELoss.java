package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Mean squared error. */
public final class MSELoss extends Loss {
  public MSELoss() {
    this(F.Reduction.MEAN);
  }

  public MSELoss(F.Reduction reduction) {
    super(reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.mseLoss(input, target, reduction);
  }
}
