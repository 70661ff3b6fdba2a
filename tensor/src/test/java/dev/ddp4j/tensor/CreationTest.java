package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Factories pinned to PyTorch's values, dtypes and errors. */
class CreationTest {

  @Test
  void zerosOnesAndFullHaveTheRequestedShapeDtypeAndValue() {
    Tensor z = Torch.zeros(2, 3);
    assertEquals(DType.FLOAT32, z.dtype());
    assertArrayEquals(new int[] {2, 3}, z.shape());
    assertArrayEquals(new int[] {3, 1}, z.stride());
    assertArrayEquals(new float[6], z.toFloatArray());

    Tensor o = Torch.ones(DType.INT64, 3);
    assertEquals(DType.INT64, o.dtype());
    assertArrayEquals(new long[] {1, 1, 1}, o.toLongArray());

    Tensor f = Torch.full(2.5, 2, 2);
    assertEquals(DType.FLOAT32, f.dtype());
    assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f, 2.5f}, f.toFloatArray());

    Tensor f64 = Torch.full(0.1, DType.FLOAT64, 2);
    assertArrayEquals(new double[] {0.1, 0.1}, f64.toDoubleArray());

    Tensor s = Torch.scalar(7);
    assertEquals(0, s.dim());
    assertEquals(1, s.numel());
    assertEquals(7.0, s.item());
  }

  @Test
  void eyeIsTheIdentityAndMayBeRectangular() {
    assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Torch.eye(3).toFloatArray());
    Tensor r = Torch.eye(2, 3, DType.INT64);
    assertArrayEquals(new int[] {2, 3}, r.shape());
    assertArrayEquals(new long[] {1, 0, 0, 0, 1, 0}, r.toLongArray());
    assertArrayEquals(new long[] {1, 0, 0, 1, 0, 0}, Torch.eye(3, 2, DType.INT64).toLongArray());
  }

  @Test
  void integerArangeIsInt64AndExcludesTheEnd() {
    Tensor a = Torch.arange(5);
    assertEquals(DType.INT64, a.dtype());
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, a.toLongArray());
    assertArrayEquals(new long[] {2, 5, 8}, Torch.arange(2, 11, 3).toLongArray());
    assertArrayEquals(new long[] {2, 5, 8, 11}, Torch.arange(2, 12, 3).toLongArray());
    assertArrayEquals(new long[] {-3, -2, -1}, Torch.arange(-3, 0, 1).toLongArray());
  }

  @Test
  void arangeWithNegativeStepCountsDown() {
    assertArrayEquals(new long[] {5, 3, 1}, Torch.arange(5, 0, -2).toLongArray());
    assertArrayEquals(new long[] {5, 4, 3, 2, 1}, Torch.arange(5, 0, -1).toLongArray());
    assertArrayEquals(new float[] {1f, 0.75f, 0.5f, 0.25f}, Torch.arange(1.0, 0.0, -0.25).toFloatArray());
  }

  @Test
  void arangeOfAnEmptyRangeIsEmpty() {
    assertArrayEquals(new int[] {0}, Torch.arange(0).shape());
    assertArrayEquals(new int[] {0}, Torch.arange(3, 3, 1).shape());
    assertArrayEquals(new int[] {0}, Torch.arange(3, 3, -1).shape());
    Tensor f = Torch.arange(1.5, 1.5, 0.5);
    assertEquals(DType.FLOAT32, f.dtype());
    assertArrayEquals(new int[] {0}, f.shape());
  }

  @Test
  void arangeWhoseBoundsDisagreeWithTheStepSignIsRefused() {
    // torch.arange(5, 0) raises rather than returning an empty tensor.
    String msg = "arange: upper bound and larger bound inconsistent with step sign";
    assertEquals(msg, assertThrows(IllegalArgumentException.class, () -> Torch.arange(5, 0, 1)).getMessage());
    assertEquals(msg, assertThrows(IllegalArgumentException.class, () -> Torch.arange(-1)).getMessage());
    assertEquals(msg, assertThrows(IllegalArgumentException.class, () -> Torch.arange(0, 5, -1)).getMessage());
    assertEquals(msg,
        assertThrows(IllegalArgumentException.class, () -> Torch.arange(1.0, 0.0, 0.5)).getMessage());
    assertEquals("arange: step must be nonzero",
        assertThrows(IllegalArgumentException.class, () -> Torch.arange(0, 5, 0)).getMessage());
    assertEquals("arange: step must be nonzero",
        assertThrows(IllegalArgumentException.class, () -> Torch.arange(0.0, 5.0, 0.0)).getMessage());
  }

  @Test
  void floatArangeIsFloat32WithPyTorchsLengthRule() {
    Tensor a = Torch.arange(0, 1, 0.25);
    assertEquals(DType.FLOAT32, a.dtype());
    assertArrayEquals(new float[] {0f, 0.25f, 0.5f, 0.75f}, a.toFloatArray());
    // ceil((1.3 - 1.0) / 0.1) = ceil(3.0000000000000004) = 4: torch.arange(1, 1.3, 0.1) has 4 elements.
    assertArrayEquals(new float[] {1.0f, 1.1f, 1.2f, 1.3f}, Torch.arange(1.0, 1.3, 0.1).toFloatArray());
    // 1 / 0.1 rounds to exactly 10.0 in double: 10 elements.
    assertEquals(10, Torch.arange(0.0, 1.0, 0.1).numel());
    assertEquals(0.9f, Torch.arange(0.0, 1.0, 0.1).get(9));
  }

  @Test
  void linspaceIncludesBothEnds() {
    assertArrayEquals(new float[] {0f, 0.25f, 0.5f, 0.75f, 1f}, Torch.linspace(0, 1, 5).toFloatArray());
    assertArrayEquals(new float[] {-1f, -0.5f, 0f, 0.5f, 1f}, Torch.linspace(-1, 1, 5).toFloatArray());
    assertArrayEquals(new float[] {3f}, Torch.linspace(3, 7, 1).toFloatArray());
    assertArrayEquals(new float[] {10f, 5f, 0f}, Torch.linspace(10, 0, 3).toFloatArray());
    assertArrayEquals(new int[] {0}, Torch.linspace(0, 1, 0).shape());
  }

  @Test
  void linspaceRoundsAsPyTorchsFloat32KernelDoes() {
    // PyTorch computes step = 1f/6 in float32, the first half as start + step*i and the second half
    // as end - step*(steps-1-i): element 4 is 1f - 2*step = 0.6666666f, not the nearest float to 2/3.
    assertArrayEquals(new float[] {0f, 0.16666667f, 0.33333334f, 0.5f, 0.6666666f, 0.8333333f, 1f},
        Torch.linspace(0, 1, 7).toFloatArray());
  }

  @Test
  void wrapSharesTheArrayFromItsOffsetAndRefusesWhatDoesNotFit() {
    float[] a = {9, 1, 2, 3, 4, 5, 6, 9};
    Tensor t = Torch.wrap(a, 1, 2, 3);
    assertArrayEquals(new int[] {2, 3}, t.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.toFloatArray());
    t.add_(Torch.ones(DType.FLOAT32, 2, 3));  // writes through to the array, inside the slice only
    assertArrayEquals(new float[] {9, 2, 3, 4, 5, 6, 7, 9}, a);
    a[3] = 40;
    assertEquals(40f, t.toFloatArray()[2]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Torch.wrap(a, 3, 2, 3));
    assertTrue(e.getMessage().contains("6 elements from offset 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Torch.wrap(a, -1, 2));
  }

  @Test
  void fromArrayRoundTripsThroughEveryConversion() {
    float[] f = {1.5f, -2.25f, 0.1f, 7f, -0f, 3e-8f};
    Tensor t = Torch.fromArray(f, 2, 3);
    assertEquals(DType.FLOAT32, t.dtype());
    assertArrayEquals(new int[] {2, 3}, t.shape());
    assertArrayEquals(f, t.toFloatArray());
    assertArrayEquals(new double[] {1.5, -2.25, (double) 0.1f, 7, -0.0, (double) 3e-8f}, t.toDoubleArray());
    // toLongArray truncates toward zero, as Tensor.long() does.
    assertArrayEquals(new long[] {1, -2, 0, 7, 0, 0}, t.toLongArray());

    double[] d = {0.1, 1e300, -1e-300};
    assertArrayEquals(d, Torch.fromArray(d, 3).toDoubleArray());
    assertEquals(DType.FLOAT64, Torch.fromArray(d, 3).dtype());

    long[] l = {Long.MAX_VALUE, Long.MIN_VALUE, -1, 0};
    Tensor lt = Torch.fromArray(l, 2, 2);
    assertEquals(DType.INT64, lt.dtype());
    assertArrayEquals(l, lt.toLongArray());

    Tensor b = Torch.fromArray(new boolean[] {true, false, true}, 3);
    assertEquals(DType.BOOL, b.dtype());
    assertArrayEquals(new long[] {1, 0, 1}, b.toLongArray());
  }

  @Test
  void fromArrayCopiesItsInput() {
    float[] f = {1, 2, 3};
    Tensor t = Torch.fromArray(f, 3);
    f[0] = 99;
    assertEquals(1.0, t.get(0));
    float[] out = t.toFloatArray();
    out[1] = 99;
    assertEquals(2.0, t.get(1));
  }

  @Test
  void fromArrayWithMinusOneShapeIsOneDimensional() {
    assertArrayEquals(new int[] {4}, Torch.fromArray(new long[] {1, 2, 3, 4}, -1).shape());
  }

  @Test
  void fromArrayShapeMismatchNamesShapeAndLength() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Torch.fromArray(new float[5], 2, 3));
    assertEquals("fromArray: shape [2, 3] needs 6 elements but the array has 5", e.getMessage());
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
        () -> Torch.fromArray(new float[6], -2, -3));
    assertEquals("fromArray: negative dimension in shape [-2, -3]", neg.getMessage());
  }

  @Test
  void raggedRowsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Torch.tensor(new float[][] {{1, 2}, {3}}));
    assertEquals("tensor: expected sequence of length 2 at dim 1 (got 1 in row 1)", e.getMessage());
  }

  @Test
  void randAndRandnAreReproducibleWithTheSameSeed() {
    Torch.manualSeed(1234);
    float[] r1 = Torch.rand(50).toFloatArray();
    float[] n1 = Torch.randn(50).toFloatArray();
    Torch.manualSeed(1234);
    float[] r2 = Torch.rand(50).toFloatArray();
    float[] n2 = Torch.randn(50).toFloatArray();
    assertArrayEquals(r1, r2);
    assertArrayEquals(n1, n2);

    Torch.manualSeed(1235);
    assertFalse(Arrays.equals(r1, Torch.rand(50).toFloatArray()));
    assertFalse(Arrays.equals(n1, Torch.randn(50).toFloatArray()));

    Generator g1 = new Generator(7);
    Generator g2 = new Generator(7);
    assertArrayEquals(Torch.randn(g1, DType.FLOAT64, 20).toDoubleArray(),
        Torch.randn(g2, DType.FLOAT64, 20).toDoubleArray());
    assertNotEquals(Torch.rand(new Generator(7), DType.FLOAT32, 1).item(),
        Torch.rand(new Generator(8), DType.FLOAT32, 1).item());
  }

  @Test
  void randIsInTheHalfOpenUnitInterval() {
    float[] r = Torch.rand(new Generator(3), DType.FLOAT32, 10_000).toFloatArray();
    double sum = 0;
    for (float v : r) {
      assertTrue(v >= 0f && v < 1f, "rand value " + v);
      sum += v;
    }
    assertEquals(0.5, sum / r.length, 0.02);
  }

  @Test
  void randnHasZeroMeanAndUnitVariance() {
    Tensor x = Torch.randn(new Generator(42), DType.FLOAT32, 100_000);
    assertEquals(DType.FLOAT32, x.dtype());
    assertEquals(0.0, x.mean().item(), 0.02);
    assertEquals(1.0, x.var().item(), 0.03);
  }

  @Test
  void randomFactoriesRefuseNonFloatDtypes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Torch.randn(new Generator(1), DType.INT64, 2));
    assertEquals("randn: expected a floating point dtype, got torch.int64", e.getMessage());
  }

  @Test
  void randintStaysInRangeAndHitsEveryValue() {
    Torch.manualSeed(5);
    Tensor r = Torch.randint(-3, 4, 2000);
    assertEquals(DType.INT64, r.dtype());
    boolean[] seen = new boolean[7];
    for (long v : r.toLongArray()) {
      assertTrue(v >= -3 && v < 4, "randint value " + v);
      seen[(int) (v + 3)] = true;
    }
    for (int i = 0; i < seen.length; i++) {
      assertTrue(seen[i], "value " + (i - 3) + " never drawn");
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Torch.randint(5, 5, 1));
    assertEquals("randint: random_ expects 'from' to be less than 'to', but got from=5 >= to=5", e.getMessage());
  }

  @Test
  void randpermIsAPermutation() {
    Tensor p = Torch.randperm(100, new Generator(9));
    assertEquals(DType.INT64, p.dtype());
    assertArrayEquals(new int[] {100}, p.shape());
    long[] v = p.toLongArray();
    long[] sorted = v.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 100; i++) {
      assertEquals(i, sorted[i]);
    }
    assertFalse(Arrays.equals(v, sorted), "a shuffle of 100 left everything in place");
    assertArrayEquals(v, Torch.randperm(100, new Generator(9)).toLongArray());
    assertArrayEquals(new int[] {0}, Torch.randperm(0, new Generator(9)).shape());
  }
}
