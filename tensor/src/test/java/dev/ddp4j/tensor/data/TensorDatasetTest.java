package dev.ddp4j.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import org.junit.jupiter.api.Test;

class TensorDatasetTest {

  /** Row i of the inputs is {i, 10 + i, 100 + i}; target i is 7 * i. */
  static TensorDataset rows(int n) {
    float[] x = new float[n * 3];
    long[] y = new long[n];
    for (int i = 0; i < n; i++) {
      x[3 * i] = i;
      x[3 * i + 1] = 10 + i;
      x[3 * i + 2] = 100 + i;
      y[i] = 7L * i;
    }
    return new TensorDataset(Torch.fromArray(x, n, 3), Torch.fromArray(y, n));
  }

  @Test
  void getReturnsTheIthSlicesOfInputsAndTargets() {
    TensorDataset ds = rows(5);
    Example e = ds.get(3);
    assertEquals(5, ds.size());
    assertArrayEquals(new int[] {3}, e.input().shape());
    assertArrayEquals(new float[] {3, 13, 103}, e.input().toFloatArray());
    assertArrayEquals(new int[] {}, e.target().shape());
    assertEquals(21.0, e.target().item());
  }

  @Test
  void differentFirstDimensionsAreRefusedWithBothShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TensorDataset(Torch.zeros(4, 2), Torch.zeros(DType.INT64, 3)));
    assertEquals("TensorDataset: inputs have 4 examples (shape [4, 2]) but targets have 3 (shape [3]); "
        + "the first dimensions must be equal", e.getMessage());
  }

  @Test
  void zeroDimTensorsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TensorDataset(Torch.zeros(4, 2), Torch.scalar(1)));
    assertEquals("TensorDataset: targets must have at least one dimension (the example dimension), "
        + "got a 0-dim tensor", e.getMessage());
  }

  @Test
  void indexOutOfRangeNamesTheIndexAndSize() {
    TensorDataset ds = rows(5);
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ds.get(5));
    assertEquals("TensorDataset: index 5 is out of range for a dataset of 5 examples", e.getMessage());
    IndexOutOfBoundsException e2 =
        assertThrows(IndexOutOfBoundsException.class, () -> ds.batch(new int[] {0, -1}, 0, 2));
    assertEquals("TensorDataset: index -1 is out of range for a dataset of 5 examples", e2.getMessage());
  }

  @Test
  void batchCopiesTheRowsInTheGivenOrder() {
    TensorDataset ds = rows(6);
    Batch b = ds.batch(new int[] {9, 4, 0, 2, 9}, 1, 3);
    assertEquals(3, b.size());
    assertArrayEquals(new int[] {3, 3}, b.inputs().shape());
    assertArrayEquals(new float[] {4, 14, 104, 0, 10, 100, 2, 12, 102}, b.inputs().toFloatArray());
    assertArrayEquals(new long[] {28, 0, 14}, b.targets().toLongArray());
    assertEquals(DType.INT64, b.targets().dtype());
  }

  @Test
  void batchOfNonContiguousAndOffsetViewsCopiesLogicalRows() {
    // inputs: the transpose of a [3, 4] ramp, so row i is column i of the ramp; targets: a narrowed view.
    Tensor ramp = Torch.arange(0, 12, 1).view(3, 4);
    Tensor targets = Torch.arange(0, 10, 1).narrow(0, 5, 4);
    TensorDataset ds = new TensorDataset(ramp.t(), targets);
    Batch b = ds.batch(new int[] {3, 1}, 0, 2);
    assertArrayEquals(new long[] {3, 7, 11, 1, 5, 9}, b.inputs().toLongArray());
    assertArrayEquals(new long[] {8, 6}, b.targets().toLongArray());
  }

  @Test
  void batchOfAnEmptySelectionHasZeroRows() {
    Batch b = rows(3).batch(new int[0], 0, 0);
    assertArrayEquals(new int[] {0, 3}, b.inputs().shape());
    assertArrayEquals(new int[] {0}, b.targets().shape());
  }
}
