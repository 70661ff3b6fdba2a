package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** 2-D average pooling; stride defaults to the kernel size, padding counts in the divisor by default. */
public final class AvgPool2d extends Module {
  private final int kernel;
  private final int stride;
  private final int padding;
  private final boolean ceilMode;
  private final boolean countIncludePad;

  public AvgPool2d(int kernel) {
    this(kernel, kernel, 0, false, true);
  }

  public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }

  @Override
  public Tensor forward(Tensor input) {
    return F.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad);
  }

  @Override
  protected String extraRepr() {
    return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding;
  }
}
