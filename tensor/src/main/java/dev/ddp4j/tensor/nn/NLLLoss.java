package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Negative log-likelihood of log-probabilities against class indices. */
public final class NLLLoss extends Loss {
  public NLLLoss() {
    this(F.Reduction.MEAN);
  }

  public NLLLoss(F.Reduction reduction) {
    super(reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return F.nllLoss(input, target, reduction);
  }
}
