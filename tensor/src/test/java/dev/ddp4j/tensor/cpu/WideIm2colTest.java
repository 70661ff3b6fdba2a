package dev.ddp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WideIm2colTest {

  private static float[] random(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() * 2 - 1;
    }
    return a;
  }

  /** The wide column matrix of one image, padding it first when the geometry pads. */
  private static float[] wideCols(float[] x, ConvGeometry g) {
    float[] cols = new float[g.colRows() * WideIm2col.wideLength(g)];
    if (WideIm2col.pads(g)) {
      float[] padded = new float[WideIm2col.paddedLength(g)];
      WideIm2col.pad(x, 0, g, padded);
      WideIm2col.im2col(padded, 0, g, cols);
    } else {
      WideIm2col.im2col(x, 0, g, cols);
    }
    return cols;
  }

  @Test
  void onlyStride1Dilation1ConvolutionsUseTheWideLayout() {
    assertTrue(WideIm2col.applies(ConvGeometry.conv2d(2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1)));
    assertFalse(WideIm2col.applies(ConvGeometry.conv2d(2, 8, 8, 3, 3, 2, 1, 1, 1, 1, 1)));
    assertFalse(WideIm2col.applies(ConvGeometry.conv2d(2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 2)));
    assertFalse(WideIm2col.applies(ConvGeometry.maxPool2d(2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, false)));
  }

  @Test
  void wideLengthSkipsTheWrapColumnsOfTheLastRow() {
    ConvGeometry g = ConvGeometry.conv2d(1, 28, 28, 5, 5, 1, 1, 2, 2, 1, 1);
    assertEquals(32, WideIm2col.paddedWidth(g));
    assertEquals(27 * 32 + 28, WideIm2col.wideLength(g));
    assertEquals(32 * 32, WideIm2col.paddedLength(g));
  }

  @Test
  void wideColumnsHoldThePlainColumnsAtPositionOhTimesPaddedWidthPlusOw() {
    Random r = new Random(3);
    int[][] geometries = {{2, 6, 7, 3, 3, 0, 0}, {2, 6, 7, 3, 3, 1, 1}, {3, 5, 9, 2, 4, 2, 1}, {1, 4, 4, 1, 1, 0, 0}};
    for (int[] p : geometries) {
      ConvGeometry g = ConvGeometry.conv2d(p[0], p[1], p[2], p[3], p[4], 1, 1, p[5], p[6], 1, 1);
      float[] x = random(r, p[0] * p[1] * p[2]);
      float[] plain = new float[g.colsLength()];
      Im2col.im2col(x, 0, g, plain, 0);
      float[] wide = wideCols(x, g);
      int len = WideIm2col.wideLength(g);
      int wp = WideIm2col.paddedWidth(g);
      for (int row = 0; row < g.colRows(); row++) {
        for (int oh = 0; oh < g.outH(); oh++) {
          for (int ow = 0; ow < g.outW(); ow++) {
            assertEquals(plain[(row * g.outH() + oh) * g.outW() + ow], wide[row * len + oh * wp + ow],
                "row " + row + " at (" + oh + ", " + ow + ")");
          }
        }
      }
    }
  }

  @Test
  void col2imWithZeroWrapColumnsIsThePlainCol2im() {
    Random r = new Random(4);
    ConvGeometry g = ConvGeometry.conv2d(2, 6, 7, 3, 2, 1, 1, 1, 2, 1, 1);
    float[] plainCols = random(r, g.colsLength());
    float[] expected = new float[2 * 6 * 7];
    Im2col.col2im(plainCols, 0, g, expected, 0);

    // The same columns in the wide layout, wrap columns zero, as toWide lays out a gradient.
    float[] wideCols = new float[g.colRows() * WideIm2col.wideLength(g)];
    WideIm2col.toWide(plainCols, 0, g.colRows(), g, wideCols);
    float[] padded = new float[WideIm2col.paddedLength(g)];
    WideIm2col.col2im(wideCols, g, padded, new float[padded.length]);
    float[] actual = new float[expected.length];
    WideIm2col.unpad(padded, g, actual, 0);
    assertArrayEquals(expected, actual, 1e-6f);
  }

  @Test
  void fromWideDropsWrapColumnsAndAddsEachPlanesBias() {
    ConvGeometry g = ConvGeometry.conv2d(1, 3, 4, 2, 2, 1, 1, 0, 0, 1, 1);  // out 2×3, Wp 4, wide length 7
    float[] wide = {1, 2, 3, 99, 4, 5, 6, 10, 20, 30, 99, 40, 50, 60};
    float[] out = new float[12];
    WideIm2col.fromWide(wide, 2, g, new float[] {0.5f, -1}, 0, out, 0);
    assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 9, 19, 29, 39, 49, 59}, out);
    float[] back = new float[14];
    WideIm2col.toWide(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 0, 2, g, back);
    assertArrayEquals(new float[] {1, 2, 3, 0, 4, 5, 6, 7, 8, 9, 0, 10, 11, 12}, back);
  }

  @Test
  void allFiniteRejectsInfinitiesAndNansInTheRangeOnly() {
    float[] a = {1, Float.NaN, 2, 3, Float.NEGATIVE_INFINITY};
    assertTrue(WideIm2col.allFinite(a, 2, 2));
    assertFalse(WideIm2col.allFinite(a, 1, 2));
    assertFalse(WideIm2col.allFinite(a, 3, 2));
  }
}
