package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Float32 convolutions, whose stride-1 cases run in the wide column layout, against the same convolutions
 * in float64, which always run in the plain layout: outputs and all three gradients.
 */
class Conv2dFloat32Test {
  private final Generator gen = new Generator(5);

  /** Output, input gradient, weight gradient and bias gradient of one conv2d under {@code gradOut}. */
  private static Tensor[] convAndGrads(Tensor x, Tensor w, Tensor b, Tensor gradOut, int[] padding, int[] stride) {
    Tensor xi = x.detach().requiresGrad_();
    Tensor wi = w.detach().requiresGrad_();
    Tensor bi = b == null ? null : b.detach().requiresGrad_();
    Tensor out = Torch.conv2d(xi, wi, bi, stride, padding, new int[] {1});
    out.backward(gradOut);
    return new Tensor[] {out, xi.grad(), wi.grad(), bi == null ? null : bi.grad()};
  }

  private void assertMatchesFloat64(int[] xShape, int[] wShape, boolean bias, int[] padding, int[] stride) {
    Tensor x = Torch.randn(gen, DType.FLOAT32, xShape);
    Tensor w = Torch.randn(gen, DType.FLOAT32, wShape);
    Tensor b = bias ? Torch.randn(gen, DType.FLOAT32, wShape[0]) : null;
    Tensor probe = Torch.conv2d(x, w, b, stride, padding, new int[] {1});
    Tensor gradOut = Torch.randn(gen, DType.FLOAT32, probe.shape());
    Tensor[] f32 = convAndGrads(x, w, b, gradOut, padding, stride);
    Tensor[] f64 = convAndGrads(x.to(DType.FLOAT64), w.to(DType.FLOAT64), b == null ? null : b.to(DType.FLOAT64),
        gradOut.to(DType.FLOAT64), padding, stride);
    String[] names = {"output", "input grad", "weight grad", "bias grad"};
    for (int i = 0; i < names.length; i++) {
      if (f64[i] == null) {
        continue;
      }
      assertArrayEquals(f64[i].shape(), f32[i].shape(), names[i] + " shape");
      double[] expected = f64[i].toDoubleArray();
      float[] actual = f32[i].toFloatArray();
      for (int j = 0; j < expected.length; j++) {
        assertEquals(expected[j], actual[j], 1e-4 * (1 + Math.abs(expected[j])),
            names[i] + " element " + j + " for padding " + padding[0] + "," + padding[padding.length - 1]);
      }
    }
  }

  @Test
  void stride1ConvolutionsMatchFloat64ForEveryPaddingAndKernelShape() {
    assertMatchesFloat64(new int[] {3, 2, 7, 9}, new int[] {4, 2, 3, 3}, true, new int[] {0}, new int[] {1});
    assertMatchesFloat64(new int[] {3, 2, 7, 9}, new int[] {4, 2, 3, 3}, true, new int[] {1}, new int[] {1});
    assertMatchesFloat64(new int[] {2, 1, 8, 8}, new int[] {6, 1, 5, 5}, true, new int[] {2}, new int[] {1});
    assertMatchesFloat64(new int[] {2, 3, 6, 10}, new int[] {2, 3, 3, 5}, false, new int[] {2, 1}, new int[] {1});
    assertMatchesFloat64(new int[] {2, 3, 5, 5}, new int[] {4, 3, 1, 1}, true, new int[] {0}, new int[] {1});
    assertMatchesFloat64(new int[] {1, 2, 4, 4}, new int[] {3, 2, 4, 4}, true, new int[] {0}, new int[] {1});
  }

  @Test
  void largerBatchesMatchFloat64WithOneAndTwoThreads() {
    int before = Threads.getNumThreads();
    try {
      for (int threads = 1; threads <= 2; threads++) {
        Threads.setNumThreads(threads);
        assertMatchesFloat64(new int[] {7, 3, 20, 20}, new int[] {4, 3, 5, 5}, true, new int[] {2}, new int[] {1});
      }
    } finally {
      Threads.setNumThreads(before);
    }
  }

  @Test
  void stridedConvolutionsStillMatchFloat64() {
    assertMatchesFloat64(new int[] {2, 2, 9, 8}, new int[] {3, 2, 3, 3}, true, new int[] {1}, new int[] {2, 1});
  }

  @Test
  void nonFiniteInputsOrWeightsGiveTheSameNansAndInfinitiesAsFloat64() {
    Tensor x = Torch.randn(gen, DType.FLOAT32, 2, 2, 6, 6);
    Tensor w = Torch.randn(gen, DType.FLOAT32, 3, 2, 3, 3);
    // Zeros in the output gradient meet the infinity in products that must stay out of the result.
    Tensor gradOut = Torch.randn(gen, DType.FLOAT32, 2, 3, 4, 4)
        .maskedFill(Torch.rand(gen, DType.FLOAT32, 2, 3, 4, 4).lt(0.5), 0);
    for (int which = 0; which < 2; which++) {
      Tensor xs = which == 0 ? x.clone().set(Double.POSITIVE_INFINITY, 1, 0, 2, 5) : x;
      Tensor ws = which == 1 ? w.clone().set(Double.NEGATIVE_INFINITY, 2, 1, 0, 2) : w;
      Tensor[] f32 = convAndGrads(xs, ws, null, gradOut, new int[] {0}, new int[] {1});
      Tensor[] f64 = convAndGrads(xs.to(DType.FLOAT64), ws.to(DType.FLOAT64), null, gradOut.to(DType.FLOAT64),
          new int[] {0}, new int[] {1});
      for (int i = 0; i < 3; i++) {
        double[] expected = f64[i].toDoubleArray();
        float[] actual = f32[i].toFloatArray();
        for (int j = 0; j < expected.length; j++) {
          if (Double.isFinite(expected[j])) {
            assertEquals(expected[j], actual[j], 1e-4 * (1 + Math.abs(expected[j])), "case " + which + " tensor " + i);
          } else {
            assertEquals(Double.isNaN(expected[j]), Float.isNaN(actual[j]), "case " + which + " tensor " + i + " at " + j);
            assertTrue(!Double.isInfinite(expected[j]) || expected[j] == actual[j], "case " + which + " at " + j);
          }
        }
      }
    }
  }
}
