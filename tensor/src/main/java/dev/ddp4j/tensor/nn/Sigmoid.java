package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** The elementwise {@code sigmoid} as a layer. */
public final class Sigmoid extends Activation {
  public Sigmoid() {
    super(Tensor::sigmoid);
  }
}
