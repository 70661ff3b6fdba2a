package dev.ddp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PoolingTest {

  /** 1×1×4×4 image holding 1..16 row-major: x[i][j] = 4i + j + 1. */
  private static double[] ramp16() {
    double[] x = new double[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i + 1;
    }
    return x;
  }

  private static double[] maxPool(double[] x, int batch, ConvGeometry g, int[] indices) {
    double[] out = new double[batch * g.channels() * g.outPlaneSize()];
    Pooling.maxPool2d(x, 0, batch, g, out, 0, indices, 0);
    return out;
  }

  private static double[] avgPool(double[] x, int batch, ConvGeometry g, boolean countIncludePad) {
    double[] out = new double[batch * g.channels() * g.outPlaneSize()];
    Pooling.avgPool2d(x, 0, batch, g, countIncludePad, out, 0);
    return out;
  }

  @Test
  void maxPoolKernel2Stride2PicksBottomRightWithFlatPlaneIndices() {
    int[] idx = new int[4];
    assertArrayEquals(new double[] {6, 8, 14, 16},
        maxPool(ramp16(), 1, ConvGeometry.maxPool2d(1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false), idx));
    assertArrayEquals(new int[] {5, 7, 13, 15}, idx);
  }

  @Test
  void maxPoolWithPaddingNeverPicksPaddingAndDilationSkipsTaps() {
    int[] idx = new int[16];
    assertArrayEquals(new double[] {6, 7, 8, 8, 10, 11, 12, 12, 14, 15, 16, 16, 14, 15, 16, 16},
        maxPool(ramp16(), 1, ConvGeometry.maxPool2d(1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, false), idx));
    assertArrayEquals(new int[] {5, 6, 7, 7, 9, 10, 11, 11, 13, 14, 15, 15, 13, 14, 15, 15}, idx);

    // kernel 2, dilation 2: taps (i, j), (i, j+2), (i+2, j), (i+2, j+2)
    double[] negated = ramp16();
    for (int i = 0; i < 16; i++) {
      negated[i] = -negated[i];
    }
    int[] idx2 = new int[4];
    assertArrayEquals(new double[] {-1, -2, -5, -6},
        maxPool(negated, 1, ConvGeometry.maxPool2d(1, 4, 4, 2, 2, 1, 1, 0, 0, 2, 2, false), idx2));
    assertArrayEquals(new int[] {0, 1, 4, 5}, idx2);
  }

  @Test
  void avgPoolDividesByPaddedWindowOrByRealElements() {
    ConvGeometry g = ConvGeometry.avgPool2d(1, 4, 4, 3, 3, 2, 2, 1, 1, false);
    assertArrayEquals(new double[] {14 / 9.0, 30 / 9.0, 57 / 9.0, 11}, avgPool(ramp16(), 1, g, true), 1e-15);
    assertArrayEquals(new double[] {3.5, 5, 9.5, 11}, avgPool(ramp16(), 1, g, false), 1e-15);
  }

  @Test
  void avgPoolCeilModeClipsTheLastWindowAtTheInputBorder() {
    // PyTorch: avg_pool2d(x, 3, 2, ceil_mode=True); the last window has 2 rows/cols, and the divisor counts only those
    ConvGeometry g = ConvGeometry.avgPool2d(1, 4, 4, 3, 3, 2, 2, 0, 0, true);
    assertEquals(2, g.outH());
    assertArrayEquals(new double[] {6, 7.5, 12, 13.5}, avgPool(ramp16(), 1, g, true), 1e-15);
    assertArrayEquals(new double[] {6, 7.5, 12, 13.5}, avgPool(ramp16(), 1, g, false), 1e-15);
  }

  @Test
  void avgPoolCeilModeWithPaddingCountsPaddingOnlyInsideThePaddedInput() {
    // PyTorch: avg_pool2d(x, 3, 2, padding=1, ceil_mode=True, count_include_pad=True/False)
    ConvGeometry g = ConvGeometry.avgPool2d(1, 4, 4, 3, 3, 2, 2, 1, 1, true);
    assertEquals(3, g.outH());
    assertArrayEquals(new double[] {14 / 9.0, 30 / 9.0, 2, 57 / 9.0, 11, 6, 4.5, 7.5, 4},
        avgPool(ramp16(), 1, g, true), 1e-15);
    assertArrayEquals(new double[] {3.5, 5, 6, 9.5, 11, 12, 13.5, 15, 16}, avgPool(ramp16(), 1, g, false), 1e-15);
  }

  @Test
  void poolOutputSizeFollowsPytorchCeilRule() {
    assertEquals(2, ConvGeometry.maxPool2d(1, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1, false).outH());
    assertEquals(3, ConvGeometry.maxPool2d(1, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1, true).outH());
    // ceil would give 4, but the 4th window would start at 6 >= 5 + 1, inside the right padding only
    assertEquals(3, ConvGeometry.maxPool2d(1, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, true).outW());
    assertEquals(2, ConvGeometry.avgPool2d(1, 6, 6, 3, 3, 3, 3, 1, 1, false).outH());
    assertEquals(3, ConvGeometry.avgPool2d(1, 6, 6, 3, 3, 3, 3, 1, 1, true).outH());
    // in ceil mode the only window may be larger than the input
    assertEquals(1, ConvGeometry.maxPool2d(1, 4, 4, 5, 5, 2, 2, 0, 0, 1, 1, true).outH());
  }

  @Test
  void nanInAWindowWinsAndTheLastNanIsReported() {
    double[] x = ramp16();
    x[5] = Double.NaN;
    x[4] = Double.NaN;
    int[] idx = new int[4];
    double[] out = maxPool(x, 1, ConvGeometry.maxPool2d(1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false), idx);
    assertArrayEquals(new double[] {Double.NaN, 8, 14, 16}, out);
    assertArrayEquals(new int[] {5, 7, 13, 15}, idx);

    float[] xf = new float[16];
    for (int i = 0; i < 16; i++) {
      xf[i] = i + 1;
    }
    xf[10] = Float.NaN;
    float[] outF = new float[4];
    Pooling.maxPool2d(xf, 0, 1, ConvGeometry.maxPool2d(1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false), outF, 0, idx, 0);
    assertArrayEquals(new float[] {6, 8, 14, Float.NaN}, outF);
    assertArrayEquals(new int[] {5, 7, 13, 10}, idx);
  }

  @Test
  void dense2x2WindowsFollowTheGeneralRuleOnTiesSignedZerosInfinitiesAndNans() {
    float[] values = {-1f, -0f, 0f, 1f, 2f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
    Random r = new Random(11);
    // Exact fits (LeNet's 28×28 and 10×10 planes, a wide and a one-window plane), an odd size that drops the
    // last row and column, and ceil mode that keeps them (general path).
    ConvGeometry[] geometries = {ConvGeometry.maxPool2d(1, 6, 8, 2, 2, 2, 2, 0, 0, 1, 1, false),
        ConvGeometry.maxPool2d(1, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, false),
        ConvGeometry.maxPool2d(1, 10, 10, 2, 2, 2, 2, 0, 0, 1, 1, false),
        ConvGeometry.maxPool2d(1, 4, 38, 2, 2, 2, 2, 0, 0, 1, 1, false),
        ConvGeometry.maxPool2d(1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, false),
        ConvGeometry.maxPool2d(1, 7, 5, 2, 2, 2, 2, 0, 0, 1, 1, false),
        ConvGeometry.maxPool2d(1, 7, 5, 2, 2, 2, 2, 0, 0, 1, 1, true)};
    for (ConvGeometry g : geometries) {
      int batch = 40;
      float[] xf = new float[batch * g.inPlaneSize()];
      double[] x = new double[xf.length];
      for (int i = 0; i < xf.length; i++) {
        xf[i] = values[r.nextInt(values.length)];
        x[i] = xf[i];
      }
      int[] idx = new int[batch * g.outPlaneSize()];
      directMax(x, batch, g, idx);
      float[] out = new float[idx.length];
      int[] idxF = new int[idx.length];
      Pooling.maxPool2d(xf, 0, batch, g, out, 0, idxF, 0);
      assertArrayEquals(idx, idxF, g::toString);
      for (int o = 0; o < out.length; o++) {
        float expected = xf[(o / g.outPlaneSize()) * g.inPlaneSize() + idx[o]];
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[o]), g + " output " + o);
      }
    }
  }

  @Test
  void windowsOfMinusInfinityReportTheirFirstRealTapAndPaddingOnlyWindowsReportMinusOne() {
    double[] x = new double[16];
    Arrays.fill(x, Double.NEGATIVE_INFINITY);
    int[] idx = new int[4];
    assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY},
        maxPool(x, 1, ConvGeometry.maxPool2d(1, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, false), idx));
    assertArrayEquals(new int[] {0, 1, 4, 5}, idx);

    // kernel 2 rows with dilation 5 and padding 1: taps at rows -1 and 4, both outside a 4-row input
    ConvGeometry g = ConvGeometry.maxPool2d(1, 4, 4, 2, 1, 1, 1, 1, 0, 5, 1, false);
    assertEquals(1, g.outH());
    int[] idx2 = new int[4];
    double[] out = maxPool(ramp16(), 1, g, idx2);
    assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, out);
    assertArrayEquals(new int[] {-1, -1, -1, -1}, idx2);
    double[] grad = new double[16];
    Pooling.maxPool2dBackward(new double[] {1, 2, 3, 4}, 0, idx2, 0, 1, g, grad, 0);
    assertArrayEquals(new double[16], grad);
  }

  @Test
  void maxPoolBackwardScattersAndAccumulatesIntoTheArgmax() {
    ConvGeometry g = ConvGeometry.maxPool2d(1, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, false);
    int[] idx = new int[16];
    maxPool(ramp16(), 1, g, idx);
    double[] gradOut = new double[16];
    Arrays.fill(gradOut, 1);
    double[] grad = new double[16];
    Arrays.fill(grad, 0.5);
    Pooling.maxPool2dBackward(gradOut, 0, idx, 0, 1, g, grad, 0);
    // 16 is the max of 4 windows; 8, 12, 14 and 15 of 2; 6, 7, 10 and 11 of one
    assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 2.5, 0.5, 1.5, 1.5, 2.5,
        0.5, 2.5, 2.5, 4.5}, grad);
  }

  @Test
  void avgPoolBackwardSpreadsGradientOverTheWindowByTheSameDivisor() {
    ConvGeometry g = ConvGeometry.avgPool2d(1, 4, 4, 3, 3, 2, 2, 0, 0, true);
    double[] grad = new double[16];
    Pooling.avgPool2dBackward(new double[] {9, 6, 6, 4}, 0, 1, g, true, grad, 0);
    assertArrayEquals(new double[] {1, 1, 2, 1, 1, 1, 2, 1, 2, 2, 4, 2, 1, 1, 2, 1}, grad, 1e-15);
  }

  @Test
  void poolingMatchesDirectDefinitionsForRandomGeometries() {
    Random rnd = new Random(5);
    for (int trial = 0; trial < 500; trial++) {
      boolean max = rnd.nextBoolean();
      ConvGeometry g = randomPoolGeometry(rnd, max);
      int batch = rnd.nextInt(3);
      int inLen = batch * g.channels() * g.inPlaneSize();
      int outLen = batch * g.channels() * g.outPlaneSize();
      double[] x = Im2colTest.randomArray(rnd, inLen);
      double[] gy = Im2colTest.randomArray(rnd, outLen);
      if (max) {
        int[] idx = new int[outLen];
        int[] refIdx = new int[outLen];
        assertArrayEquals(directMax(x, batch, g, refIdx), maxPool(x, batch, g, idx), 0, g::toString);
        assertArrayEquals(refIdx, idx, g::toString);
        // backward is the adjoint of the gather out[o] = x[idx[o]]
        double[] gx = new double[inLen];
        Pooling.maxPool2dBackward(gy, 0, idx, 0, batch, g, gx, 0);
        assertAdjoint(maxPool(x, batch, g, new int[outLen]), gy, x, gx, g);
        checkFloatMax(x, gy, idx, gx, batch, g);
      } else {
        for (boolean include : new boolean[] {true, false}) {
          assertArrayEquals(directAvg(x, batch, g, include), avgPool(x, batch, g, include), 1e-12, g::toString);
          double[] gx = new double[inLen];
          Pooling.avgPool2dBackward(gy, 0, batch, g, include, gx, 0);
          assertAdjoint(avgPool(x, batch, g, include), gy, x, gx, g);
          checkFloatAvg(x, gy, gx, batch, g, include);
        }
      }
    }
  }

  @Test
  void largeBatchesSplitOverThreadsGiveTheSameResultAtOffsets() {
    Random rnd = new Random(9);
    int batch = 64;
    ConvGeometry maxG = ConvGeometry.maxPool2d(8, 16, 16, 2, 2, 2, 2, 0, 0, 1, 1, false);
    ConvGeometry avgG = ConvGeometry.avgPool2d(8, 16, 16, 3, 3, 2, 2, 1, 1, true);
    double[] x = Im2colTest.randomArray(rnd, batch * 8 * 256);
    double[] shifted = new double[x.length + 7];
    System.arraycopy(x, 0, shifted, 7, x.length);

    int outLen = batch * 8 * maxG.outPlaneSize();
    double[] out = new double[outLen + 3];
    int[] idx = new int[outLen + 2];
    Pooling.maxPool2d(shifted, 7, batch, maxG, out, 3, idx, 2);
    int[] refIdx = new int[outLen];
    assertArrayEquals(directMax(x, batch, maxG, refIdx), Arrays.copyOfRange(out, 3, out.length));
    assertArrayEquals(refIdx, Arrays.copyOfRange(idx, 2, idx.length));

    double[] gy = Im2colTest.randomArray(rnd, batch * 8 * avgG.outPlaneSize());
    double[] avgOut = new double[gy.length + 1];
    Pooling.avgPool2d(shifted, 7, batch, avgG, false, avgOut, 1);
    assertArrayEquals(directAvg(x, batch, avgG, false), Arrays.copyOfRange(avgOut, 1, avgOut.length), 1e-12);
    double[] gx = new double[x.length + 5];
    Pooling.avgPool2dBackward(gy, 0, batch, avgG, false, gx, 5);
    assertAdjoint(directAvg(x, batch, avgG, false), gy, x, Arrays.copyOfRange(gx, 5, gx.length), avgG);
  }

  @Test
  void invalidPoolingPaddingIsRejectedAsPytorchDoes() {
    assertEquals("maxPool2d: pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 "
        + "and dilation=1", assertThrows(IllegalArgumentException.class,
            () -> ConvGeometry.maxPool2d(1, 8, 8, 3, 3, 1, 1, 2, 0, 1, 1, false)).getMessage());
    // within half the dilated kernel (5 / 2) but not within half the kernel (3 / 2)
    assertEquals("maxPool2d: pad should be smaller than or equal to half of kernel size, but got padH = 2, "
        + "padW = 0, kH = 3, kW = 3", assertThrows(IllegalArgumentException.class,
            () -> ConvGeometry.maxPool2d(1, 8, 8, 3, 3, 1, 1, 2, 0, 2, 1, false)).getMessage());
    assertEquals("avgPool2d: pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 "
        + "and dilation=1", assertThrows(IllegalArgumentException.class,
            () -> ConvGeometry.avgPool2d(1, 8, 8, 2, 2, 1, 1, 0, 2, false)).getMessage());
    assertEquals("avgPool2d: stride must be positive, got (1, 0)", assertThrows(IllegalArgumentException.class,
        () -> ConvGeometry.avgPool2d(1, 8, 8, 2, 2, 1, 0, 0, 0, false)).getMessage());
    assertEquals("avgPool2d: dilation must be 1, got (2, 1)", assertThrows(IllegalArgumentException.class,
        () -> new ConvGeometry(ConvGeometry.Op.AVG_POOL2D, 1, 8, 8, 2, 2, 1, 1, 0, 0, 2, 1, false)).getMessage());
    assertEquals("maxPool2d: kernel size 5 with dilation 1 is larger than padded input height 4 (input 4, padding 0)",
        assertThrows(IllegalArgumentException.class,
            () -> ConvGeometry.maxPool2d(1, 4, 4, 5, 5, 1, 1, 0, 0, 1, 1, false)).getMessage());
  }

  @Test
  void mismatchedGeometryOrShortArraysAreRejected() {
    ConvGeometry avg = ConvGeometry.avgPool2d(1, 4, 4, 2, 2, 2, 2, 0, 0, false);
    assertEquals("maxPool2d: geometry was built for avgPool2d", assertThrows(IllegalArgumentException.class,
        () -> Pooling.maxPool2d(new float[16], 0, 1, avg, new float[4], 0, new int[4], 0)).getMessage());
    assertEquals("avgPool2d: output array of length 3 cannot hold 4 elements from offset 0",
        assertThrows(IllegalArgumentException.class,
            () -> Pooling.avgPool2d(new float[16], 0, 1, avg, true, new float[3], 0)).getMessage());
    ConvGeometry max = ConvGeometry.maxPool2d(1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, false);
    assertEquals("maxPool2d: indices array of length 4 cannot hold 4 elements from offset 1",
        assertThrows(IllegalArgumentException.class,
            () -> Pooling.maxPool2d(new double[16], 0, 1, max, new double[4], 0, new int[4], 1)).getMessage());
    assertEquals("maxPool2d: argmax index 16 is outside the input plane of 16 elements",
        assertThrows(IllegalArgumentException.class, () -> Pooling.maxPool2dBackward(
            new double[4], 0, new int[] {0, 1, 2, 16}, 0, 1, max, new double[16], 0)).getMessage());
  }

  private static ConvGeometry randomPoolGeometry(Random rnd, boolean max) {
    while (true) {
      int c = 1 + rnd.nextInt(3);
      int h = 1 + rnd.nextInt(9);
      int w = 1 + rnd.nextInt(9);
      int kH = 1 + rnd.nextInt(4);
      int kW = 1 + rnd.nextInt(4);
      int sH = 1 + rnd.nextInt(4);
      int sW = 1 + rnd.nextInt(4);
      int pH = rnd.nextInt(kH / 2 + 1);
      int pW = rnd.nextInt(kW / 2 + 1);
      int dH = max ? 1 + rnd.nextInt(3) : 1;
      int dW = max ? 1 + rnd.nextInt(3) : 1;
      boolean ceil = rnd.nextBoolean();
      try {
        return max ? ConvGeometry.maxPool2d(c, h, w, kH, kW, sH, sW, pH, pW, dH, dW, ceil)
            : ConvGeometry.avgPool2d(c, h, w, kH, kW, sH, sW, pH, pW, ceil);
      } catch (IllegalArgumentException tooSmall) {
        // kernel larger than the padded input: draw again
      }
    }
  }

  /**
   * Max over the kernel taps that fall inside the input, starting from -inf at the first such tap; a NaN replaces
   * the running max; index -1 when no tap falls inside.
   */
  private static double[] directMax(double[] x, int batch, ConvGeometry g, int[] idx) {
    int outH = g.outH();
    int outW = g.outW();
    int planes = batch * g.channels();
    double[] out = new double[planes * outH * outW];
    for (int p = 0; p < planes; p++) {
      for (int oh = 0; oh < outH; oh++) {
        for (int ow = 0; ow < outW; ow++) {
          double best = Double.NEGATIVE_INFINITY;
          int arg = -1;
          for (int i = 0; i < g.kernelH(); i++) {
            for (int j = 0; j < g.kernelW(); j++) {
              int ih = oh * g.strideH() - g.padH() + i * g.dilationH();
              int iw = ow * g.strideW() - g.padW() + j * g.dilationW();
              if (ih < 0 || ih >= g.height() || iw < 0 || iw >= g.width()) {
                continue;
              }
              double v = x[p * g.inPlaneSize() + ih * g.width() + iw];
              if (arg < 0) {
                arg = ih * g.width() + iw;
              }
              if (v > best || Double.isNaN(v)) {
                best = v;
                arg = ih * g.width() + iw;
              }
            }
          }
          int o = (p * outH + oh) * outW + ow;
          out[o] = best;
          idx[o] = arg;
        }
      }
    }
    return out;
  }

  /**
   * Mean over the window: the sum of real elements divided by how many window cells lie inside the padded input
   * (countIncludePad) or inside the input.
   */
  private static double[] directAvg(double[] x, int batch, ConvGeometry g, boolean countIncludePad) {
    int outH = g.outH();
    int outW = g.outW();
    int planes = batch * g.channels();
    double[] out = new double[planes * outH * outW];
    for (int p = 0; p < planes; p++) {
      for (int oh = 0; oh < outH; oh++) {
        for (int ow = 0; ow < outW; ow++) {
          double sum = 0;
          int inPadded = 0;
          int real = 0;
          for (int i = 0; i < g.kernelH(); i++) {
            for (int j = 0; j < g.kernelW(); j++) {
              int ih = oh * g.strideH() - g.padH() + i;
              int iw = ow * g.strideW() - g.padW() + j;
              if (ih < g.height() + g.padH() && iw < g.width() + g.padW()) {
                inPadded++;
              }
              if (ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width()) {
                real++;
                sum += x[p * g.inPlaneSize() + ih * g.width() + iw];
              }
            }
          }
          out[(p * outH + oh) * outW + ow] = sum / (countIncludePad ? inPadded : real);
        }
      }
    }
    return out;
  }

  private static void assertAdjoint(double[] fx, double[] gy, double[] x, double[] gx, ConvGeometry g) {
    double lhs = 0;
    for (int i = 0; i < fx.length; i++) {
      if (Double.isFinite(fx[i])) {   // -inf marks a max window of padding only, which has no gradient
        lhs += fx[i] * gy[i];
      }
    }
    double rhs = 0;
    for (int i = 0; i < x.length; i++) {
      rhs += x[i] * gx[i];
    }
    assertEquals(lhs, rhs, 1e-12 * (1 + Math.abs(lhs)), g::toString);
  }

  private static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  private static void checkFloatMax(double[] x, double[] gy, int[] idx, double[] gx, int batch, ConvGeometry g) {
    float[] xf = toFloat(x);
    float[] out = new float[gy.length];
    int[] idxF = new int[gy.length];
    Pooling.maxPool2d(xf, 0, batch, g, out, 0, idxF, 0);
    assertArrayEquals(idx, idxF, g::toString);
    for (int o = 0; o < out.length; o++) {
      float expected = idx[o] < 0 ? Float.NEGATIVE_INFINITY : xf[(o / g.outPlaneSize()) * g.inPlaneSize() + idx[o]];
      assertEquals(expected, out[o], 0f, g::toString);
    }
    float[] gxF = new float[x.length];
    Pooling.maxPool2dBackward(toFloat(gy), 0, idxF, 0, batch, g, gxF, 0);
    for (int i = 0; i < gx.length; i++) {
      assertEquals(gx[i], gxF[i], 1e-5, g::toString);
    }
  }

  private static void checkFloatAvg(double[] x, double[] gy, double[] gx, int batch, ConvGeometry g,
                                    boolean include) {
    float[] out = new float[gy.length];
    Pooling.avgPool2d(toFloat(x), 0, batch, g, include, out, 0);
    double[] ref = directAvg(x, batch, g, include);
    for (int o = 0; o < out.length; o++) {
      assertEquals(ref[o], out[o], 1e-5, g::toString);
    }
    float[] gxF = new float[x.length];
    Pooling.avgPool2dBackward(toFloat(gy), 0, batch, g, include, gxF, 0);
    for (int i = 0; i < gx.length; i++) {
      assertEquals(gx[i], gxF[i], 1e-5, g::toString);
    }
  }
}
