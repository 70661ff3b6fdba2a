package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/** Parameter-free elementwise layers; construct them through {@link ReLU}, {@link Sigmoid}, {@link Tanh}. */
abstract class Activation extends Module {
  private final UnaryOperator<Tensor> fn;

  Activation(UnaryOperator<Tensor> fn) {
    this.fn = fn;
  }

  @Override
  public Tensor forward(Tensor input) {
    return fn.apply(input);
  }
}
