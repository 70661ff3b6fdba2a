package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** The elementwise {@code relu} as a layer. */
public final class ReLU extends Activation {
  public ReLU() {
    super(Tensor::relu);
  }
}
