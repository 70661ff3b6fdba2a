package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** sum/mean/var, max/min with indices, argmax and the softmax family, pinned to PyTorch. */
class ReductionTest {

  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;

  /** [[1, 2, 3], [4, 5, 6]] as float32. */
  private static Tensor x23() {
    return Torch.tensor(new float[][] {{1, 2, 3}, {4, 5, 6}});
  }

  private static void assertClose(double[] expected, Tensor actual, double tol) {
    double[] a = actual.toDoubleArray();
    assertEquals(expected.length, a.length, "element count");
    for (int i = 0; i < a.length; i++) {
      assertEquals(expected[i], a[i], tol, "element " + i);
    }
  }

  @Test
  void sumOverAllAndOverDims() {
    Tensor x = x23();
    Tensor all = x.sum();
    assertEquals(0, all.dim());
    assertEquals(DType.FLOAT32, all.dtype());
    assertEquals(21.0, all.item());
    assertArrayEquals(new float[] {5, 7, 9}, x.sum(0).toFloatArray());
    assertArrayEquals(new float[] {6, 15}, x.sum(1).toFloatArray());
    assertArrayEquals(new int[] {2}, x.sum(1).shape());
    Tensor kept = x.sum(-1, true);
    assertArrayEquals(new int[] {2, 1}, kept.shape());
    assertArrayEquals(new float[] {6, 15}, kept.toFloatArray());
    assertArrayEquals(new int[] {}, x.sum(new int[] {0, 1}, false).shape());
    assertArrayEquals(new int[] {1, 1}, x.sum(new int[] {1, -2}, true).shape());
    assertArrayEquals(new int[] {1, 3}, x.sum(new int[] {-2}, true).shape());
    assertArrayEquals(new float[] {5, 7, 9}, x.t().sum(1).toFloatArray(), "a transposed view sums the same");
  }

  @Test
  void sumOverNonAdjacentDims() {
    Tensor y = Torch.arange(24).to(DType.FLOAT32).view(2, 3, 4);
    Tensor s = y.sum(new int[] {0, 2}, true);
    assertArrayEquals(new int[] {1, 3, 1}, s.shape());
    assertArrayEquals(new float[] {60, 92, 124}, s.toFloatArray());
    assertArrayEquals(new float[] {60, 92, 124}, y.sum(new int[] {2, 0}, false).toFloatArray());
    assertArrayEquals(new float[] {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34}, y.sum(0).toFloatArray());
  }

  @Test
  void sumAroundTheKeptDimsOfAConvGradientMatchesADoubleReference() {
    // A narrowed view, contiguous from a storage offset; dims 0, 3 and 4 reduced around kept dims 1 and 2.
    Tensor y = Torch.randn(new Generator(3), DType.FLOAT32, 5, 4, 3, 7, 9).narrow(0, 1, 4);
    Tensor s = y.sum(new int[] {0, 3, 4}, false);
    assertArrayEquals(new int[] {4, 3}, s.shape());
    float[] v = y.contiguous().toFloatArray();
    double[] expected = new double[12];
    for (int i = 0; i < v.length; i++) {
      expected[(i / 63) % 12] += v[i];
    }
    assertClose(expected, s, 1e-5);
  }

  /** The kept-run fast path reads float32 storage; a contiguous bfloat16 input must widen instead. */
  @Test
  void sumOverADimOfABfloat16TensorAccumulatesInFloatAndRoundsOnce() {
    Tensor x = Torch.randn(new Generator(4), DType.FLOAT32, 3, 50).to(DType.BFLOAT16);
    Tensor s = x.sum(1);
    assertEquals(DType.BFLOAT16, s.dtype());
    assertArrayEquals(x.to(DType.FLOAT64).sum(1).to(DType.BFLOAT16).toFloatArray(), s.toFloatArray());
    assertEquals(DType.BFLOAT16, x.softmax(1).dtype());
  }

  @Test
  void integerAndBoolSumsStayInt64() {
    Tensor s = Torch.arange(5).sum();
    assertEquals(DType.INT64, s.dtype());
    assertEquals(10L, s.toLongArray()[0]);
    Tensor cols = Torch.arange(6).view(2, 3).sum(0);
    assertEquals(DType.INT64, cols.dtype());
    assertArrayEquals(new long[] {3, 5, 7}, cols.toLongArray());
    // 2^53 + 1 is not a double: an int64 sum must not go through floating point.
    assertEquals((1L << 53) + 1, Torch.fromArray(new long[] {1L << 53, 1}, 2).sum().toLongArray()[0]);
    Tensor count = Torch.fromArray(new boolean[] {true, false, true, true}, 4).sum();
    assertEquals(DType.INT64, count.dtype());
    assertEquals(3L, count.toLongArray()[0]);
    assertEquals(DType.FLOAT64, Torch.fromArray(new double[] {0.1, 0.2}, 2).sum().dtype());
    assertEquals(0.1 + 0.2, Torch.fromArray(new double[] {0.1, 0.2}, 2).sum().item());
    Tensor h = Torch.full(1, DType.BFLOAT16, 3).sum();
    assertEquals(DType.BFLOAT16, h.dtype());
    assertEquals(3.0, h.item());
  }

  @Test
  void meanOverAllAndDims() {
    Tensor x = x23();
    assertEquals(3.5, x.mean().item());
    assertArrayEquals(new float[] {2.5f, 3.5f, 4.5f}, x.mean(0).toFloatArray());
    Tensor m = x.mean(1, true);
    assertArrayEquals(new int[] {2, 1}, m.shape());
    assertArrayEquals(new float[] {2, 5}, m.toFloatArray());
    assertArrayEquals(new float[] {3.5f}, x.mean(new int[] {0, -1}, true).toFloatArray());
    assertEquals(DType.FLOAT64, Torch.fromArray(new double[] {1, 2}, 2).mean().dtype());
  }

  @Test
  void meanOfIntegersIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Torch.arange(4).mean());
    assertEquals("mean: could not infer output dtype. Input dtype must be either a floating point or complex "
        + "dtype. Got: torch.int64", e.getMessage());
    assertEquals("var: only supports floating-point dtypes, got torch.int64",
        assertThrows(IllegalArgumentException.class, () -> Torch.arange(4).var()).getMessage());
  }

  @Test
  void varIsUnbiasedByDefault() {
    Tensor x = x23();
    assertEquals(3.5, x.var().item());
    assertArrayEquals(new float[] {1, 1}, x.var(1, true, false).toFloatArray());
    Tensor biased = x.var(0, false, true);
    assertArrayEquals(new int[] {1, 3}, biased.shape());
    assertArrayEquals(new float[] {2.25f, 2.25f, 2.25f}, biased.toFloatArray());
    assertArrayEquals(new float[] {4.5f, 4.5f, 4.5f}, x.var(-2, true, false).toFloatArray());
    assertArrayEquals(new float[] {17.5f / 6}, x.var(new int[] {0, 1}, false, false).view(1).toFloatArray());
    assertTrue(Double.isNaN(Torch.tensor(3f).var().item()), "unbiased variance of one element is NaN");
    assertEquals(0.0, Torch.tensor(3f).var(0, false, false).item());
  }

  @Test
  void maxAndMinAlongADimReturnIndicesWithNaNWinning() {
    Tensor m = Torch.tensor(new float[][] {{3, 1, 3}, {2, NAN, 9}, {4, 4, 0}});
    Tensor.ValuesIndices mx = m.max(1);
    assertArrayEquals(new float[] {3, NAN, 4}, mx.values().toFloatArray());
    assertEquals(DType.INT64, mx.indices().dtype());
    assertArrayEquals(new long[] {0, 1, 0}, mx.indices().toLongArray(), "first index on ties, NaN's index");
    Tensor.ValuesIndices mn = m.min(1);
    assertArrayEquals(new float[] {1, NAN, 0}, mn.values().toFloatArray());
    assertArrayEquals(new long[] {1, 1, 2}, mn.indices().toLongArray());
    Tensor.ValuesIndices c = m.max(0);
    assertArrayEquals(new float[] {4, NAN, 9}, c.values().toFloatArray());
    assertArrayEquals(new long[] {2, 1, 1}, c.indices().toLongArray());
    Tensor.ValuesIndices k = m.max(-1, true);
    assertArrayEquals(new int[] {3, 1}, k.values().shape());
    assertArrayEquals(new int[] {3, 1}, k.indices().shape());
    assertArrayEquals(new long[] {0, 1, 0}, k.indices().toLongArray());
    assertArrayEquals(new int[] {1, 3}, m.min(0, true).indices().shape());

    Tensor v = Torch.tensor(1f, NAN, 5f, NAN);
    assertArrayEquals(new long[] {1}, v.max(0, true).indices().toLongArray(), "the first NaN wins");
    assertArrayEquals(new long[] {1}, v.min(0, true).indices().toLongArray());
    assertEquals(0L, Torch.tensor(NAN, 1f).max(0).indices().toLongArray()[0]);
  }

  @Test
  void int64MaxKeepsTheDtypeAndTiesTakeTheFirstIndex() {
    Tensor t = Torch.fromArray(new long[] {1, 7, 7, 2, 5, 5, 1, 9}, 4, 2);
    Tensor.ValuesIndices r = t.max(1);
    assertEquals(DType.INT64, r.values().dtype());
    assertArrayEquals(new long[] {7, 7, 5, 9}, r.values().toLongArray());
    assertArrayEquals(new long[] {1, 0, 0, 1}, r.indices().toLongArray());
    assertArrayEquals(new long[] {0, 1, 0, 0}, t.min(1).indices().toLongArray());
  }

  @Test
  void maxAndMinOfAllElements() {
    Tensor x = x23();
    assertEquals(0, x.max().dim());
    assertEquals(6.0, x.max().item());
    assertEquals(1.0, x.min().item());
    assertTrue(Double.isNaN(Torch.tensor(1f, NAN, 3f).max().item()));
    assertTrue(Double.isNaN(Torch.tensor(1f, NAN, 3f).min().item()));
    assertEquals(INF, Torch.tensor(1f, INF).max().item());
    assertEquals(DType.INT64, Torch.arange(4).max().dtype());
    assertEquals(3L, Torch.arange(4).max().toLongArray()[0]);
  }

  @Test
  void argmaxAndArgmin() {
    Tensor t = Torch.tensor(new float[][] {{1, 9}, {9, 2}});
    Tensor flat = t.argmax();
    assertEquals(0, flat.dim());
    assertEquals(DType.INT64, flat.dtype());
    assertEquals(1L, flat.toLongArray()[0], "first maximum of the flattened tensor");
    assertArrayEquals(new long[] {1, 0}, t.argmax(1).toLongArray());
    Tensor kept = t.argmax(0, true);
    assertArrayEquals(new int[] {1, 2}, kept.shape());
    assertArrayEquals(new long[] {1, 0}, kept.toLongArray());
    assertArrayEquals(new long[] {0, 1}, t.argmin(1, false).toLongArray());
    Tensor u = Torch.tensor(new float[][] {{1, 2}, {9, 3}});
    assertEquals(2L, u.argmax().toLongArray()[0]);
    assertEquals(1L, u.t().argmax().toLongArray()[0], "argmax of a transposed view flattens in its own order");
  }

  @Test
  void softmaxRowsSumToOneAndMatchHandValues() {
    Tensor s = Torch.tensor(1f, 2f, 3f).softmax(0);
    assertClose(new double[] {0.09003057317038046, 0.24472847105479764, 0.6652409557748219}, s, 2e-7);
    assertArrayEquals(new float[] {0.5f, 0.5f}, Torch.tensor(0f, 0f).softmax(0).toFloatArray());
    assertArrayEquals(new float[] {1, 0}, Torch.tensor(1000f, 0f).softmax(0).toFloatArray());
    assertArrayEquals(new float[] {1, 0}, Torch.tensor(0f, -INF).softmax(-1).toFloatArray());
    assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f},
        Torch.tensor(new float[][] {{0, 0}, {1000, 1000}}).softmax(1).toFloatArray());
    Tensor cols = Torch.tensor(new float[][] {{0, 5}, {0, 5}}).softmax(0);
    assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, cols.toFloatArray());

    Tensor r = Torch.randn(new Generator(11), DType.FLOAT32, 4, 5).mul(3);
    Tensor p = r.softmax(1);
    assertClose(new double[] {1, 1, 1, 1}, p.sum(1), 1e-6);
    for (float v : p.toFloatArray()) {
      assertTrue(v > 0 && v < 1, "softmax value " + v);
    }
    assertTrue(Double.isNaN(Torch.tensor(-INF, -INF).softmax(0).toDoubleArray()[0]),
        "softmax of an all -inf row is NaN");
    assertEquals("softmax: expected a floating point tensor, got torch.int64",
        assertThrows(IllegalArgumentException.class, () -> Torch.arange(3).softmax(0)).getMessage());
  }

  @Test
  void logSoftmaxIsLogOfSoftmaxAndStable() {
    assertArrayEquals(new float[] {-0.6931472f, -0.6931472f}, Torch.tensor(0f, 0f).logSoftmax(0).toFloatArray());
    Tensor r = Torch.randn(new Generator(12), DType.FLOAT32, 3, 6);
    double[] ls = r.logSoftmax(1).toDoubleArray();
    double[] l = r.softmax(1).log().toDoubleArray();
    for (int i = 0; i < ls.length; i++) {
      assertEquals(l[i], ls[i], 1e-5, "element " + i);
    }
    // Where log(softmax) underflows to -inf, logSoftmax stays finite.
    assertArrayEquals(new float[] {0, -1000}, Torch.tensor(1000f, 0f).logSoftmax(0).toFloatArray());
  }

  @Test
  void logSumExpIsStableForLargeInputs() {
    Tensor big = Torch.tensor(1000f, 1000f).logSumExp(0, false);
    assertEquals(0, big.dim());
    assertEquals((float) (1000 + Math.log(2)), big.toFloatArray()[0]);
    assertEquals(Double.NEGATIVE_INFINITY, Torch.tensor(-INF, -INF).logSumExp(0, false).item());
    assertEquals(Double.POSITIVE_INFINITY, Torch.tensor(INF, 1f).logSumExp(0, false).item());
    Tensor x = x23();
    assertClose(new double[] {3.4076059644443806, 6.407605964444381}, x.logSumExp(1, false), 1e-6);
    assertArrayEquals(new int[] {2, 1}, x.logSumExp(-1, true).shape());
    Tensor all = x.logSumExp(new int[] {0, 1}, false);
    assertEquals(0, all.dim());
    assertEquals(6.456193316018123, all.item(), 1e-6);
  }

  @Test
  void reductionsOverEmptyDims() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Torch.zeros(0, 3).max(0));
    assertEquals("max(): Expected reduction dim 0 to have non-zero size (shape [0, 3])", e.getMessage());
    assertEquals("min(): Expected reduction dim 0 to have non-zero size (shape [0, 3])",
        assertThrows(IllegalArgumentException.class, () -> Torch.zeros(0, 3).min(0)).getMessage());
    assertEquals("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
        + "dim with the 'dim' argument.",
        assertThrows(IllegalArgumentException.class, () -> Torch.zeros(0).max()).getMessage());
    assertArrayEquals(new int[] {0}, Torch.zeros(0, 3).max(1).values().shape());
    assertEquals(0.0, Torch.zeros(0).sum().item());
    assertArrayEquals(new float[] {0, 0, 0}, Torch.zeros(0, 3).sum(0).toFloatArray());
    assertTrue(Double.isNaN(Torch.zeros(0).mean().item()), "mean of nothing is NaN");
  }

  @Test
  void dimArgumentErrors() {
    Tensor x = x23();
    assertEquals("sum: dim 0 appears multiple times in the list of dims [0, -2]",
        assertThrows(IllegalArgumentException.class, () -> x.sum(new int[] {0, -2}, false)).getMessage());
    assertEquals("sum: dimension out of range (expected to be in range of [-2, 1], but got 2)",
        assertThrows(IndexOutOfBoundsException.class, () -> x.sum(2)).getMessage());
    assertEquals("max: dimension out of range (expected to be in range of [-2, 1], but got -3)",
        assertThrows(IndexOutOfBoundsException.class, () -> x.max(-3)).getMessage());
  }

  @Test
  void zeroDimTensorsReduceToThemselves() {
    Tensor s = Torch.scalar(5);
    assertEquals(5.0, s.sum().item());
    assertEquals(5.0, s.sum(0).item());
    assertEquals(5.0, s.max(0).values().item());
    assertEquals(0L, s.max(0).indices().toLongArray()[0]);
    assertEquals(1.0, s.softmax(0).item());
  }
}
