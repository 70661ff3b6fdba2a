package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;

/** 2-D convolution layer (groups = 1), initialised as PyTorch's (kaiming-uniform a=√5, bias U(±1/√fan_in)). */
public final class Conv2d extends Module {
  private final int inChannels;
  private final int outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int dilation;
  public final Tensor weight;
  public final Tensor bias;

  public Conv2d(int inChannels, int outChannels, int kernel) {
    this(inChannels, outChannels, kernel, 1, 0, 1, true);
  }

  public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding) {
    this(inChannels, outChannels, kernel, stride, padding, 1, true);
  }

  public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, boolean bias) {
    if (inChannels <= 0 || outChannels <= 0 || kernel <= 0) {
      throw new IllegalArgumentException("Conv2d: in_channels, out_channels and kernel_size must be positive, got "
          + inChannels + ", " + outChannels + ", " + kernel);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.weight = registerParameter("weight",
        Init.kaimingUniform_(Torch.zeros(outChannels, inChannels, kernel, kernel), Math.sqrt(5)));
    double bound = 1 / Math.sqrt(inChannels * kernel * kernel);
    this.bias = bias ? registerParameter("bias", Init.uniform_(Torch.zeros(outChannels), -bound, bound)) : null;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.conv2d(input, weight, bias, stride, padding, dilation);
  }

  @Override
  protected String extraRepr() {
    return inChannels + ", " + outChannels + ", kernel_size=(" + kernel + ", " + kernel + "), stride=(" + stride
        + ", " + stride + "), padding=(" + padding + ", " + padding + ")";
  }
}
