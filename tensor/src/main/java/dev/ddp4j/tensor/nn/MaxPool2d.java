package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** 2-D max pooling; stride defaults to the kernel size. */
public final class MaxPool2d extends Module {
  private final int kernel;
  private final int stride;
  private final int padding;
  private final int dilation;
  private final boolean ceilMode;

  public MaxPool2d(int kernel) {
    this(kernel, kernel, 0, 1, false);
  }

  public MaxPool2d(int kernel, int stride, int padding, int dilation, boolean ceilMode) {
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.ceilMode = ceilMode;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.maxPool2d(input, kernel, stride, padding, dilation, ceilMode);
  }

  @Override
  protected String extraRepr() {
    return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding + ", dilation=" + dilation
        + ", ceil_mode=" + (ceilMode ? "True" : "False");
  }
}
