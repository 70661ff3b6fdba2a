package dev.ddp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Im2colTest {

  /** 1×1×4×4 image holding 1..16 row-major: x[i][j] = 4i + j + 1. */
  private static double[] ramp16() {
    double[] x = new double[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i + 1;
    }
    return x;
  }

  @Test
  void im2colOfKernel2Stride2LaysOutOneRowPerKernelTap() {
    ConvGeometry g = ConvGeometry.conv2d(1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1);
    double[] cols = new double[g.colsLength()];
    Im2col.im2col(ramp16(), 0, g, cols, 0);
    assertArrayEquals(new double[] {
        1, 3, 9, 11,    // tap (0,0)
        2, 4, 10, 12,   // tap (0,1)
        5, 7, 13, 15,   // tap (1,0)
        6, 8, 14, 16},  // tap (1,1)
        cols);
  }

  @Test
  void convOfOnesKernelWithPadding1SumsNeighbourhoods() {
    // PyTorch: conv2d(arange(1,17).view(1,1,4,4), ones(1,1,3,3), padding=1)
    ConvGeometry g = ConvGeometry.conv2d(1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1);
    double[] weight = new double[9];
    Arrays.fill(weight, 1);
    assertArrayEquals(new double[] {
        14, 24, 30, 22,
        33, 54, 63, 45,
        57, 90, 99, 69,
        46, 72, 78, 54}, convViaIm2col(ramp16(), weight, 1, g), 0);
  }

  @Test
  void convIsCrossCorrelationNotFlippedConvolution() {
    // PyTorch: conv2d(x, [[1,2],[3,4]]) = x[i][j] + 2x[i][j+1] + 3x[i+1][j] + 4x[i+1][j+1] = 10(4i+j+1) + 34
    double[] weight = {1, 2, 3, 4};
    assertArrayEquals(new double[] {44, 54, 64, 84, 94, 104, 124, 134, 144},
        convViaIm2col(ramp16(), weight, 1, ConvGeometry.conv2d(1, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1)), 0);
    // dilation 2: x[i][j] + 2x[i][j+2] + 3x[i+2][j] + 4x[i+2][j+2] = 10(4i+j+1) + 68
    assertArrayEquals(new double[] {78, 88, 118, 128},
        convViaIm2col(ramp16(), weight, 1, ConvGeometry.conv2d(1, 4, 4, 2, 2, 1, 1, 0, 0, 2, 2)), 0);
  }

  @Test
  void outputSizeFollowsPytorchFormula() {
    ConvGeometry g = ConvGeometry.conv2d(2, 7, 10, 3, 2, 2, 3, 1, 0, 2, 1);
    assertEquals(3, g.outH());   // floor((7 + 2 - 4 - 1) / 2) + 1
    assertEquals(3, g.outW());   // floor((10 + 0 - 1 - 1) / 3) + 1
    assertEquals(2 * 3 * 2, g.colRows());
    assertEquals(2 * 3 * 2 * 9, g.colsLength());
  }

  @Test
  void im2colConvMatchesDirectConvolutionForRandomGeometries() {
    Random rnd = new Random(42);
    for (int trial = 0; trial < 400; trial++) {
      ConvGeometry g = randomGeometry(rnd);
      int outC = 1 + rnd.nextInt(3);
      double[] x = randomArray(rnd, g.channels() * g.inPlaneSize());
      double[] weight = randomArray(rnd, outC * g.colRows());
      double[] expected = directConv(x, weight, outC, g);
      assertArrayEquals(expected, convViaIm2col(x, weight, outC, g), 1e-12, g::toString);
    }
  }

  @Test
  void floatIm2colAtOffsetsOverwritesStaleColumnsAndMatchesDouble() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      ConvGeometry g = randomGeometry(rnd);
      int n = g.channels() * g.inPlaneSize();
      double[] xd = randomArray(rnd, n);
      float[] xf = new float[n + 3];
      for (int i = 0; i < n; i++) {
        xf[i + 3] = (float) xd[i];
        xd[i] = xf[i + 3];
      }
      double[] colsD = new double[g.colsLength()];
      Im2col.im2col(xd, 0, g, colsD, 0);
      float[] colsF = new float[g.colsLength() + 5];
      Arrays.fill(colsF, Float.NaN);
      Im2col.im2col(xf, 3, g, colsF, 2);
      for (int i = 0; i < colsD.length; i++) {
        assertEquals(colsD[i], colsF[i + 2], 0, g::toString);
      }
      assertEquals(Float.NaN, colsF[0]);
      assertEquals(Float.NaN, colsF[colsF.length - 1]);
    }
  }

  @Test
  void col2imIsTheExactAdjointOfIm2col() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 400; trial++) {
      ConvGeometry g = randomGeometry(rnd);
      double[] x = randomArray(rnd, g.channels() * g.inPlaneSize());
      double[] y = randomArray(rnd, g.colsLength());
      double[] cols = new double[y.length];
      Im2col.im2col(x, 0, g, cols, 0);
      double[] back = new double[x.length];
      Im2col.col2im(y, 0, g, back, 0);
      double lhs = dot(cols, y);
      double rhs = dot(x, back);
      assertEquals(lhs, rhs, 1e-12 * (1 + Math.abs(lhs)), g::toString);
    }
  }

  @Test
  void col2imAccumulatesIntoTheGradientInBothPrecisions() {
    Random rnd = new Random(11);
    for (int trial = 0; trial < 200; trial++) {
      ConvGeometry g = randomGeometry(rnd);
      int n = g.channels() * g.inPlaneSize();
      double[] y = randomArray(rnd, g.colsLength());
      double[] fromZero = new double[n];
      Im2col.col2im(y, 0, g, fromZero, 0);
      double[] start = randomArray(rnd, n);
      double[] acc = new double[n + 1];
      System.arraycopy(start, 0, acc, 1, n);
      double[] yShifted = new double[y.length + 4];
      System.arraycopy(y, 0, yShifted, 4, y.length);
      Im2col.col2im(yShifted, 4, g, acc, 1);
      for (int i = 0; i < n; i++) {
        assertEquals(start[i] + fromZero[i], acc[i + 1], 1e-12, g::toString);
      }

      float[] yf = new float[y.length];
      for (int i = 0; i < y.length; i++) {
        yf[i] = (float) y[i];
      }
      float[] accF = new float[n];
      Arrays.fill(accF, 1f);
      Im2col.col2im(yf, 0, g, accF, 0);
      for (int i = 0; i < n; i++) {
        assertEquals(1 + fromZero[i], accF[i], 1e-4, g::toString);
      }
    }
  }

  @Test
  void kernelLargerThanPaddedInputIsRejectedWithSizes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.conv2d(1, 3, 3, 5, 5, 1, 1, 0, 0, 1, 1));
    assertEquals("conv2d: kernel size 5 with dilation 1 is larger than padded input height 3 (input 3, padding 0)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ConvGeometry.conv2d(1, 8, 4, 3, 3, 1, 1, 0, 0, 1, 2));
    assertEquals("conv2d: kernel size 3 with dilation 2 is larger than padded input width 4 (input 4, padding 0)",
        e.getMessage());
  }

  @Test
  void invalidConvParametersAreRejectedWithValues() {
    assertEquals("conv2d: stride must be positive, got (0, 1)", assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.conv2d(1, 4, 4, 2, 2, 0, 1, 0, 0, 1, 1)).getMessage());
    assertEquals("conv2d: dilation must be positive, got (1, -1)", assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.conv2d(1, 4, 4, 2, 2, 1, 1, 0, 0, 1, -1)).getMessage());
    assertEquals("conv2d: padding must be non-negative, got (-1, 0)", assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.conv2d(1, 4, 4, 2, 2, 1, 1, -1, 0, 1, 1)).getMessage());
    assertEquals("conv2d: kernel size must be positive, got (0, 2)", assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.conv2d(1, 4, 4, 0, 2, 1, 1, 0, 0, 1, 1)).getMessage());
    assertEquals("conv2d: input channels, height and width must be positive, got (0, 4, 4)",
        assertThrows(IllegalArgumentException.class,
            () -> ConvGeometry.conv2d(0, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1)).getMessage());
    assertEquals("conv2d: ceil mode is only defined for pooling", assertThrows(IllegalArgumentException.class,
        () -> new ConvGeometry(ConvGeometry.Op.CONV2D, 1, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, true)).getMessage());
  }

  @Test
  void shortArraysAreRejectedBeforeAnyWrite() {
    ConvGeometry g = ConvGeometry.conv2d(1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1);
    float[] cols = new float[16];
    assertEquals("im2col: image array of length 16 cannot hold 16 elements from offset 1",
        assertThrows(IllegalArgumentException.class, () -> Im2col.im2col(new float[16], 1, g, cols, 0)).getMessage());
    assertEquals("col2im: column array of length 15 cannot hold 16 elements from offset 0",
        assertThrows(IllegalArgumentException.class,
            () -> Im2col.col2im(new double[15], 0, g, new double[16], 0)).getMessage());
  }

  /** A random valid conv geometry, including stride > kernel, big padding and dilation. */
  static ConvGeometry randomGeometry(Random rnd) {
    while (true) {
      int c = 1 + rnd.nextInt(3);
      int h = 1 + rnd.nextInt(9);
      int w = 1 + rnd.nextInt(9);
      int kH = 1 + rnd.nextInt(4);
      int kW = 1 + rnd.nextInt(4);
      int sH = 1 + rnd.nextInt(3);
      int sW = 1 + rnd.nextInt(3);
      int pH = rnd.nextInt(4);
      int pW = rnd.nextInt(4);
      int dH = 1 + rnd.nextInt(3);
      int dW = 1 + rnd.nextInt(3);
      if (dH * (kH - 1) + 1 <= h + 2 * pH && dW * (kW - 1) + 1 <= w + 2 * pW) {
        return ConvGeometry.conv2d(c, h, w, kH, kW, sH, sW, pH, pW, dH, dW);
      }
    }
  }

  /** out[o][p] = Σ_r weight[o][r]·cols[r][p], the GEMM the library will do, written naively. */
  private static double[] convViaIm2col(double[] x, double[] weight, int outC, ConvGeometry g) {
    double[] cols = new double[g.colsLength()];
    Im2col.im2col(x, 0, g, cols, 0);
    int rows = g.colRows();
    int n = g.outPlaneSize();
    double[] out = new double[outC * n];
    for (int o = 0; o < outC; o++) {
      for (int r = 0; r < rows; r++) {
        for (int p = 0; p < n; p++) {
          out[o * n + p] += weight[o * rows + r] * cols[r * n + p];
        }
      }
    }
    return out;
  }

  /** PyTorch's conv2d definition (cross-correlation, zero padding), no bias. */
  private static double[] directConv(double[] x, double[] weight, int outC, ConvGeometry g) {
    int outH = g.outH();
    int outW = g.outW();
    double[] out = new double[outC * outH * outW];
    for (int o = 0; o < outC; o++) {
      for (int oh = 0; oh < outH; oh++) {
        for (int ow = 0; ow < outW; ow++) {
          double sum = 0;
          for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < g.kernelH(); i++) {
              for (int j = 0; j < g.kernelW(); j++) {
                int ih = oh * g.strideH() - g.padH() + i * g.dilationH();
                int iw = ow * g.strideW() - g.padW() + j * g.dilationW();
                if (ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width()) {
                  double wv = weight[((o * g.channels() + c) * g.kernelH() + i) * g.kernelW() + j];
                  sum += wv * x[(c * g.height() + ih) * g.width() + iw];
                }
              }
            }
          }
          out[(o * outH + oh) * outW + ow] = sum;
        }
      }
    }
    return out;
  }

  static double[] randomArray(Random rnd, int n) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = rnd.nextGaussian();
    }
    return a;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
