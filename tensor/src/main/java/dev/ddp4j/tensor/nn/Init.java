package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.autograd.GradMode;

/** Parameter initialisation as PyTorch's {@code torch.nn.init}, drawing from the default generator. */
public final class Init {
  private Init() {}

  /** Fills {@code t} in place with U(low, high); returns t. */
  public static Tensor uniform_(Tensor t, double low, double high) {
    Generator gen = Torch.defaultGenerator();
    Tensor u;
    synchronized (gen) {
      u = Torch.rand(gen, t.dtype().isFloatingPoint() ? t.dtype() : DType.FLOAT32, t.shape());
    }
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return t.copy_(u.mul(high - low).add(low));
    }
  }

  /** Kaiming-uniform with negative slope {@code a} (fan-in mode, leaky-relu gain); returns t. */
  public static Tensor kaimingUniform_(Tensor t, double a) {
    int fanIn = fanIn(t);
    double gain = Math.sqrt(2.0 / (1 + a * a));
    double bound = gain * Math.sqrt(3.0 / fanIn);
    return uniform_(t, -bound, bound);
  }

  /** Fan-in of a weight: in_features for Linear, in_channels·kH·kW for Conv2d. */
  public static int fanIn(Tensor weight) {
    if (weight.dim() < 2) {
      throw new IllegalArgumentException("Fan in can not be computed for tensor with fewer than 2 dimensions "
          + "(shape " + java.util.Arrays.toString(weight.shape()) + ")");
    }
    int receptive = 1;
    for (int i = 2; i < weight.dim(); i++) {
      receptive *= weight.size(i);
    }
    return weight.size(1) * receptive;
  }
}
