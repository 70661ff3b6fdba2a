package dev.ddp4j.tensor.cpu;

import java.util.Arrays;

/**
 * Unfolds one C×H×W image into the column matrix of a convolution (im2col) and folds columns back (col2im).
 *
 * <p>The column matrix is row-major with {@code C·kH·kW} rows and {@code outH·outW} columns: row
 * {@code (c·kH + i)·kW + j} holds, for every output position {@code (oh, ow)} at column {@code oh·outW + ow},
 * the input {@code x[c][oh·sH − pH + i·dH][ow·sW − pW + j·dW]}, or 0 where that falls in the padding. A
 * convolution is then {@code weight[O × C·kH·kW] · cols}, and {@link #col2im} is the exact adjoint of
 * {@link #im2col}, which makes it the input gradient of the unfold.
 *
 * <p>Both run on the calling thread and allocate nothing: callers parallelise over the images of a batch.
 */
public final class Im2col {

  private Im2col() {
  }

  /** Writes the column matrix of the image at {@code in[inOff ..]} into {@code cols[colsOff ..]}, overwriting it. */
  public static void im2col(float[] in, int inOff, ConvGeometry g, float[] cols, int colsOff) {
    checkLengths("im2col", in.length, inOff, cols.length, colsOff, g);
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    int outPlane = outH * outW;
    int row = 0;
    for (int c = 0; c < g.channels(); c++) {
      int plane = inOff + c * h * w;
      for (int i = 0; i < g.kernelH(); i++) {
        int tapH = i * g.dilationH() - g.padH();
        int ohLo = firstInside(tapH, g.strideH(), outH);
        int ohHi = endInside(tapH, g.strideH(), h, ohLo, outH);
        for (int j = 0; j < g.kernelW(); j++, row++) {
          int tapW = j * g.dilationW() - g.padW();
          int owLo = firstInside(tapW, g.strideW(), outW);
          int owHi = endInside(tapW, g.strideW(), w, owLo, outW);
          int rowBase = colsOff + row * outPlane;
          Arrays.fill(cols, rowBase, rowBase + ohLo * outW, 0f);
          Arrays.fill(cols, rowBase + ohHi * outW, rowBase + outPlane, 0f);
          for (int oh = ohLo; oh < ohHi; oh++) {
            int dst = rowBase + oh * outW;
            int src = plane + (oh * g.strideH() + tapH) * w + tapW;
            Arrays.fill(cols, dst, dst + owLo, 0f);
            if (g.strideW() == 1) {
              if (owLo < owHi) {
                System.arraycopy(in, src + owLo, cols, dst + owLo, owHi - owLo);
              }
            } else {
              int sW = g.strideW();
              for (int ow = owLo, iw = src + owLo * sW; ow < owHi; ow++, iw += sW) {
                cols[dst + ow] = in[iw];
              }
            }
            Arrays.fill(cols, dst + owHi, dst + outW, 0f);
          }
        }
      }
    }
  }

  /** Adds ({@code +=}) the column matrix at {@code cols[colsOff ..]} back into the image gradient at {@code in[inOff ..]}. */
  public static void col2im(float[] cols, int colsOff, ConvGeometry g, float[] in, int inOff) {
    checkLengths("col2im", in.length, inOff, cols.length, colsOff, g);
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    int outPlane = outH * outW;
    int sW = g.strideW();
    int row = 0;
    for (int c = 0; c < g.channels(); c++) {
      int plane = inOff + c * h * w;
      for (int i = 0; i < g.kernelH(); i++) {
        int tapH = i * g.dilationH() - g.padH();
        int ohLo = firstInside(tapH, g.strideH(), outH);
        int ohHi = endInside(tapH, g.strideH(), h, ohLo, outH);
        for (int j = 0; j < g.kernelW(); j++, row++) {
          int tapW = j * g.dilationW() - g.padW();
          int owLo = firstInside(tapW, sW, outW);
          int owHi = endInside(tapW, sW, w, owLo, outW);
          int rowBase = colsOff + row * outPlane;
          for (int oh = ohLo; oh < ohHi; oh++) {
            int src = rowBase + oh * outW;
            int dst = plane + (oh * g.strideH() + tapH) * w + tapW;
            for (int ow = owLo, iw = dst + owLo * sW; ow < owHi; ow++, iw += sW) {
              in[iw] += cols[src + ow];
            }
          }
        }
      }
    }
  }

  /** Double-precision {@link #im2col(float[], int, ConvGeometry, float[], int)}. */
  public static void im2col(double[] in, int inOff, ConvGeometry g, double[] cols, int colsOff) {
    checkLengths("im2col", in.length, inOff, cols.length, colsOff, g);
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    int outPlane = outH * outW;
    int row = 0;
    for (int c = 0; c < g.channels(); c++) {
      int plane = inOff + c * h * w;
      for (int i = 0; i < g.kernelH(); i++) {
        int tapH = i * g.dilationH() - g.padH();
        int ohLo = firstInside(tapH, g.strideH(), outH);
        int ohHi = endInside(tapH, g.strideH(), h, ohLo, outH);
        for (int j = 0; j < g.kernelW(); j++, row++) {
          int tapW = j * g.dilationW() - g.padW();
          int owLo = firstInside(tapW, g.strideW(), outW);
          int owHi = endInside(tapW, g.strideW(), w, owLo, outW);
          int rowBase = colsOff + row * outPlane;
          Arrays.fill(cols, rowBase, rowBase + ohLo * outW, 0d);
          Arrays.fill(cols, rowBase + ohHi * outW, rowBase + outPlane, 0d);
          for (int oh = ohLo; oh < ohHi; oh++) {
            int dst = rowBase + oh * outW;
            int src = plane + (oh * g.strideH() + tapH) * w + tapW;
            Arrays.fill(cols, dst, dst + owLo, 0d);
            if (g.strideW() == 1) {
              if (owLo < owHi) {
                System.arraycopy(in, src + owLo, cols, dst + owLo, owHi - owLo);
              }
            } else {
              int sW = g.strideW();
              for (int ow = owLo, iw = src + owLo * sW; ow < owHi; ow++, iw += sW) {
                cols[dst + ow] = in[iw];
              }
            }
            Arrays.fill(cols, dst + owHi, dst + outW, 0d);
          }
        }
      }
    }
  }

  /** Double-precision {@link #col2im(float[], int, ConvGeometry, float[], int)}. */
  public static void col2im(double[] cols, int colsOff, ConvGeometry g, double[] in, int inOff) {
    checkLengths("col2im", in.length, inOff, cols.length, colsOff, g);
    int h = g.height();
    int w = g.width();
    int outH = g.outH();
    int outW = g.outW();
    int outPlane = outH * outW;
    int sW = g.strideW();
    int row = 0;
    for (int c = 0; c < g.channels(); c++) {
      int plane = inOff + c * h * w;
      for (int i = 0; i < g.kernelH(); i++) {
        int tapH = i * g.dilationH() - g.padH();
        int ohLo = firstInside(tapH, g.strideH(), outH);
        int ohHi = endInside(tapH, g.strideH(), h, ohLo, outH);
        for (int j = 0; j < g.kernelW(); j++, row++) {
          int tapW = j * g.dilationW() - g.padW();
          int owLo = firstInside(tapW, sW, outW);
          int owHi = endInside(tapW, sW, w, owLo, outW);
          int rowBase = colsOff + row * outPlane;
          for (int oh = ohLo; oh < ohHi; oh++) {
            int src = rowBase + oh * outW;
            int dst = plane + (oh * g.strideH() + tapH) * w + tapW;
            for (int ow = owLo, iw = dst + owLo * sW; ow < owHi; ow++, iw += sW) {
              in[iw] += cols[src + ow];
            }
          }
        }
      }
    }
  }

  /**
   * The first output index {@code o} whose tap {@code o·stride + tap} is {@code >= 0}, clamped to {@code [0, out]}.
   * {@code tap} is the tap's offset from the window start minus the padding.
   */
  static int firstInside(int tap, int stride, int out) {
    long lo = -Math.floorDiv(tap, (long) stride);   // ceil(-tap / stride)
    return (int) Math.min(Math.max(lo, 0), out);
  }

  /** One past the last output index whose tap {@code o·stride + tap} is {@code < size}, clamped to {@code [lo, out]}. */
  static int endInside(int tap, int stride, int size, int lo, int out) {
    long hi = Math.floorDiv((long) size - 1 - tap, stride) + 1;
    return (int) Math.min(Math.max(hi, lo), out);
  }

  private static void checkLengths(String name, int inLength, int inOff, int colsLength, int colsOff, ConvGeometry g) {
    long image = (long) g.channels() * g.inPlaneSize();
    if (inOff < 0 || inOff + image > inLength) {
      throw new IllegalArgumentException(name + ": image array of length " + inLength + " cannot hold " + image
          + " elements from offset " + inOff);
    }
    long cols = (long) g.colRows() * g.outPlaneSize();
    if (colsOff < 0 || colsOff + cols > colsLength) {
      throw new IllegalArgumentException(name + ": column array of length " + colsLength + " cannot hold " + cols
          + " elements from offset " + colsOff);
    }
  }
}
