package dev.ddp4j.tensor.cpu;

import dev.ddp4j.tensor.Threads;

/**
 * Max and average 2-D pooling over NCHW batches, forward and backward, with PyTorch's semantics.
 *
 * <p>Arrays hold {@code batch·C} planes back to back: the input {@code H·W} each, the output and the argmax
 * indices {@code outH·outW} each. Output position {@code (oh, ow)} pools the window starting at
 * {@code (oh·sH − pH, ow·sW − pW)} (see {@link ConvGeometry} for the output size and ceil mode).
 *
 * <ul>
 *   <li>Max pooling treats padding as −∞, so padding is never chosen. A NaN in the window wins (the last NaN, as
 *       PyTorch's CPU kernel); otherwise the first maximum wins. The argmax index is the flat position
 *       {@code ih·W + iw} inside the image's own input plane, as PyTorch's {@code return_indices}. A window made
 *       only of padding (possible with dilation) yields −∞ and index −1, which backward skips.</li>
 *   <li>Average pooling clips each window at the padded border ({@code H + pH}, which matters only in ceil mode)
 *       and divides the sum of its real elements by the clipped window area when {@code countIncludePad} (padding
 *       counts as zeros), else by the number of real elements. Float sums accumulate in float, as PyTorch's.</li>
 * </ul>
 *
 * <p>Work is split over planes with {@link Threads#parallelFor}; each plane is written by one task only, so the
 * backward scatters need no synchronisation. Nothing is allocated per element. Backward kernels accumulate
 * ({@code +=}) into the input gradient.
 */
public final class Pooling {

  /** Window taps one parallel task should at least cover, so that tiny planes are batched into one task. */
  static final int MIN_TAPS_PER_TASK = 1 << 15;

  private Pooling() {
  }

  /** Max-pools {@code batch} images into {@code out} and records each maximum's in-plane index into {@code indices}. */
  public static void maxPool2d(float[] in, int inOff, int batch, ConvGeometry g,
                               float[] out, int outOff, int[] indices, int idxOff) {
    int planes = check(ConvGeometry.Op.MAX_POOL2D, batch, g, in.length, inOff, out.length, outOff);
    checkRange("maxPool2d", "indices", indices.length, idxOff, (long) planes * g.outPlaneSize());
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        maxPlane(in, inOff + p * inPlane, g, out, outOff + p * outPlane, indices, idxOff + p * outPlane);
      }
    });
  }

  /** Adds each {@code gradOut} element to {@code gradIn} at the position its {@code indices} entry names. */
  public static void maxPool2dBackward(float[] gradOut, int gradOutOff, int[] indices, int idxOff, int batch,
                                       ConvGeometry g, float[] gradIn, int gradInOff) {
    int planes = check(ConvGeometry.Op.MAX_POOL2D, batch, g, gradIn.length, gradInOff, gradOut.length, gradOutOff);
    checkRange("maxPool2d", "indices", indices.length, idxOff, (long) planes * g.outPlaneSize());
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        int dst = gradInOff + p * inPlane;
        int src = gradOutOff + p * outPlane;
        int idx = idxOff + p * outPlane;
        for (int o = 0; o < outPlane; o++) {
          int at = checkedIndex(indices[idx + o], inPlane);
          if (at >= 0) {
            gradIn[dst + at] += gradOut[src + o];
          }
        }
      }
    });
  }

  /** Average-pools {@code batch} images into {@code out}. */
  public static void avgPool2d(float[] in, int inOff, int batch, ConvGeometry g, boolean countIncludePad,
                               float[] out, int outOff) {
    int planes = check(ConvGeometry.Op.AVG_POOL2D, batch, g, in.length, inOff, out.length, outOff);
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        avgPlane(in, inOff + p * inPlane, g, countIncludePad, out, outOff + p * outPlane);
      }
    });
  }

  /** Adds {@code gradOut / divisor} to every real input element of each output's window. */
  public static void avgPool2dBackward(float[] gradOut, int gradOutOff, int batch, ConvGeometry g,
                                       boolean countIncludePad, float[] gradIn, int gradInOff) {
    int planes = check(ConvGeometry.Op.AVG_POOL2D, batch, g, gradIn.length, gradInOff, gradOut.length, gradOutOff);
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        avgPlaneBackward(gradOut, gradOutOff + p * outPlane, g, countIncludePad, gradIn, gradInOff + p * inPlane);
      }
    });
  }

  /** Double-precision {@link #maxPool2d(float[], int, int, ConvGeometry, float[], int, int[], int)}. */
  public static void maxPool2d(double[] in, int inOff, int batch, ConvGeometry g,
                               double[] out, int outOff, int[] indices, int idxOff) {
    int planes = check(ConvGeometry.Op.MAX_POOL2D, batch, g, in.length, inOff, out.length, outOff);
    checkRange("maxPool2d", "indices", indices.length, idxOff, (long) planes * g.outPlaneSize());
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        maxPlane(in, inOff + p * inPlane, g, out, outOff + p * outPlane, indices, idxOff + p * outPlane);
      }
    });
  }

  /** Double-precision {@link #maxPool2dBackward(float[], int, int[], int, int, ConvGeometry, float[], int)}. */
  public static void maxPool2dBackward(double[] gradOut, int gradOutOff, int[] indices, int idxOff, int batch,
                                       ConvGeometry g, double[] gradIn, int gradInOff) {
    int planes = check(ConvGeometry.Op.MAX_POOL2D, batch, g, gradIn.length, gradInOff, gradOut.length, gradOutOff);
    checkRange("maxPool2d", "indices", indices.length, idxOff, (long) planes * g.outPlaneSize());
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        int dst = gradInOff + p * inPlane;
        int src = gradOutOff + p * outPlane;
        int idx = idxOff + p * outPlane;
        for (int o = 0; o < outPlane; o++) {
          int at = checkedIndex(indices[idx + o], inPlane);
          if (at >= 0) {
            gradIn[dst + at] += gradOut[src + o];
          }
        }
      }
    });
  }

  /** Double-precision {@link #avgPool2d(float[], int, int, ConvGeometry, boolean, float[], int)}. */
  public static void avgPool2d(double[] in, int inOff, int batch, ConvGeometry g, boolean countIncludePad,
                               double[] out, int outOff) {
    int planes = check(ConvGeometry.Op.AVG_POOL2D, batch, g, in.length, inOff, out.length, outOff);
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        avgPlane(in, inOff + p * inPlane, g, countIncludePad, out, outOff + p * outPlane);
      }
    });
  }

  /** Double-precision {@link #avgPool2dBackward(float[], int, int, ConvGeometry, boolean, float[], int)}. */
  public static void avgPool2dBackward(double[] gradOut, int gradOutOff, int batch, ConvGeometry g,
                                       boolean countIncludePad, double[] gradIn, int gradInOff) {
    int planes = check(ConvGeometry.Op.AVG_POOL2D, batch, g, gradIn.length, gradInOff, gradOut.length, gradOutOff);
    int inPlane = g.inPlaneSize();
    int outPlane = g.outPlaneSize();
    Threads.parallelFor(0, planes, grain(g), (from, to) -> {
      for (int p = from; p < to; p++) {
        avgPlaneBackward(gradOut, gradOutOff + p * outPlane, g, countIncludePad, gradIn, gradInOff + p * inPlane);
      }
    });
  }

  private static void maxPlane(float[] in, int inBase, ConvGeometry g, float[] out, int outBase,
                               int[] indices, int idxBase) {
    if (isDense2x2(g)) {
      maxPlane2x2(in, inBase, g.width(), g.outH(), g.outW(), out, outBase, indices, idxBase);
      return;
    }
    int w = g.width();
    int dH = g.dilationH();
    int dW = g.dilationW();
    int outH = g.outH();
    int outW = g.outW();
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int hs = oh * g.strideH() - g.padH();
      int he = Math.min(hs + (g.kernelH() - 1) * dH + 1, g.height());
      int h0 = firstTap(hs, dH);
      for (int ow = 0; ow < outW; ow++, o++) {
        int ws = ow * g.strideW() - g.padW();
        int we = Math.min(ws + (g.kernelW() - 1) * dW + 1, w);
        int w0 = firstTap(ws, dW);
        float max = Float.NEGATIVE_INFINITY;
        int arg = h0 < he && w0 < we ? h0 * w + w0 : -1;
        for (int ih = h0; ih < he; ih += dH) {
          for (int iw = w0, at = ih * w + w0; iw < we; iw += dW, at += dW) {
            float v = in[inBase + at];
            if (v > max || v != v) {
              max = v;
              arg = at;
            }
          }
        }
        out[outBase + o] = max;
        indices[idxBase + o] = arg;
      }
    }
  }

  /**
   * Whether every window is a whole 2×2 block of the input: kernel 2, stride 2, no padding, no dilation,
   * and (in ceil mode) no window clipped at the bottom or right edge. This is LeNet's and most CNNs' pooling.
   */
  static boolean isDense2x2(ConvGeometry g) {
    return g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0
        && g.padW() == 0 && g.dilationH() == 1 && g.dilationW() == 1 && 2 * g.outH() <= g.height()
        && 2 * g.outW() <= g.width();
  }

  /**
   * {@link #maxPlane(float[], int, ConvGeometry, float[], int, int[], int)} for {@link #isDense2x2} windows:
   * the same taps in the same order (top-left, top-right, bottom-left, bottom-right) under the same rule,
   * without branches. The running maximum is kept as float bits so that each step is an int select, which
   * the JIT compiles to a conditional move; the plain loop's branch mispredicts on about every other window
   * of real activations and costs several times more.
   */
  private static void maxPlane2x2(float[] in, int inBase, int w, int outH, int outW, float[] out, int outBase,
                                  int[] indices, int idxBase) {
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int top = inBase + 2 * oh * w;
      for (int ow = 0; ow < outW; ow++, o++) {
        int at = top + 2 * ow;
        int max = Float.floatToRawIntBits(in[at]);
        int arg = at;
        int take = replaces(in[at + 1], max);
        max = select(take, Float.floatToRawIntBits(in[at + 1]), max);
        arg = select(take, at + 1, arg);
        take = replaces(in[at + w], max);
        max = select(take, Float.floatToRawIntBits(in[at + w]), max);
        arg = select(take, at + w, arg);
        take = replaces(in[at + w + 1], max);
        max = select(take, Float.floatToRawIntBits(in[at + w + 1]), max);
        arg = select(take, at + w + 1, arg);
        out[outBase + o] = Float.intBitsToFloat(max);
        indices[idxBase + o] = arg - inBase;
      }
    }
  }

  /** All ones when tap {@code v} replaces the running maximum (bits {@code max}): it is greater, or NaN. */
  private static int replaces(float v, int max) {
    // Two int selects or-ed, not ||: a short-circuit compiles to the very branch this avoids.
    return (v > Float.intBitsToFloat(max) ? -1 : 0) | (v != v ? -1 : 0);
  }

  /** {@code mask} all ones: {@code a}; all zeros: {@code b}. */
  private static int select(int mask, int a, int b) {
    return b ^ ((a ^ b) & mask);
  }

  private static void maxPlane(double[] in, int inBase, ConvGeometry g, double[] out, int outBase,
                               int[] indices, int idxBase) {
    int w = g.width();
    int dH = g.dilationH();
    int dW = g.dilationW();
    int outH = g.outH();
    int outW = g.outW();
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int hs = oh * g.strideH() - g.padH();
      int he = Math.min(hs + (g.kernelH() - 1) * dH + 1, g.height());
      int h0 = firstTap(hs, dH);
      for (int ow = 0; ow < outW; ow++, o++) {
        int ws = ow * g.strideW() - g.padW();
        int we = Math.min(ws + (g.kernelW() - 1) * dW + 1, w);
        int w0 = firstTap(ws, dW);
        double max = Double.NEGATIVE_INFINITY;
        int arg = h0 < he && w0 < we ? h0 * w + w0 : -1;
        for (int ih = h0; ih < he; ih += dH) {
          for (int iw = w0, at = ih * w + w0; iw < we; iw += dW, at += dW) {
            double v = in[inBase + at];
            if (v > max || v != v) {
              max = v;
              arg = at;
            }
          }
        }
        out[outBase + o] = max;
        indices[idxBase + o] = arg;
      }
    }
  }

  private static void avgPlane(float[] in, int inBase, ConvGeometry g, boolean countIncludePad,
                               float[] out, int outBase) {
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int hs = oh * g.strideH() - g.padH();
      int hePadded = Math.min(hs + g.kernelH(), h + g.padH());
      int poolH = hePadded - hs;
      int h0 = Math.max(hs, 0);
      int h1 = Math.min(hePadded, h);
      for (int ow = 0; ow < outW; ow++, o++) {
        int ws = ow * g.strideW() - g.padW();
        int wePadded = Math.min(ws + g.kernelW(), w + g.padW());
        int w0 = Math.max(ws, 0);
        int w1 = Math.min(wePadded, w);
        if (h0 >= h1 || w0 >= w1) {
          out[outBase + o] = 0f;
          continue;
        }
        int divisor = countIncludePad ? poolH * (wePadded - ws) : (h1 - h0) * (w1 - w0);
        float sum = 0f;
        for (int ih = h0; ih < h1; ih++) {
          for (int at = inBase + ih * w + w0, end = at + (w1 - w0); at < end; at++) {
            sum += in[at];
          }
        }
        out[outBase + o] = sum / divisor;
      }
    }
  }

  private static void avgPlane(double[] in, int inBase, ConvGeometry g, boolean countIncludePad,
                               double[] out, int outBase) {
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int hs = oh * g.strideH() - g.padH();
      int hePadded = Math.min(hs + g.kernelH(), h + g.padH());
      int poolH = hePadded - hs;
      int h0 = Math.max(hs, 0);
      int h1 = Math.min(hePadded, h);
      for (int ow = 0; ow < outW; ow++, o++) {
        int ws = ow * g.strideW() - g.padW();
        int wePadded = Math.min(ws + g.kernelW(), w + g.padW());
        int w0 = Math.max(ws, 0);
        int w1 = Math.min(wePadded, w);
        if (h0 >= h1 || w0 >= w1) {
          out[outBase + o] = 0d;
          continue;
        }
        int divisor = countIncludePad ? poolH * (wePadded - ws) : (h1 - h0) * (w1 - w0);
        double sum = 0d;
        for (int ih = h0; ih < h1; ih++) {
          for (int at = inBase + ih * w + w0, end = at + (w1 - w0); at < end; at++) {
            sum += in[at];
          }
        }
        out[outBase + o] = sum / divisor;
      }
    }
  }

  private static void avgPlaneBackward(float[] gradOut, int outBase, ConvGeometry g, boolean countIncludePad,
                                       float[] gradIn, int inBase) {
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int hs = oh * g.strideH() - g.padH();
      int hePadded = Math.min(hs + g.kernelH(), h + g.padH());
      int poolH = hePadded - hs;
      int h0 = Math.max(hs, 0);
      int h1 = Math.min(hePadded, h);
      for (int ow = 0; ow < outW; ow++, o++) {
        int ws = ow * g.strideW() - g.padW();
        int wePadded = Math.min(ws + g.kernelW(), w + g.padW());
        int w0 = Math.max(ws, 0);
        int w1 = Math.min(wePadded, w);
        if (h0 >= h1 || w0 >= w1) {
          continue;
        }
        int divisor = countIncludePad ? poolH * (wePadded - ws) : (h1 - h0) * (w1 - w0);
        float delta = gradOut[outBase + o] / divisor;
        for (int ih = h0; ih < h1; ih++) {
          for (int at = inBase + ih * w + w0, end = at + (w1 - w0); at < end; at++) {
            gradIn[at] += delta;
          }
        }
      }
    }
  }

  private static void avgPlaneBackward(double[] gradOut, int outBase, ConvGeometry g, boolean countIncludePad,
                                       double[] gradIn, int inBase) {
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    for (int oh = 0, o = 0; oh < outH; oh++) {
      int hs = oh * g.strideH() - g.padH();
      int hePadded = Math.min(hs + g.kernelH(), h + g.padH());
      int poolH = hePadded - hs;
      int h0 = Math.max(hs, 0);
      int h1 = Math.min(hePadded, h);
      for (int ow = 0; ow < outW; ow++, o++) {
        int ws = ow * g.strideW() - g.padW();
        int wePadded = Math.min(ws + g.kernelW(), w + g.padW());
        int w0 = Math.max(ws, 0);
        int w1 = Math.min(wePadded, w);
        if (h0 >= h1 || w0 >= w1) {
          continue;
        }
        int divisor = countIncludePad ? poolH * (wePadded - ws) : (h1 - h0) * (w1 - w0);
        double delta = gradOut[outBase + o] / divisor;
        for (int ih = h0; ih < h1; ih++) {
          for (int at = inBase + ih * w + w0, end = at + (w1 - w0); at < end; at++) {
            gradIn[at] += delta;
          }
        }
      }
    }
  }

  /** The first tap {@code start + k·dilation} (k ≥ 0) that is not above/left of the input. */
  private static int firstTap(int start, int dilation) {
    return start >= 0 ? start : start + (-start + dilation - 1) / dilation * dilation;
  }

  /** Planes per task: enough whole planes to reach {@link #MIN_TAPS_PER_TASK} window taps. */
  private static int grain(ConvGeometry g) {
    long tapsPerPlane = (long) g.outPlaneSize() * g.kernelH() * g.kernelW();
    return (int) Math.max(1, MIN_TAPS_PER_TASK / Math.max(1, tapsPerPlane));
  }

  private static int checkedIndex(int index, int inPlane) {
    if (index < -1 || index >= inPlane) {
      throw new IllegalArgumentException("maxPool2d: argmax index " + index + " is outside the input plane of "
          + inPlane + " elements");
    }
    return index;
  }

  /** Validates the op and the arrays' extents; returns the number of planes, batch·C. */
  private static int check(ConvGeometry.Op op, int batch, ConvGeometry g, int inLength, int inOff,
                           int outLength, int outOff) {
    String name = op.label();
    if (g.op() != op) {
      throw new IllegalArgumentException(name + ": geometry was built for " + g.op().label());
    }
    if (batch < 0) {
      throw new IllegalArgumentException(name + ": batch size must be non-negative, got " + batch);
    }
    long planes = (long) batch * g.channels();
    checkRange(name, "input", inLength, inOff, planes * g.inPlaneSize());
    checkRange(name, "output", outLength, outOff, planes * g.outPlaneSize());
    return (int) planes;
  }

  private static void checkRange(String name, String what, int length, int off, long needed) {
    if (off < 0 || off + needed > length) {
      throw new IllegalArgumentException(name + ": " + what + " array of length " + length + " cannot hold "
          + needed + " elements from offset " + off);
    }
  }
}
