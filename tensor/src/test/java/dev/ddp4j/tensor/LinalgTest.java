package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** mm, bmm and matmul against explicit loops, with PyTorch's dtype and shape errors. */
class LinalgTest {

  /** Small integers in [-3, 3] as float32: every product and sum below is exact. */
  private static Tensor ints(long seed, int... shape) {
    Generator g = new Generator(seed);
    float[] v = new float[Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
    for (int i = 0; i < v.length; i++) {
      v[i] = g.nextLong(7) - 3;
    }
    return Torch.fromArray(v, shape);
  }

  /** Reference matmul by PyTorch's rules (1-D promotion, batch broadcasting), as double loops. */
  private static double[] reference(Tensor a, Tensor b, int[] expectedShape) {
    Tensor x = a.dim() == 1 ? a.unsqueeze(0) : a;
    Tensor y = b.dim() == 1 ? b.unsqueeze(1) : b;
    int n = x.size(-2);
    int k = x.size(-1);
    int m = y.size(-1);
    int nb = Math.max(x.dim(), y.dim()) - 2;
    int[] batch = new int[nb];
    for (int i = 0; i < nb; i++) {
      int da = i - (nb - (x.dim() - 2)) >= 0 ? x.size(i - (nb - (x.dim() - 2))) : 1;
      int db = i - (nb - (y.dim() - 2)) >= 0 ? y.size(i - (nb - (y.dim() - 2))) : 1;
      batch[i] = Math.max(da, db);
    }
    int[] ea = Arrays.copyOf(batch, nb + 2);
    ea[nb] = n;
    ea[nb + 1] = k;
    int[] eb = Arrays.copyOf(batch, nb + 2);
    eb[nb] = k;
    eb[nb + 1] = m;
    Tensor xe = x.expand(ea);
    Tensor ye = y.expand(eb);
    int batches = Arrays.stream(batch).reduce(1, (p, q) -> p * q);
    double[] out = new double[batches * n * m];
    int[] bi = new int[nb];
    for (int t = 0; t < batches; t++) {
      int rest = t;
      for (int d = nb - 1; d >= 0; d--) {
        bi[d] = rest % batch[d];
        rest /= batch[d];
      }
      int[] ia = Arrays.copyOf(bi, nb + 2);
      int[] ib = Arrays.copyOf(bi, nb + 2);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) {
          double s = 0;
          for (int p = 0; p < k; p++) {
            ia[nb] = i;
            ia[nb + 1] = p;
            ib[nb] = p;
            ib[nb + 1] = j;
            s += xe.get(ia) * ye.get(ib);
          }
          out[(t * n + i) * m + j] = s;
        }
      }
    }
    assertEquals(expectedShape.length == 0 ? 1 : Arrays.stream(expectedShape).reduce(1, (p, q) -> p * q),
        out.length, "reference element count");
    return out;
  }

  private static void assertMatmul(Tensor a, Tensor b, int... expectedShape) {
    Tensor c = a.matmul(b);
    assertArrayEquals(expectedShape, c.shape(), "matmul shape of " + Arrays.toString(a.shape()) + " @ "
        + Arrays.toString(b.shape()));
    assertArrayEquals(reference(a, b, expectedShape), c.toDoubleArray(), 0.0);
  }

  @Test
  void mmValues() {
    Tensor a = Torch.tensor(new float[][] {{1, 2, 3}, {4, 5, 6}});
    Tensor b = Torch.tensor(new float[][] {{7, 8}, {9, 10}, {11, 12}});
    Tensor c = a.mm(b);
    assertEquals(DType.FLOAT32, c.dtype());
    assertArrayEquals(new int[] {2, 2}, c.shape());
    assertArrayEquals(new float[] {58, 64, 139, 154}, c.toFloatArray());
    assertArrayEquals(new float[] {58, 64, 139, 154}, Torch.mm(a, b).toFloatArray());
    Tensor empty = Torch.zeros(2, 0).mm(Torch.zeros(0, 3));
    assertArrayEquals(new int[] {2, 3}, empty.shape());
    assertArrayEquals(new float[6], empty.toFloatArray());
  }

  @Test
  void mmOfViewsEqualsMmOfContiguousCopies() {
    Tensor at = ints(1, 7, 5);
    Tensor bt = ints(2, 4, 7);
    Tensor a = at.t();
    Tensor b = bt.t();
    double[] expected = reference(a.contiguous(), b.contiguous(), new int[] {5, 4});
    assertArrayEquals(expected, a.mm(b).toDoubleArray(), 0.0, "both transposed");
    assertArrayEquals(expected, a.contiguous().mm(b).toDoubleArray(), 0.0, "b transposed");
    assertArrayEquals(expected, a.mm(b.contiguous()).toDoubleArray(), 0.0, "a transposed");
    assertArrayEquals(expected, a.contiguous().mm(b.contiguous()).toDoubleArray(), 0.0, "none transposed");

    // Column slices have a leading dimension larger than their width; stepped slices need a copy.
    Tensor wide = ints(3, 5, 11);
    Tensor cols = wide.narrow(1, 2, 7);
    assertArrayEquals(reference(cols.contiguous(), b.contiguous(), new int[] {5, 4}), cols.mm(b).toDoubleArray(),
        0.0, "narrowed a");
    Tensor stepped = wide.slice(1, 0, 11, 2).narrow(1, 0, 4);
    Tensor sq = ints(4, 4, 3);
    assertArrayEquals(reference(stepped.contiguous(), sq, new int[] {5, 3}), stepped.mm(sq).toDoubleArray(), 0.0,
        "stepped a");
    Tensor rowVec = ints(5, 1, 7);
    assertArrayEquals(reference(rowVec, b.contiguous(), new int[] {1, 4}), rowVec.mm(b).toDoubleArray(), 0.0);
    Tensor colVec = ints(6, 7, 1);
    assertArrayEquals(reference(a, colVec, new int[] {5, 1}), a.mm(colVec).toDoubleArray(), 0.0);
    Tensor expanded = Torch.tensor(1f, 2f, 3f, 4f, 5f, 6f, 7f).view(7, 1).expand(7, 3);
    assertArrayEquals(reference(a, expanded.contiguous(), new int[] {5, 3}), a.mm(expanded).toDoubleArray(), 0.0,
        "stride-0 operand");
  }

  @Test
  void largerMmMatchesTheLoopWithinRounding() {
    Tensor a = Torch.randn(new Generator(21), DType.FLOAT32, 130, 129);
    Tensor b = Torch.randn(new Generator(22), DType.FLOAT32, 129, 131);
    double[] expected = reference(a, b, new int[] {130, 131});
    double[] got = a.mm(b).toDoubleArray();
    double[] gotT = a.t().contiguous().t().mm(b.t().contiguous().t()).toDoubleArray();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], got[i], 1e-3, "element " + i);
      assertEquals(expected[i], gotT[i], 1e-3, "transposed operands, element " + i);
    }
  }

  @Test
  void mmRefusesMixedDtypes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Torch.zeros(2, 2).mm(Torch.zeros(DType.FLOAT64, 2, 2)));
    assertEquals("mm: expected m1 and m2 to have the same dtype, but got: torch.float32 != torch.float64",
        e.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Torch.zeros(2, 2).matmul(Torch.zeros(DType.INT64, 2))).getMessage()
        .contains("expected m1 and m2 to have the same dtype"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> Torch.zeros(1, 2, 2).bmm(Torch.zeros(DType.BFLOAT16, 1, 2, 2))).getMessage()
        .contains("expected m1 and m2 to have the same dtype"));
  }

  @Test
  void mmShapeErrors() {
    assertEquals("mm: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
        assertThrows(IllegalArgumentException.class, () -> Torch.zeros(2, 3).mm(Torch.zeros(4, 5))).getMessage());
    assertEquals("mm: expected 2-D tensors, got 1-D [3] and 2-D [3, 2]",
        assertThrows(IllegalArgumentException.class, () -> Torch.zeros(3).mm(Torch.zeros(3, 2))).getMessage());
    assertEquals("bmm: batch1 and batch2 shapes cannot be multiplied ([2, 2, 3] and [3, 3, 2])",
        assertThrows(IllegalArgumentException.class,
            () -> Torch.zeros(2, 2, 3).bmm(Torch.zeros(3, 3, 2))).getMessage());
    assertEquals("bmm: expected 3-D tensors, got 2-D [2, 2] and 3-D [1, 2, 2]",
        assertThrows(IllegalArgumentException.class,
            () -> Torch.zeros(2, 2).bmm(Torch.zeros(1, 2, 2))).getMessage());
  }

  @Test
  void matmulCoversEveryRankCombination() {
    assertMatmul(ints(1, 3), ints(2, 3));
    assertMatmul(ints(3, 2, 3), ints(4, 3), 2);
    assertMatmul(ints(5, 3), ints(6, 3, 4), 4);
    assertMatmul(ints(7, 2, 3), ints(8, 3, 4), 2, 4);
    assertMatmul(ints(9, 2, 2, 3), ints(10, 3), 2, 2);
    assertMatmul(ints(11, 3), ints(12, 2, 3, 4), 2, 4);
    assertMatmul(ints(13, 2, 2, 3), ints(14, 3, 4), 2, 2, 4);
    assertMatmul(ints(15, 2, 3), ints(16, 5, 3, 4), 5, 2, 4);
    assertMatmul(ints(17, 5, 2, 3), ints(18, 5, 3, 4), 5, 2, 4);
    assertMatmul(ints(19, 2, 1, 2, 3), ints(20, 5, 3, 4), 2, 5, 2, 4);
    assertMatmul(ints(21, 1, 2, 3), ints(22, 4, 3, 2), 4, 2, 2);
    assertMatmul(ints(23, 3, 2).t(), ints(24, 4, 2, 3).transpose(1, 2), 4, 2, 2);
  }

  @Test
  void matmulErrors() {
    assertEquals("matmul: inconsistent tensor size, expected tensor [3] and src [4] to have the same number of "
        + "elements", assertThrows(IllegalArgumentException.class,
            () -> Torch.zeros(3).matmul(Torch.zeros(4))).getMessage());
    assertEquals("matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)",
        assertThrows(IllegalArgumentException.class,
            () -> Torch.zeros(2, 3).matmul(Torch.zeros(4, 5))).getMessage());
    assertEquals("matmul: shapes [2, 2, 3] and [2, 4, 5] cannot be multiplied (3 != 4)",
        assertThrows(IllegalArgumentException.class,
            () -> Torch.zeros(2, 2, 3).matmul(Torch.zeros(2, 4, 5))).getMessage());
    assertEquals("matmul: both arguments to matmul need to be at least 1D, but they are 0D and 1D (shapes [] and "
        + "[2])", assertThrows(IllegalArgumentException.class,
            () -> Torch.scalar(1).matmul(Torch.zeros(2))).getMessage());
  }

  @Test
  void bmmMultipliesEachBatch() {
    Tensor a = Torch.fromArray(new float[] {1, 2, 3, 4, 1, 0, 0, 1}, 2, 2, 2);
    Tensor b = Torch.fromArray(new float[] {5, 6, 7, 8, 2, 3, 4, 5}, 2, 2, 2);
    Tensor c = a.bmm(b);
    assertArrayEquals(new int[] {2, 2, 2}, c.shape());
    assertArrayEquals(new float[] {19, 22, 43, 50, 2, 3, 4, 5}, c.toFloatArray());
    Tensor x = ints(30, 3, 4, 5);
    Tensor y = ints(31, 3, 6, 5).transpose(1, 2);
    assertArrayEquals(reference(x, y, new int[] {3, 4, 6}), Torch.bmm(x, y).toDoubleArray(), 0.0);
  }

  @Test
  void float64AndInt64Products() {
    Tensor a = Torch.fromArray(new double[] {1, 2, 3, 4}, 2, 2);
    Tensor b = Torch.fromArray(new double[] {0.5, 0.25, 1e10, 1}, 2, 2);
    Tensor c = a.mm(b);
    assertEquals(DType.FLOAT64, c.dtype());
    assertArrayEquals(new double[] {0.5 + 2e10, 2.25, 1.5 + 4e10, 4.75}, c.toDoubleArray());

    Tensor i = Torch.fromArray(new long[] {1, 2, 3, 4}, 2, 2);
    Tensor j = Torch.fromArray(new long[] {5, 6, 7, 8}, 2, 2);
    Tensor ij = i.mm(j);
    assertEquals(DType.INT64, ij.dtype());
    assertArrayEquals(new long[] {19, 22, 43, 50}, ij.toLongArray());
    Tensor big = Torch.fromArray(new long[] {1L << 40, 1}, 1, 2)
        .mm(Torch.fromArray(new long[] {1L << 20, 1}, 2, 1));
    assertArrayEquals(new long[] {(1L << 60) + 1}, big.toLongArray(), "int64 products are exact");
    assertArrayEquals(new long[] {17, 39}, i.matmul(Torch.fromArray(new long[] {5, 6}, 2)).toLongArray());
    assertArrayEquals(new long[] {19, 22, 43, 50}, i.t().contiguous().t().mm(j).toLongArray());
    assertArrayEquals(new long[] {26, 30, 38, 44}, i.t().mm(j).toLongArray());
  }

  @Test
  void bfloat16ProductsAccumulateInFloat32AndRoundOnce() {
    Tensor a = Torch.ones(DType.BFLOAT16, 1, 3);
    Tensor b = Torch.full(1.0 / 3, DType.BFLOAT16, 3, 1);
    Tensor c = a.mm(b);
    assertEquals(DType.BFLOAT16, c.dtype());
    // 3 * 0.333984375 = 1.001953125 in float32, which rounds to 1.0 in bfloat16.
    assertEquals(1.0, c.item());
    Tensor d = Torch.ones(DType.BFLOAT16, 1, 2).mm(Torch.fromArray(new float[] {256, 1}, 2, 1).to(DType.BFLOAT16));
    assertEquals(256.0, d.item());
    Tensor h = Torch.ones(DType.FLOAT16, 2, 2).matmul(Torch.full(0.5, DType.FLOAT16, 2));
    assertEquals(DType.FLOAT16, h.dtype());
    assertArrayEquals(new float[] {1, 1}, h.toFloatArray());
    Tensor x = ints(40, 4, 6);
    Tensor y = ints(41, 6, 5);
    assertArrayEquals(x.mm(y).toFloatArray(), x.to(DType.BFLOAT16).mm(y.to(DType.BFLOAT16)).toFloatArray(),
        "small integers are exact in bfloat16");
  }
}
