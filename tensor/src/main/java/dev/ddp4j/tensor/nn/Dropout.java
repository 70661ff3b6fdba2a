package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;

/** Randomly zeroes elements with probability p in training mode (scaling the rest by 1/(1-p)). */
public final class Dropout extends Module {
  private final double p;

  public Dropout(double p) {
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("Dropout: dropout probability has to be between 0 and 1, but got " + p);
    }
    this.p = p;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.dropout(input, p, isTraining(), Torch.defaultGenerator());
  }

  @Override
  protected String extraRepr() {
    return "p=" + p;
  }
}
