package dev.ddp4j.tensor.cpu;

import java.util.Arrays;

/**
 * The column matrix of a stride-1, dilation-1 convolution in the "wide" layout, where every row is one
 * contiguous run of the zero-padded image, so that unfolding is one array copy per row instead of one short
 * copy per output row (float32).
 *
 * <p>Pad the C×H×W image to C×Hp×Wp ({@code Hp = H + 2pH}, {@code Wp = W + 2pW}). Tap {@code (c, i, j)}
 * of output position {@code (oh, ow)} reads padded element {@code c·Hp·Wp + (oh + i)·Wp + (ow + j)}, which
 * is the tap's start {@code c·Hp·Wp + i·Wp + j} plus {@code oh·Wp + ow}. So with wide column index
 * {@code oh·Wp + ow} every row of the column matrix is the run of {@link #wideLength} elements from the
 * tap's start. Indices with {@code ow >= outW} ("wrap columns") belong to no output position: their
 * values are real pixels of neighbouring taps. A GEMM on wide columns yields wide output planes whose
 * wrap columns are dropped ({@link #fromWide}); a gradient flowing back in the wide layout must hold zeros
 * there ({@link #toWide}), which makes its products with the wrap columns exact zeros as long as the other
 * factor is finite.
 *
 * <p>The wide layout costs a GEMM {@code Wp / outW} times the columns of the plain one and saves the
 * {@code C·kH·kW·outH} short copies of {@link Im2col}: a clear win for small images. Everything runs on the
 * calling thread and allocates nothing.
 */
public final class WideIm2col {

  private WideIm2col() {
  }

  /** Whether {@code g} can use the wide layout: a convolution with stride 1 and dilation 1 (any padding). */
  public static boolean applies(ConvGeometry g) {
    return g.op() == ConvGeometry.Op.CONV2D && g.strideH() == 1 && g.strideW() == 1 && g.dilationH() == 1
        && g.dilationW() == 1;
  }

  /** The padded width Wp, the wide layout's row pitch. */
  public static int paddedWidth(ConvGeometry g) {
    return g.width() + 2 * g.padW();
  }

  /** Elements of the zero-padded image, C·Hp·Wp. */
  public static int paddedLength(ConvGeometry g) {
    return Math.multiplyExact(g.channels(), Math.multiplyExact(g.height() + 2 * g.padH(), paddedWidth(g)));
  }

  /** Columns of the wide layout, {@code (outH − 1)·Wp + outW}: the last output row needs no wrap columns. */
  public static int wideLength(ConvGeometry g) {
    return Math.addExact(Math.multiplyExact(g.outH() - 1, paddedWidth(g)), g.outW());
  }

  /** Whether the geometry pads: then unfold from a {@link #pad padded copy}, else from the image itself. */
  public static boolean pads(ConvGeometry g) {
    return g.padH() != 0 || g.padW() != 0;
  }

  /** Writes the zero-padded copy of the image at {@code in[inOff ..]} into {@code padded[0 .. paddedLength)}. */
  public static void pad(float[] in, int inOff, ConvGeometry g, float[] padded) {
    int h = g.height();
    int w = g.width();
    int wp = paddedWidth(g);
    int planeP = (h + 2 * g.padH()) * wp;
    Arrays.fill(padded, 0, paddedLength(g), 0f);
    for (int c = 0; c < g.channels(); c++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(in, inOff + (c * h + y) * w, padded, c * planeP + (y + g.padH()) * wp + g.padW(), w);
      }
    }
  }

  /** Whether {@code a[off .. off + len)} holds no infinity and no NaN. */
  public static boolean allFinite(float[] a, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (!Float.isFinite(a[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes the wide column matrix ({@code C·kH·kW} rows of {@link #wideLength}) of the padded image at
   * {@code padded[off ..]} to {@code cols}.
   */
  public static void im2col(float[] padded, int off, ConvGeometry g, float[] cols) {
    int wp = paddedWidth(g);
    int planeP = (g.height() + 2 * g.padH()) * wp;
    int len = wideLength(g);
    int row = 0;
    for (int c = 0; c < g.channels(); c++) {
      for (int i = 0; i < g.kernelH(); i++) {
        for (int j = 0; j < g.kernelW(); j++, row++) {
          System.arraycopy(padded, off + c * planeP + i * wp + j, cols, row * len, len);
        }
      }
    }
  }

  /**
   * Adds ({@code +=}) a wide column matrix back into the padded image gradient {@code padded[0 ..
   * paddedLength)}, the adjoint of {@link #im2col}. Wrap columns must hold zeros (see the class comment):
   * they land on other taps' pixels. {@code stage} (as long as {@code padded}) is scratch: each row is first
   * copied to where it lands, so that the add loop indexes both arrays alike, which the JIT vectorises (it
   * does not vectorise {@code a[i + d] += b[i + s]}, as a and b might be one array).
   */
  public static void col2im(float[] cols, ConvGeometry g, float[] padded, float[] stage) {
    int wp = paddedWidth(g);
    int planeP = (g.height() + 2 * g.padH()) * wp;
    int len = wideLength(g);
    int row = 0;
    for (int c = 0; c < g.channels(); c++) {
      for (int i = 0; i < g.kernelH(); i++) {
        for (int j = 0; j < g.kernelW(); j++, row++) {
          int dst = c * planeP + i * wp + j;
          System.arraycopy(cols, row * len, stage, dst, len);
          for (int k = dst; k < dst + len; k++) {
            padded[k] += stage[k];
          }
        }
      }
    }
  }

  /** Writes the interior of a padded image gradient (the part over the real image) to {@code in[inOff ..]}. */
  public static void unpad(float[] padded, ConvGeometry g, float[] in, int inOff) {
    if (!pads(g)) {
      System.arraycopy(padded, 0, in, inOff, g.channels() * g.inPlaneSize());
      return;
    }
    int h = g.height();
    int w = g.width();
    int wp = paddedWidth(g);
    int planeP = (h + 2 * g.padH()) * wp;
    for (int c = 0; c < g.channels(); c++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(padded, c * planeP + (y + g.padH()) * wp + g.padW(), in, inOff + (c * h + y) * w, w);
      }
    }
  }

  /** Copies {@code planes} output planes ({@code outH·outW} each) into wide rows, zeroing the wrap columns. */
  public static void toWide(float[] out, int outOff, int planes, ConvGeometry g, float[] wide) {
    int outH = g.outH();
    int outW = g.outW();
    int wp = paddedWidth(g);
    int len = wideLength(g);
    for (int p = 0; p < planes; p++) {
      for (int oh = 0; oh < outH; oh++) {
        int dst = p * len + oh * wp;
        System.arraycopy(out, outOff + (p * outH + oh) * outW, wide, dst, outW);
        if (oh < outH - 1) {
          Arrays.fill(wide, dst + outW, dst + wp, 0f);
        }
      }
    }
  }

  /**
   * Writes {@code planes} wide rows to output planes at {@code out[outOff ..]}, dropping the wrap columns and
   * adding {@code bias[biasOff + p]} to plane {@code p} (after the product, as a GEMM with the bias in C and
   * beta 1 would); {@code bias} may be null.
   */
  public static void fromWide(float[] wide, int planes, ConvGeometry g, float[] bias, int biasOff, float[] out,
      int outOff) {
    int outH = g.outH();
    int outW = g.outW();
    int wp = paddedWidth(g);
    int len = wideLength(g);
    for (int p = 0; p < planes; p++) {
      for (int oh = 0; oh < outH; oh++) {
        int dst = outOff + (p * outH + oh) * outW;
        System.arraycopy(wide, p * len + oh * wp, out, dst, outW);
        if (bias != null) {
          float b = bias[biasOff + p];
          for (int ow = dst; ow < dst + outW; ow++) {
            out[ow] = b + out[ow];
          }
        }
      }
    }
  }
}
