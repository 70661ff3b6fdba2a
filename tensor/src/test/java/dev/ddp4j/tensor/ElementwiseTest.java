package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Broadcasting, type promotion, 16-bit storage, unary/binary values and in-place ops, as in PyTorch. */
class ElementwiseTest {

  private static final float NAN = Float.NaN;
  private static final float INF = Float.POSITIVE_INFINITY;

  private static Tensor f32(float... v) {
    return Torch.tensor(v);
  }

  private static Tensor i64(long... v) {
    return Torch.fromArray(v, v.length);
  }

  private static Tensor bools(boolean... v) {
    return Torch.fromArray(v, v.length);
  }

  /** Elementwise within {@code tol} (relative to max(1, |expected|)); NaN matches NaN, infinities exactly. */
  private static void assertClose(float[] expected, Tensor actual, double tol) {
    float[] a = actual.toFloatArray();
    assertEquals(expected.length, a.length, "element count");
    for (int i = 0; i < a.length; i++) {
      if (Float.isNaN(expected[i]) || Float.isInfinite(expected[i])) {
        assertEquals(expected[i], a[i], "element " + i);
      } else {
        assertEquals(expected[i], a[i], tol * Math.max(1, Math.abs(expected[i])), "element " + i);
      }
    }
  }

  // ------------------------------------------------------------------ broadcasting

  @Test
  void columnPlusRowBroadcastsToAMatrix() {
    Tensor col = Torch.tensor(0f, 10f, 20f).view(3, 1);
    Tensor row = f32(1, 2, 3, 4);
    Tensor s = col.add(row);
    assertArrayEquals(new int[] {3, 4}, s.shape());
    assertArrayEquals(new float[] {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24}, s.toFloatArray());
    assertArrayEquals(s.toFloatArray(), row.add(col).toFloatArray());
    assertArrayEquals(new int[] {2, 3, 4}, Torch.zeros(2, 1, 4).mul(Torch.zeros(3, 1)).shape());
    assertArrayEquals(new float[] {-1, -2, -3, -4, 9, 8, 7, 6, 19, 18, 17, 16}, col.sub(row).toFloatArray());
  }

  @Test
  void incompatibleShapesNameBothShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Torch.zeros(2, 3).add(Torch.zeros(4)));
    assertEquals("add: shapes [2, 3] and [4] cannot be broadcast (size 3 vs 4 at dimension 1)", e.getMessage());
    IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
        () -> Torch.zeros(2, 3).mul(Torch.zeros(3, 3)));
    assertEquals("mul: shapes [2, 3] and [3, 3] cannot be broadcast (size 2 vs 3 at dimension 0)", m.getMessage());
  }

  // ------------------------------------------------------------------ type promotion

  @Test
  void tensorTensorPromotionFollowsPyTorch() {
    assertEquals(DType.FLOAT64, f32(1).add(Torch.fromArray(new double[] {1}, 1)).dtype());
    assertEquals(DType.FLOAT32, i64(1).add(f32(1)).dtype());
    assertEquals(DType.INT64, i64(1).add(i64(2)).dtype());
    assertEquals(DType.INT64, i64(1).add(bools(true)).dtype());
    assertEquals(DType.FLOAT32, f32(1).to(DType.BFLOAT16).add(f32(1).to(DType.FLOAT16)).dtype());
    assertEquals(DType.FLOAT32, f32(1).to(DType.BFLOAT16).add(f32(1)).dtype());
    assertEquals(DType.BFLOAT16, f32(1).to(DType.BFLOAT16).add(i64(1)).dtype());
    assertEquals(DType.FLOAT64, f32(1).to(DType.FLOAT16).mul(f32(1).to(DType.FLOAT64)).dtype());
  }

  @Test
  void integerTrueDivisionGivesFloat32() {
    Tensor q = i64(7, -7, 1).div(i64(2, 2, 3));
    assertEquals(DType.FLOAT32, q.dtype());
    assertArrayEquals(new float[] {3.5f, -3.5f, 1f / 3}, q.toFloatArray());
    assertEquals(DType.FLOAT32, i64(4).div(2).dtype());
    assertArrayEquals(new float[] {2f}, i64(4).div(2).toFloatArray());
  }

  @Test
  void javaScalarsDoNotPromoteTensorsOfTheirCategory() {
    Tensor f = f32(1, 2).mul(2.5);
    assertEquals(DType.FLOAT32, f.dtype());
    assertArrayEquals(new float[] {2.5f, 5f}, f.toFloatArray());

    Tensor i = i64(1, 2).add(2.5);
    assertEquals(DType.FLOAT32, i.dtype());
    assertArrayEquals(new float[] {3.5f, 4.5f}, i.toFloatArray());

    Tensor j = i64(1, 2).mul(3);
    assertEquals(DType.INT64, j.dtype());
    assertArrayEquals(new long[] {3, 6}, j.toLongArray());

    assertEquals(DType.FLOAT64, Torch.fromArray(new double[] {1}, 1).mul(2.5).dtype());
    assertEquals(DType.BFLOAT16, f32(1).to(DType.BFLOAT16).mul(2.5).dtype());
    assertEquals(DType.INT64, bools(true, false).add(2).dtype());
    assertArrayEquals(new long[] {3, 2}, bools(true, false).add(2).toLongArray());
  }

  @Test
  void zeroDimTensorsPromoteOnlyAcrossCategories() {
    Tensor f64Scalar = Torch.scalar(0.5, DType.FLOAT64);
    // Same category: the dimensioned operand's dtype wins (float32 + float64 0-dim -> float32).
    assertEquals(DType.FLOAT32, f32(1, 2).add(f64Scalar).dtype());
    assertEquals(DType.INT64, i64(1, 2).add(Torch.scalar(3, DType.INT64)).dtype());
    // Higher category: the 0-dim tensor's own dtype decides (int64 + float64 0-dim -> float64).
    Tensor r = i64(1, 2).add(f64Scalar);
    assertEquals(DType.FLOAT64, r.dtype());
    assertArrayEquals(new double[] {1.5, 2.5}, r.toDoubleArray());
    assertEquals(DType.FLOAT64, f64Scalar.mul(bools(true)).dtype());
    assertEquals(DType.BFLOAT16, i64(1).add(Torch.scalar(1, DType.BFLOAT16)).dtype());
    // Two 0-dim tensors promote normally.
    assertEquals(DType.FLOAT64, Torch.scalar(1, DType.INT64).add(f64Scalar).dtype());
    assertEquals(DType.FLOAT64, Torch.scalar(1, DType.FLOAT32).add(f64Scalar).dtype());
  }

  // ------------------------------------------------------------------ 16-bit storage

  @Test
  void halfPrecisionStorageRoundsToTheFormat() {
    assertEquals(0.333984375, Torch.full(1.0 / 3, DType.BFLOAT16, 1).get(0));
    assertEquals(0.333251953125, Torch.full(1.0 / 3, DType.FLOAT16, 1).get(0));
    assertEquals(0.333984375, f32(1f / 3).to(DType.BFLOAT16).item());
    assertEquals(0.333251953125, f32(1f / 3).to(DType.FLOAT16).item());
    assertEquals(0.333984375f, f32(1f / 3).to(DType.BFLOAT16).to(DType.FLOAT32).toFloatArray()[0]);
    assertEquals(Half.bf16ToFloat((short) 0x3EAB), 0.333984375f);
  }

  @Test
  void halfPrecisionArithmeticComputesInFloat32AndKeepsTheDtype() {
    Tensor b = Torch.full(1.0 / 3, DType.BFLOAT16, 1);
    Tensor bb = b.mul(b);
    assertEquals(DType.BFLOAT16, bb.dtype());
    // 0.333984375^2 = 0.111545562744140625 exactly in float32, rounded to bfloat16.
    assertEquals(0.111328125, bb.item());
    Tensor h = Torch.full(1.0 / 3, DType.FLOAT16, 1);
    Tensor hh = h.mul(h);
    assertEquals(DType.FLOAT16, hh.dtype());
    // 0.333251953125^2 = 0.111056983470916748046875 in float32, rounded to float16.
    assertEquals(0.111083984375, hh.item());
    Tensor sum = Torch.full(256, DType.BFLOAT16, 1).add(Torch.full(1, DType.BFLOAT16, 1));
    assertEquals(256.0, sum.item(), "256 + 1 rounds back to 256 in bfloat16 (8 significant bits)");
    Tensor e = Torch.full(1, DType.FLOAT16, 1).exp();
    assertEquals(DType.FLOAT16, e.dtype());
    assertEquals(2.71875, e.item());
    assertEquals(DType.BFLOAT16, Torch.full(1, DType.BFLOAT16, 1).div(3).dtype());
    assertEquals(0.333984375, Torch.full(1, DType.BFLOAT16, 1).div(3).item());
  }

  @Test
  void fp16ConversionEdgeCases() {
    assertEquals((short) 0x7C00, Half.floatToFp16(INF));
    assertEquals((short) 0xFC00, Half.floatToFp16(-INF));
    assertEquals((short) 0x7E00, Half.floatToFp16(NAN));
    assertTrue(Float.isNaN(Half.fp16ToFloat((short) 0x7E00)));
    assertTrue(Float.isNaN(Half.fp16ToFloat((short) 0x7C01)));
    assertEquals(INF, Half.fp16ToFloat((short) 0x7C00));
    assertEquals((short) 0x8000, Half.floatToFp16(-0f));
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Half.fp16ToFloat((short) 0x8000)));
    // Largest finite value, and overflow: 65520 is the tie between 65504 and 65536 and rounds to even (inf).
    assertEquals((short) 0x7BFF, Half.floatToFp16(65504f));
    assertEquals(65504f, Half.fp16ToFloat((short) 0x7BFF));
    assertEquals((short) 0x7BFF, Half.floatToFp16(65519f));
    assertEquals((short) 0x7C00, Half.floatToFp16(65520f));
    assertEquals((short) 0x7C00, Half.floatToFp16(1e6f));
    // Subnormals: 2^-24 is the smallest; 2^-25 ties to 0 (even); 1.5*2^-24 ties to 2*2^-24 (even).
    assertEquals((short) 0x0001, Half.floatToFp16(0x1p-24f));
    assertEquals(0x1p-24f, Half.fp16ToFloat((short) 0x0001));
    assertEquals((short) 0x0000, Half.floatToFp16(0x1p-25f));
    assertEquals((short) 0x0001, Half.floatToFp16(0x1.8p-25f));
    assertEquals((short) 0x0002, Half.floatToFp16(0x1.8p-24f));
    assertEquals((short) 0x0002, Half.floatToFp16(0x1.4p-23f));
    assertEquals((short) 0x0000, Half.floatToFp16(0x1p-26f));
    assertEquals((short) 0x03FF, Half.floatToFp16(1023 * 0x1p-24f));
    assertEquals(1023 * 0x1p-24f, Half.fp16ToFloat((short) 0x03FF));
    assertEquals((short) 0x0400, Half.floatToFp16(1023.5f * 0x1p-24f));
    assertEquals((short) 0x0400, Half.floatToFp16(0x1p-14f));
    // Normal range, round half to even: 1 + 2^-11 -> 1, 1 + 3*2^-11 -> 1 + 2^-9.
    assertEquals((short) 0x3C00, Half.floatToFp16(1f + 0x1p-11f));
    assertEquals((short) 0x3C02, Half.floatToFp16(1f + 3 * 0x1p-11f));
    assertEquals((short) 0x3C01, Half.floatToFp16(1f + 0x1.1p-11f));
    assertEquals((short) 0xC000, Half.floatToFp16(-2f));
    assertEquals((short) 0x3555, Half.floatToFp16(1f / 3));
  }

  @Test
  void bf16ConversionEdgeCases() {
    assertEquals((short) 0x7F80, Half.floatToBf16(INF));
    assertEquals((short) 0xFF80, Half.floatToBf16(-INF));
    assertTrue(Float.isNaN(Half.bf16ToFloat(Half.floatToBf16(NAN))));
    assertTrue(Float.isNaN(Half.bf16ToFloat(Half.floatToBf16(Float.intBitsToFloat(0x7F800001)))),
        "a NaN whose payload is only in the low bits must not round to infinity");
    assertEquals((short) 0x7F80, Half.floatToBf16(Float.MAX_VALUE), "overflow rounds to infinity");
    assertEquals((short) 0x3F80, Half.floatToBf16(1f + 0x1p-8f));
    assertEquals((short) 0x3F82, Half.floatToBf16(1f + 3 * 0x1p-8f));
    assertEquals((short) 0x3F81, Half.floatToBf16(1f + 0x1.1p-8f));
    assertEquals((short) 0x0001, Half.floatToBf16(Float.intBitsToFloat(0x00010000)));
    assertEquals((short) 0x8000, Half.floatToBf16(-0f));
    assertEquals(Float.MIN_NORMAL, Half.bf16ToFloat((short) 0x0080));
  }

  // ------------------------------------------------------------------ unary ops

  @Test
  void reluZeroesNegativesAndKeepsNaN() {
    assertClose(new float[] {0, 0, 2, NAN, INF}, f32(-1, 0, 2, NAN, INF).relu(), 0);
    Tensor r = i64(-3, 4).relu();
    assertEquals(DType.INT64, r.dtype());
    assertArrayEquals(new long[] {0, 4}, r.toLongArray());
  }

  @Test
  void reluGradientIsZeroExactlyWhereTheOutputIsAtMostZeroAsTorchThresholdBackward() {
    float[] xs = {-1, 0, -0f, 2, NAN, INF, -INF, 3};
    float[] gs = {5, 5, 5, NAN, 7, -INF, 5, -0f};
    float[] expected = {0, 0, 0, NAN, 7, -INF, 0, -0f};
    // Contiguous gradient (the one-pass kernel) and a transposed one (the tensor-op path) agree bit for bit.
    Tensor[] grads = {Torch.tensor(gs).view(2, 4), Torch.tensor(gs).view(2, 4).t().contiguous().t()};
    for (Tensor g : grads) {
      Tensor x = Torch.tensor(xs).view(2, 4).requiresGrad_();
      x.relu().backward(g);
      float[] actual = x.grad().toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]), "element " + i);
      }
    }
  }

  @Test
  void sigmoidValuesAndSaturation() {
    assertClose(new float[] {0.5f, 0.7310586f, 0.26894143f, 0.8807971f}, f32(0, 1, -1, 2).sigmoid(), 1e-7);
    // Large finite inputs saturate to exactly 1 and 0 without overflowing to NaN.
    float[] big = f32(1000, -1000, 88, -200).sigmoid().toFloatArray();
    assertEquals(1f, big[0]);
    assertEquals(0f, big[1]);
    assertEquals(1f, big[2]);
    assertTrue(big[3] >= 0f && big[3] < 1e-30f, "sigmoid(-200) = " + big[3]);
    assertClose(new float[] {NAN, 1, 0}, f32(NAN, INF, -INF).sigmoid(), 0);
    assertEquals(DType.FLOAT32, i64(0).sigmoid().dtype());
  }

  @Test
  void tanhExpLogSqrtValues() {
    assertClose(new float[] {0, 0.7615942f, -1, 1}, f32(0, 1, -20, INF).tanh(), 1e-7);
    assertClose(new float[] {1, 2.7182817f, 0, INF, 0.36787945f}, f32(0, 1, -INF, 100, -1).exp(), 1e-7);
    assertClose(new float[] {0, 1, Float.NEGATIVE_INFINITY, NAN, INF}, f32(1, 2.7182817f, 0, -1, INF).log(), 1e-7);
    assertClose(new float[] {2, 1.4142135f, 0, NAN, 3}, f32(4, 2, 0, -1, 9).sqrt(), 0);
    Tensor li = i64(1, 4).sqrt();
    assertEquals(DType.FLOAT32, li.dtype(), "sqrt of an integer tensor is float32");
    assertArrayEquals(new float[] {1, 2}, li.toFloatArray());
    Tensor ld = Torch.fromArray(new double[] {2}, 1).sqrt();
    assertEquals(DType.FLOAT64, ld.dtype());
    assertEquals(Math.sqrt(2), ld.item());
  }

  @Test
  void absNegSignValues() {
    assertClose(new float[] {2.5f, 0, 3, INF, NAN}, f32(-2.5f, 0, 3, Float.NEGATIVE_INFINITY, NAN).abs(), 0);
    assertClose(new float[] {2.5f, -0f, -3}, f32(-2.5f, 0, 3).neg(), 0);
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(f32(0).neg().toFloatArray()[0]));
    assertClose(new float[] {-1, 0, 1, -1, 1}, f32(-3, 0, 2, Float.NEGATIVE_INFINITY, 1e-30f).sign(), 0);
    Tensor li = i64(-5, 0, 7);
    assertEquals(DType.INT64, li.abs().dtype());
    assertArrayEquals(new long[] {5, 0, 7}, li.abs().toLongArray());
    assertArrayEquals(new long[] {5, 0, -7}, li.neg().toLongArray());
    assertArrayEquals(new long[] {-1, 0, 1}, li.sign().toLongArray());
    assertArrayEquals(new float[] {-2, -1}, f32(1, 2).rsub(3).neg().toFloatArray());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bools(true).neg());
    assertEquals("neg: negation, the `-` operator, on a bool tensor is not supported", e.getMessage());
  }

  @Test
  void powWithScalarAndTensorExponents() {
    assertArrayEquals(new float[] {1, 4, 9, 0}, f32(1, 2, 3, 0).pow(2).toFloatArray());
    assertArrayEquals(new float[] {-8, 27}, f32(-2, 3).pow(3).toFloatArray());
    assertArrayEquals(new float[] {2, 3}, f32(4, 9).pow(0.5).toFloatArray());
    assertArrayEquals(new float[] {0.5f, 0.25f}, f32(2, 4).pow(-1).toFloatArray());
    assertArrayEquals(new float[] {1, 1}, f32(0, 5).pow(0).toFloatArray());
    assertClose(new float[] {NAN}, f32(-8).pow(1.0 / 3), 0);
    Tensor p = f32(2, 3).pow(Torch.tensor(1f, 2f).view(2, 1));
    assertArrayEquals(new int[] {2, 2}, p.shape());
    assertArrayEquals(new float[] {2, 3, 4, 9}, p.toFloatArray());
    Tensor ip = i64(1, 2, 3).pow(2);
    assertEquals(DType.INT64, ip.dtype());
    assertArrayEquals(new long[] {1, 4, 9}, ip.toLongArray());
    assertEquals(DType.FLOAT32, i64(4).pow(0.5).dtype());
  }

  @Test
  void clampWithMissingBoundsAndNaN() {
    Tensor x = f32(-2, 0.5f, 3, NAN);
    assertClose(new float[] {0, 0.5f, 1, NAN}, x.clamp(0, 1), 0);
    assertClose(new float[] {-2, 0.5f, 1, NAN}, x.clamp(Double.NaN, 1), 0);
    assertClose(new float[] {0, 0.5f, 3, NAN}, x.clamp(0, Double.NaN), 0);
    assertClose(new float[] {0, 0.5f, 3, NAN}, x.clampMin(0), 0);
    assertClose(new float[] {-2, 0.5f, 1, NAN}, x.clampMax(1), 0);
    // min > max: every element becomes max, as torch.clamp does.
    assertClose(new float[] {1, 1, 1, NAN}, x.clamp(2, 1), 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.clamp(Double.NaN, Double.NaN));
    assertEquals("clamp: at least one of 'min' or 'max' must not be None", e.getMessage());
    Tensor ic = i64(-5, 5).clamp(-1, 1);
    assertEquals(DType.INT64, ic.dtype());
    assertArrayEquals(new long[] {-1, 1}, ic.toLongArray());
  }

  @Test
  void maximumAndMinimumPropagateNaN() {
    Tensor a = f32(1, NAN, 3, -0.5f);
    Tensor b = f32(2, 2, NAN, -1);
    assertClose(new float[] {2, NAN, NAN, -0.5f}, a.maximum(b), 0);
    assertClose(new float[] {1, NAN, NAN, -1}, a.minimum(b), 0);
    assertClose(new float[] {2, NAN, NAN, -0.5f}, Torch.maximum(b, a), 0);
    Tensor im = i64(1, 7).maximum(i64(3, 2));
    assertEquals(DType.INT64, im.dtype());
    assertArrayEquals(new long[] {3, 7}, im.toLongArray());
    assertArrayEquals(new float[] {3, 7}, i64(1, 7).maximum(f32(3, 2)).toFloatArray());
    assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2},
        Torch.minimum(Torch.tensor(1f, 2f).view(2, 1), f32(3, 4, 5)).toFloatArray());
  }

  @Test
  void comparisonsProduceBool() {
    Tensor x = f32(1, 2, 3, NAN);
    Tensor gt = x.gt(1.5);
    assertEquals(DType.BOOL, gt.dtype());
    assertArrayEquals(new long[] {0, 1, 1, 0}, gt.toLongArray());
    assertArrayEquals(new long[] {1, 0, 0, 0}, x.lt(1.5).toLongArray());
    assertArrayEquals(new long[] {0, 1, 1, 0}, x.ge(2).toLongArray());
    assertArrayEquals(new long[] {1, 1, 0, 0}, x.le(2).toLongArray());
    assertArrayEquals(new long[] {0, 1, 0, 0}, x.eq(2).toLongArray());
    assertArrayEquals(new long[] {1, 0, 1, 1}, x.ne(2).toLongArray(), "NaN != anything");
    assertArrayEquals(new long[] {1, 1, 1, 0}, x.eq(x).toLongArray(), "NaN == NaN is false");
    assertArrayEquals(new long[] {0, 1}, i64(1, 2).gt(1.5).toLongArray(), "an int64 tensor compares with 1.5");
    Tensor bc = Torch.tensor(1f, 2f).view(2, 1).lt(f32(0, 1.5f, 3));
    assertEquals(DType.BOOL, bc.dtype());
    assertArrayEquals(new long[] {0, 1, 1, 0, 0, 1}, bc.toLongArray());
    assertArrayEquals(new long[] {0, 1}, bools(true, false).logicalNot().toLongArray());
  }

  @Test
  void whereMaskedFillAndMaskedSelect() {
    Tensor cond = bools(true, false, true);
    Tensor w = Torch.where(cond, f32(1, 2, 3), f32(10, 20, 30));
    assertArrayEquals(new float[] {1, 20, 3}, w.toFloatArray());
    Tensor wb = Torch.where(cond, f32(1, 2, 3), Torch.scalar(-1));
    assertArrayEquals(new float[] {1, -1, 3}, wb.toFloatArray());
    Tensor wp = Torch.where(cond, i64(1, 2, 3), f32(0.5f, 0.5f, 0.5f));
    assertEquals(DType.FLOAT32, wp.dtype());
    assertArrayEquals(new float[] {1, 0.5f, 3}, wp.toFloatArray());
    Tensor w2 = Torch.where(bools(true, false).view(2, 1), f32(1, 2, 3), f32(7));
    assertArrayEquals(new float[] {1, 2, 3, 7, 7, 7}, w2.toFloatArray());
    Tensor wl = Torch.where(cond, i64(Long.MAX_VALUE, 0, 1), i64(0, -1, 0));
    assertArrayEquals(new long[] {Long.MAX_VALUE, -1, 1}, wl.toLongArray(), "int64 is selected exactly");

    Tensor x = f32(1, 2, 3, 4);
    Tensor filled = x.maskedFill(bools(false, true, false, true), -1);
    assertArrayEquals(new float[] {1, -1, 3, -1}, filled.toFloatArray());
    assertArrayEquals(new float[] {1, 2, 3, 4}, x.toFloatArray(), "maskedFill is out of place");
    Tensor m = Torch.zeros(2, 3).maskedFill(bools(true, false).view(2, 1), 5);
    assertArrayEquals(new float[] {5, 5, 5, 0, 0, 0}, m.toFloatArray());
    assertEquals("maskedFill: expected a mask of dtype torch.bool, got torch.int64",
        assertThrows(IllegalArgumentException.class, () -> x.maskedFill(i64(1, 0, 1, 0), 0)).getMessage());

    Tensor y = Torch.arange(0, 6, 1).to(DType.FLOAT32).view(2, 3);
    Tensor sel = y.maskedSelect(y.gt(2));
    assertArrayEquals(new int[] {3}, sel.shape());
    assertArrayEquals(new float[] {3, 4, 5}, sel.toFloatArray());
  }

  // ------------------------------------------------------------------ in place

  @Test
  void inPlaceArithmeticUpdatesSelfAndReturnsIt() {
    Tensor x = f32(1, 2, 3);
    assertSame(x, x.add_(f32(1, 1, 1)));
    assertArrayEquals(new float[] {2, 3, 4}, x.toFloatArray());
    x.sub_(f32(1, 1, 1), 2);
    assertArrayEquals(new float[] {0, 1, 2}, x.toFloatArray());
    x.mul_(f32(2, 3, 4));
    assertArrayEquals(new float[] {0, 3, 8}, x.toFloatArray());
    x.div_(f32(1, 2, 4));
    assertArrayEquals(new float[] {0, 1.5f, 2}, x.toFloatArray());
    x.add_(f32(2, 2, 2), -0.5);
    assertArrayEquals(new float[] {-1, 0.5f, 1}, x.toFloatArray());
    x.mul_(4).div_(2).add_(1);
    assertArrayEquals(new float[] {-1, 2, 3}, x.toFloatArray());
    x.sub_(f32(1, 1, 1));
    assertArrayEquals(new float[] {-2, 1, 2}, x.toFloatArray());
  }

  @Test
  void addcmulAndAddcdiv() {
    Tensor x = f32(1, 1);
    x.addcmul_(f32(2, 3), f32(4, 5), 0.5);
    assertArrayEquals(new float[] {5, 8.5f}, x.toFloatArray());
    Tensor y = f32(1, 1);
    y.addcdiv_(f32(2, 3), f32(4, 5), 2);
    assertArrayEquals(new float[] {2, 2.2f}, y.toFloatArray());
  }

  @Test
  void zeroFillAndCopyCastAndBroadcast() {
    Tensor x = f32(1, 2, 3);
    assertSame(x, x.zero_());
    assertArrayEquals(new float[] {0, 0, 0}, x.toFloatArray());
    x.fill_(2.5);
    assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, x.toFloatArray());
    Tensor i = i64(0, 0);
    i.fill_(2.7);
    assertArrayEquals(new long[] {2, 2}, i.toLongArray(), "fill_ truncates into int64");
    i.copy_(f32(1.7f, -1.7f));
    assertArrayEquals(new long[] {1, -1}, i.toLongArray(), "copy_ casts toward zero");
    Tensor m = Torch.zeros(2, 3);
    m.copy_(f32(1, 2, 3));
    assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, m.toFloatArray());
    Tensor h = Torch.zeros(DType.BFLOAT16, 2);
    h.copy_(f32(1f / 3, 257));
    assertArrayEquals(new float[] {0.333984375f, 256f}, h.toFloatArray());
    Tensor b = Torch.zeros(DType.BOOL, 3);
    b.copy_(f32(0, 0.1f, -2));
    assertArrayEquals(new long[] {0, 1, 1}, b.toLongArray(), "copy_ into bool is value != 0");
    b.fill_(0.5);
    assertArrayEquals(new long[] {1, 1, 1}, b.toLongArray(), "fill_(0.5) of a bool tensor is True");
    b.fill_(0);
    assertArrayEquals(new long[] {0, 0, 0}, b.toLongArray());
  }

  @Test
  void inPlaceOpsWriteIntoNonContiguousViews() {
    Tensor x = Torch.zeros(2, 3);
    x.t().copy_(Torch.arange(0, 6, 1).to(DType.FLOAT32).view(3, 2));
    assertArrayEquals(new float[] {0, 2, 4, 1, 3, 5}, x.toFloatArray());
    x.select(1, 1).add_(f32(10, 20));
    assertArrayEquals(new float[] {0, 12, 4, 1, 23, 5}, x.toFloatArray());
    x.t().mul_(f32(1, 2));
    assertArrayEquals(new float[] {0, 12, 4, 2, 46, 10}, x.toFloatArray());
    x.slice(1, 0, 3, 2).fill_(-1);
    assertArrayEquals(new float[] {-1, 12, -1, -1, 46, -1}, x.toFloatArray());
    Tensor d = Torch.zeros(DType.FLOAT64, 3, 2);
    d.t().add_(Torch.fromArray(new double[] {1, 2, 3}, 3));
    assertArrayEquals(new double[] {1, 1, 2, 2, 3, 3}, d.toDoubleArray());
    Tensor h = Torch.zeros(DType.FLOAT16, 2, 2);
    h.t().add_(f32(1, 2));
    assertArrayEquals(new float[] {1, 1, 2, 2}, h.toFloatArray());
  }

  @Test
  void inPlaceBroadcastsOtherIntoSelfButNotSelfIntoOther() {
    Tensor x = Torch.zeros(2, 3);
    x.add_(f32(1, 2, 3));
    assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, x.toFloatArray());
    x.add_(Torch.tensor(10f, 20f).view(2, 1));
    assertArrayEquals(new float[] {11, 12, 13, 21, 22, 23}, x.toFloatArray());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f32(1, 2, 3).add_(Torch.zeros(2, 3)));
    assertEquals("add_: output with shape [3] doesn't match the broadcast shape [2, 3]", e.getMessage());
    IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
        () -> Torch.zeros(3).copy_(Torch.zeros(4)));
    assertEquals("copy_: shapes [3] and [4] cannot be broadcast (size 3 vs 4 at dimension 0)", c.getMessage());
  }

  @Test
  void integerTensorRefusesAFloatResultInPlace() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> i64(1, 2).add_(f32(1, 1)));
    assertEquals("add_: result type torch.float32 can't be cast to the desired output type torch.int64",
        e.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> i64(1, 2).div_(2)).getMessage()
        .contains("can't be cast"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> i64(1, 2).mul_(1.5)).getMessage()
        .contains("can't be cast"));
    Tensor ok = i64(1, 2);
    ok.add_(i64(3, 4)).mul_(2);
    assertArrayEquals(new long[] {8, 12}, ok.toLongArray());
    Tensor f = f32(1, 2);
    f.add_(i64(1, 1));
    assertArrayEquals(new float[] {2, 3}, f.toFloatArray(), "a float tensor accepts an int64 operand");
  }

  @Test
  void inPlaceOnATensorThatRequiresGradIsRefusedUnderGradMode() {
    Tensor w = f32(1, 2).requiresGrad_();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.add_(f32(1, 1)));
    assertEquals("add_: a leaf tensor that requires grad is being used in an in-place operation (shape [2]); "
        + "wrap it in GradMode.noGrad() or use the out-of-place op", e.getMessage());
    try (var ignored = Torch.noGrad()) {
      w.add_(f32(1, 1));
    }
    assertArrayEquals(new float[] {2, 3}, w.toFloatArray());
  }

  // ------------------------------------------------------------------ large tensors (multi-threaded path)

  @Test
  void largeContiguousTensorsMatchTheSmallPath() {
    int n = (1 << 17) + 3;
    float[] a = new float[n];
    float[] b = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (i % 1000) * 0.37f - 150f;
      b[i] = (i % 7) + 0.5f;
    }
    Tensor ta = Torch.fromArray(a, n);
    Tensor tb = Torch.fromArray(b, n);
    float[][] expected = new float[7][n];
    for (int i = 0; i < n; i++) {
      expected[0][i] = a[i] + b[i];
      expected[1][i] = a[i] - 2f * b[i];
      expected[2][i] = a[i] * b[i];
      expected[3][i] = a[i] / b[i];
      expected[4][i] = Math.max(a[i], b[i]);
      expected[5][i] = a[i] * 0.25f;
      expected[6][i] = a[i] + 3f * b[i];
    }
    assertArrayEquals(expected[0], ta.add(tb).toFloatArray(), "add");
    float[] sub = ta.sub(tb, 2).toFloatArray();
    assertArrayEquals(expected[1], sub, "sub with alpha");
    float[] mul = ta.mul(tb).toFloatArray();
    assertArrayEquals(expected[2], mul, "mul");
    assertArrayEquals(expected[3], ta.div(tb).toFloatArray(), "div");
    assertArrayEquals(expected[4], ta.maximum(tb).toFloatArray(), "maximum");
    assertArrayEquals(expected[5], ta.mul(0.25).toFloatArray(), "mul by a scalar");
    Tensor inPlace = ta.clone();
    inPlace.add_(tb, 3);
    assertArrayEquals(expected[6], inPlace.toFloatArray(), "add_ with alpha");
    // The same elements through the single-threaded path (a small slice) give identical bits.
    int from = n - 1000;
    Tensor sa = Torch.fromArray(java.util.Arrays.copyOfRange(a, from, n), 1000);
    Tensor sb = Torch.fromArray(java.util.Arrays.copyOfRange(b, from, n), 1000);
    assertArrayEquals(java.util.Arrays.copyOfRange(mul, from, n), sa.mul(sb).toFloatArray());
    assertArrayEquals(java.util.Arrays.copyOfRange(sub, from, n), sa.sub(sb, 2).toFloatArray());
  }
}
