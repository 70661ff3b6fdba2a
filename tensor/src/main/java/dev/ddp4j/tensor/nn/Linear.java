package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;

/** {@code y = x · Wᵀ + b}, initialised as PyTorch's (kaiming-uniform a=√5, bias U(±1/√in)). */
public final class Linear extends Module {
  private final int inFeatures;
  private final int outFeatures;
  public final Tensor weight;
  public final Tensor bias;

  public Linear(int inFeatures, int outFeatures) {
    this(inFeatures, outFeatures, true);
  }

  public Linear(int inFeatures, int outFeatures, boolean bias) {
    if (inFeatures <= 0 || outFeatures <= 0) {
      throw new IllegalArgumentException("Linear: in_features and out_features must be positive, got "
          + inFeatures + " and " + outFeatures);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = registerParameter("weight", Init.kaimingUniform_(Torch.zeros(outFeatures, inFeatures), Math.sqrt(5)));
    double bound = 1 / Math.sqrt(inFeatures);
    this.bias = bias ? registerParameter("bias", Init.uniform_(Torch.zeros(outFeatures), -bound, bound)) : null;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.linear(input, weight, bias);
  }

  @Override
  protected String extraRepr() {
    return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null ? "True" : "False");
  }
}
