package dev.ddp4j.tensor.cpu;

/**
 * The window geometry of one 2-D convolution or pooling over a C×H×W image (NCHW, one image), validated
 * exactly as PyTorch validates {@code conv2d}, {@code max_pool2d} and {@code avg_pool2d}.
 *
 * <p>Output size per spatial dimension, with the effective kernel {@code d·(k−1)+1}:
 * {@code out = floor((in + 2p − d·(k−1) − 1 + (ceilMode ? s−1 : 0)) / s) + 1}; in ceil mode the last
 * window is dropped when it would start at or after {@code in + p}, so every window starts inside the
 * input or its left/top padding. In ceil mode the last window may run past the bottom/right padding; kernels
 * clip it there.
 *
 * <p>Records are immutable and thread-safe; the canonical constructor validates, so every instance is usable.
 *
 * @param op        the operation whose rules apply; its {@link Op#label() label} prefixes every error message
 * @param channels  input channels C (for pooling, channels of one image; the batch is passed to the kernel)
 * @param height    input height H
 * @param width     input width W
 * @param kernelH   kernel height kH
 * @param kernelW   kernel width kW
 * @param strideH   vertical stride sH
 * @param strideW   horizontal stride sW
 * @param padH      zero (conv, avg) or −∞ (max) padding added above and below
 * @param padW      padding added left and right
 * @param dilationH vertical spacing of kernel taps (1 = dense)
 * @param dilationW horizontal spacing of kernel taps
 * @param ceilMode  pooling only: round the output size up instead of down
 */
public record ConvGeometry(Op op, int channels, int height, int width, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW, int dilationH, int dilationW,
                           boolean ceilMode) {

  /** The operation a geometry belongs to; it selects the validation rules and names the op in errors. */
  public enum Op {
    CONV2D("conv2d"), MAX_POOL2D("maxPool2d"), AVG_POOL2D("avgPool2d");

    private final String label;

    Op(String label) { this.label = label; }

    /** The name used in error messages, e.g. {@code "maxPool2d"}. */
    public String label() { return label; }
  }

  /** Validates every component; throws {@link IllegalArgumentException} naming the op and the bad values. */
  public ConvGeometry {
    if (op == null) {
      throw new IllegalArgumentException("ConvGeometry: op must not be null");
    }
    String name = op.label;
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(name + ": input channels, height and width must be positive, got ("
          + channels + ", " + height + ", " + width + ")");
    }
    if (kernelH <= 0 || kernelW <= 0) {
      throw new IllegalArgumentException(name + ": kernel size must be positive, got (" + kernelH + ", " + kernelW + ")");
    }
    if (strideH <= 0 || strideW <= 0) {
      throw new IllegalArgumentException(name + ": stride must be positive, got (" + strideH + ", " + strideW + ")");
    }
    if (dilationH <= 0 || dilationW <= 0) {
      throw new IllegalArgumentException(name + ": dilation must be positive, got (" + dilationH + ", " + dilationW + ")");
    }
    if (padH < 0 || padW < 0) {
      throw new IllegalArgumentException(name + ": padding must be non-negative, got (" + padH + ", " + padW + ")");
    }
    switch (op) {
      case CONV2D -> {
        if (ceilMode) {
          throw new IllegalArgumentException(name + ": ceil mode is only defined for pooling");
        }
      }
      case AVG_POOL2D -> {
        if (dilationH != 1 || dilationW != 1) {
          throw new IllegalArgumentException(name + ": dilation must be 1, got (" + dilationH + ", " + dilationW + ")");
        }
        checkPoolPadding(name, padH, kernelH, dilationH, padW, kernelW, dilationW);
      }
      case MAX_POOL2D -> checkPoolPadding(name, padH, kernelH, dilationH, padW, kernelW, dilationW);
    }
    checkFits(name, "height", height, kernelH, strideH, padH, dilationH, ceilMode);
    checkFits(name, "width", width, kernelW, strideW, padW, dilationW, ceilMode);
  }

  /** A convolution geometry (zero padding, no ceil mode). */
  public static ConvGeometry conv2d(int channels, int height, int width, int kernelH, int kernelW,
                                    int strideH, int strideW, int padH, int padW, int dilationH, int dilationW) {
    return new ConvGeometry(Op.CONV2D, channels, height, width, kernelH, kernelW, strideH, strideW,
        padH, padW, dilationH, dilationW, false);
  }

  /** A max-pooling geometry (padding counts as −∞); padding must be at most half the kernel. */
  public static ConvGeometry maxPool2d(int channels, int height, int width, int kernelH, int kernelW,
                                       int strideH, int strideW, int padH, int padW, int dilationH, int dilationW,
                                       boolean ceilMode) {
    return new ConvGeometry(Op.MAX_POOL2D, channels, height, width, kernelH, kernelW, strideH, strideW,
        padH, padW, dilationH, dilationW, ceilMode);
  }

  /** An average-pooling geometry (no dilation); padding must be at most half the kernel. */
  public static ConvGeometry avgPool2d(int channels, int height, int width, int kernelH, int kernelW,
                                       int strideH, int strideW, int padH, int padW, boolean ceilMode) {
    return new ConvGeometry(Op.AVG_POOL2D, channels, height, width, kernelH, kernelW, strideH, strideW,
        padH, padW, 1, 1, ceilMode);
  }

  /** Output height, at least 1. */
  public int outH() {
    return (int) outSize(height, kernelH, strideH, padH, dilationH, ceilMode);
  }

  /** Output width, at least 1. */
  public int outW() {
    return (int) outSize(width, kernelW, strideW, padW, dilationW, ceilMode);
  }

  /** Elements in one input plane, H·W. */
  public int inPlaneSize() {
    return Math.multiplyExact(height, width);
  }

  /** Elements in one output plane, outH·outW. */
  public int outPlaneSize() {
    return Math.multiplyExact(outH(), outW());
  }

  /** Rows of the im2col matrix, C·kH·kW. */
  public int colRows() {
    return Math.multiplyExact(Math.multiplyExact(channels, kernelH), kernelW);
  }

  /** Elements of the im2col matrix of one image, C·kH·kW·outH·outW; throws ArithmeticException past int range. */
  public int colsLength() {
    return Math.multiplyExact(colRows(), outPlaneSize());
  }

  /** PyTorch's pooling/conv output-size rule for one dimension, in long to avoid overflow. */
  private static long outSize(int in, int k, int s, int p, int d, boolean ceil) {
    long numerator = (long) in + 2L * p - (long) d * (k - 1) - 1 + (ceil ? s - 1 : 0);
    long out = Math.floorDiv(numerator, s) + 1;
    if (ceil && (out - 1) * s >= (long) in + p) {
      out--;
    }
    return out;
  }

  /** PyTorch checks padding against half the effective kernel, then against half the plain kernel. */
  private static void checkPoolPadding(String name, int padH, int kernelH, int dilationH,
                                       int padW, int kernelW, int dilationW) {
    checkPadEffective(name, padH, kernelH, dilationH);
    checkPadEffective(name, padW, kernelW, dilationW);
    if (padH > kernelH / 2 || padW > kernelW / 2) {
      throw new IllegalArgumentException(name + ": pad should be smaller than or equal to half of kernel size, "
          + "but got padH = " + padH + ", padW = " + padW + ", kH = " + kernelH + ", kW = " + kernelW);
    }
  }

  private static void checkPadEffective(String name, int pad, int kernel, int dilation) {
    if (pad > ((long) dilation * (kernel - 1) + 1) / 2) {
      throw new IllegalArgumentException(name + ": pad should be at most half of effective kernel size, but got pad="
          + pad + ", kernel_size=" + kernel + " and dilation=" + dilation);
    }
  }

  private static void checkFits(String name, String dim, int in, int k, int s, int p, int d, boolean ceil) {
    long out = outSize(in, k, s, p, d, ceil);
    if (out < 1) {
      // Outside ceil mode out >= 1 exactly when the effective kernel fits in the padded input.
      throw new IllegalArgumentException(name + ": kernel size " + k + " with dilation " + d
          + " is larger than padded input " + dim + " " + ((long) in + 2L * p) + " (input " + in + ", padding " + p + ")");
    }
    if (out > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(name + ": output " + dim + " " + out + " exceeds int range");
    }
  }
}
