package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** The elementwise {@code tanh} as a layer. */
public final class Tanh extends Activation {
  public Tanh() {
    super(Tensor::tanh);
  }
}
