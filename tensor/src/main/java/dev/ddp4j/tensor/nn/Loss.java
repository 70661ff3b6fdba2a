package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** A loss: compares a prediction with a target; {@link #forward(Tensor)} alone is not defined. */
public abstract class Loss extends Module {
  protected final F.Reduction reduction;

  protected Loss(F.Reduction reduction) {
    this.reduction = reduction;
  }

  /** The loss of {@code input} against {@code target}. */
  public abstract Tensor forward(Tensor input, Tensor target);

  @Override
  public Tensor forward(Tensor input) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " needs a target: call forward(input, target)");
  }
}
