package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Softmax along a dim as a layer. */
public final class Softmax extends Module {
  private final int dim;

  public Softmax(int dim) {
    this.dim = dim;
  }

  @Override
  public Tensor forward(Tensor input) {
    return input.softmax(dim);
  }

  @Override
  protected String extraRepr() {
    return "dim=" + dim;
  }
}
