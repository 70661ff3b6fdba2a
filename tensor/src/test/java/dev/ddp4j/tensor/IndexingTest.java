package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** indexSelect, gather, scatterAdd and masks, pinned to PyTorch's values and index checks. */
class IndexingTest {

  private static Tensor idx(long... v) {
    return Torch.fromArray(v, v.length);
  }

  /** [[0, 1], [2, 3], [4, 5]] as float32. */
  private static Tensor x32() {
    return Torch.arange(6).to(DType.FLOAT32).view(3, 2);
  }

  @Test
  void indexSelectPicksRowsOrColumnsInIndexOrder() {
    Tensor x = x32();
    Tensor rows = x.indexSelect(0, idx(2, 0, 2));
    assertArrayEquals(new int[] {3, 2}, rows.shape());
    assertArrayEquals(new float[] {4, 5, 0, 1, 4, 5}, rows.toFloatArray());
    Tensor col = x.indexSelect(-1, idx(1));
    assertArrayEquals(new int[] {3, 1}, col.shape());
    assertArrayEquals(new float[] {1, 3, 5}, col.toFloatArray());
    assertArrayEquals(new float[] {4, 0, 5, 1}, x.t().indexSelect(1, idx(2, 0)).toFloatArray());
    assertArrayEquals(new int[] {0, 2}, x.indexSelect(0, idx()).shape());
    Tensor li = Torch.fromArray(new long[] {(1L << 53) + 1, 7}, 2).indexSelect(0, idx(0));
    assertArrayEquals(new long[] {(1L << 53) + 1}, li.toLongArray());
  }

  @Test
  void indexSelectRefusesNegativeAndTooLargeIndices() {
    // torch.index_select does not wrap negative indices: "index out of range in self".
    Tensor x = x32();
    assertEquals("indexSelect: index -1 is out of bounds for dimension 0 with size 3",
        assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(0, idx(0, -1))).getMessage());
    assertEquals("indexSelect: index 2 is out of bounds for dimension 1 with size 2",
        assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(1, idx(2))).getMessage());
  }

  @Test
  void indexOpsRequireInt64Indices() {
    Tensor x = x32();
    Tensor fIdx = Torch.tensor(0f, 1f);
    assertEquals("indexSelect: Expected dtype int64 for index, got torch.float32",
        assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, fIdx)).getMessage());
    assertEquals("gather: Expected dtype int64 for index, got torch.float32",
        assertThrows(IllegalArgumentException.class, () -> x.gather(0, fIdx.view(2, 1))).getMessage());
    assertEquals("scatterAdd: Expected dtype int64 for index, got torch.float32",
        assertThrows(IllegalArgumentException.class,
            () -> x.scatterAdd(0, fIdx.view(2, 1), Torch.zeros(2, 1))).getMessage());
    assertEquals("indexSelect: index_select(): Index is supposed to be a vector, got shape [1, 1]",
        assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, idx(0).view(1, 1))).getMessage());
  }

  @Test
  void gatherPicksTheTargetOfEachRow() {
    Tensor p = Torch.tensor(new float[][] {{0.1f, 0.2f, 0.7f}, {0.5f, 0.3f, 0.2f}});
    Tensor picked = p.gather(1, idx(2, 0).view(2, 1));
    assertArrayEquals(new int[] {2, 1}, picked.shape());
    assertArrayEquals(new float[] {0.7f, 0.5f}, picked.toFloatArray());
    Tensor down = p.gather(0, idx(1, 0, 1).view(1, 3));
    assertArrayEquals(new float[] {0.5f, 0.2f, 0.2f}, down.toFloatArray());
    Tensor repeated = p.gather(1, Torch.fromArray(new long[] {0, 0, 2, 1, 1, 1}, 2, 3));
    assertArrayEquals(new float[] {0.1f, 0.1f, 0.7f, 0.3f, 0.3f, 0.3f}, repeated.toFloatArray());
    assertArrayEquals(new float[] {0.7f, 0.5f}, p.t().gather(0, idx(2, 0).view(1, 2)).toFloatArray());
    Tensor big = Torch.fromArray(new long[] {1, (1L << 53) + 1}, 1, 2).gather(1, idx(1).view(1, 1));
    assertArrayEquals(new long[] {(1L << 53) + 1}, big.toLongArray(), "int64 values are gathered exactly");
  }

  @Test
  void crossEntropyByGatheringLogProbabilities() {
    Tensor logits = Torch.tensor(new float[][] {{1, 2, 3}, {1, 1, 1}});
    Tensor targets = idx(2, 0);
    Tensor nll = logits.logSoftmax(1).gather(1, targets.unsqueeze(1)).neg();
    // Row 0: logsumexp(1, 2, 3) - 3; row 1: ln 3.
    assertArrayEquals(new float[] {0.40760596f, 1.0986123f}, nll.toFloatArray(), 1e-6f);
    assertEquals((0.4076059644443806 + Math.log(3)) / 2, nll.mean().item(), 1e-6);
  }

  @Test
  void gatherAndScatterRefuseIndicesOutOfRange() {
    Tensor p = Torch.zeros(2, 3);
    assertEquals("gather: index 3 is out of bounds for dimension 1 with size 3",
        assertThrows(IndexOutOfBoundsException.class, () -> p.gather(1, idx(3, 0).view(2, 1))).getMessage());
    assertEquals("gather: index -1 is out of bounds for dimension 1 with size 3",
        assertThrows(IndexOutOfBoundsException.class, () -> p.gather(1, idx(-1, 0).view(2, 1))).getMessage());
    assertEquals("scatterAdd: index -1 is out of bounds for dimension 0 with size 2",
        assertThrows(IndexOutOfBoundsException.class,
            () -> p.scatterAdd(0, idx(-1).view(1, 1), Torch.ones(1, 1))).getMessage());
    assertEquals("gather: Index tensor must have the same number of dimensions as input tensor (index shape [2], "
        + "input shape [2, 3])",
        assertThrows(IllegalArgumentException.class, () -> p.gather(1, idx(0, 1))).getMessage());
    assertEquals("gather: Size does not match at dimension 0 expected index [3, 1] to be smaller than self [2, 3] "
        + "apart from dimension 1",
        assertThrows(IllegalArgumentException.class, () -> p.gather(1, idx(0, 0, 0).view(3, 1))).getMessage());
  }

  @Test
  void scatterAddAccumulatesRepeatedIndices() {
    Tensor base = Torch.zeros(3);
    Tensor s = base.scatterAdd(0, idx(0, 1, 0, 2), Torch.tensor(1f, 2f, 3f, 4f));
    assertArrayEquals(new float[] {4, 2, 4}, s.toFloatArray());
    assertArrayEquals(new float[] {0, 0, 0}, base.toFloatArray(), "scatterAdd is out of place");
    Tensor m = Torch.ones(2, 3).scatterAdd(1, Torch.fromArray(new long[] {0, 0, 2, 1}, 2, 2),
        Torch.tensor(new float[][] {{1, 2}, {3, 4}}));
    assertArrayEquals(new float[] {4, 1, 1, 1, 5, 4}, m.toFloatArray());
    // Only the index's extent of src is scattered.
    Tensor part = Torch.zeros(2).scatterAdd(0, idx(1), Torch.tensor(5f, 6f));
    assertArrayEquals(new float[] {0, 5}, part.toFloatArray());
    Tensor li = Torch.fromArray(new long[] {1L << 53}, 1).scatterAdd(0, idx(0), Torch.fromArray(new long[] {1}, 1));
    assertArrayEquals(new long[] {(1L << 53) + 1}, li.toLongArray(), "int64 accumulates exactly");
    assertEquals("scatterAdd: Expected self.dtype to be equal to src.dtype (got torch.float32 and torch.float64)",
        assertThrows(IllegalArgumentException.class,
            () -> base.scatterAdd(0, idx(0), Torch.fromArray(new double[] {1}, 1))).getMessage());
    assertEquals("scatterAdd: Expected index [3] to be smaller than src [2] in every dimension",
        assertThrows(IllegalArgumentException.class,
            () -> base.scatterAdd(0, idx(0, 1, 2), Torch.tensor(1f, 2f))).getMessage());
  }

  @Test
  void maskedSelectReturnsAOneDimensionalTensor() {
    Tensor x = x32().view(2, 3);
    Tensor rowMask = Torch.fromArray(new boolean[] {true, false, true}, 3);
    Tensor sel = x.maskedSelect(rowMask);
    assertArrayEquals(new int[] {4}, sel.shape());
    assertArrayEquals(new float[] {0, 2, 3, 5}, sel.toFloatArray());
    Tensor none = x.maskedSelect(Torch.zeros(DType.BOOL, 2, 3));
    assertArrayEquals(new int[] {0}, none.shape());
    // The mask may also broadcast the tensor.
    Tensor wide = Torch.tensor(7f, 8f, 9f).maskedSelect(Torch.fromArray(new boolean[] {true, false, false, true,
        true, false}, 2, 3));
    assertArrayEquals(new float[] {7, 7, 8}, wide.toFloatArray());
    Tensor li = Torch.fromArray(new long[] {(1L << 53) + 1, 2}, 2).maskedSelect(
        Torch.fromArray(new boolean[] {true, false}, 2));
    assertArrayEquals(new long[] {(1L << 53) + 1}, li.toLongArray(), "int64 values are selected exactly");
    assertEquals("maskedSelect: expected a mask of dtype torch.bool, got torch.float32",
        assertThrows(IllegalArgumentException.class, () -> x.maskedSelect(Torch.ones(2, 3))).getMessage());
    assertEquals("where: expected a mask of dtype torch.bool, got torch.int64",
        assertThrows(IllegalArgumentException.class, () -> Torch.where(idx(1), x, x)).getMessage());
  }
}
