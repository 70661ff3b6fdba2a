package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.autograd.GradMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Views, copies, cat and stack, pinned to PyTorch's shapes, strides, values and errors. */
class ShapeTest {

  /** 0, 1, ..., n-1 as float32 with the given shape. */
  private static Tensor iota(int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    return Torch.arange(0, n, 1).to(DType.FLOAT32).view(shape);
  }

  @Test
  void viewInfersTheMinusOneDimension() {
    Tensor x = iota(8 * 2 * 4 * 3 * 8);
    Tensor v = x.view(8, 2, -1, 3, 8);
    assertArrayEquals(new int[] {8, 2, 4, 3, 8}, v.shape());
    assertArrayEquals(new int[] {192, 96, 24, 8, 1}, v.stride());
    assertSame(x.storage(), v.storage());
    assertEquals(1 * 192 + 1 * 96 + 2 * 24 + 1 * 8 + 5, v.get(1, 1, 2, 1, 5));
    assertArrayEquals(new int[] {2, 768}, x.view(2, -1).shape());
    assertArrayEquals(new int[] {1536}, v.view(-1).shape());
  }

  @Test
  void viewRequestErrorsNameTheShapes() {
    Tensor x = iota(2, 3);
    assertEquals("view: only one dimension can be inferred, got shape [-1, -1]",
        assertThrows(IllegalArgumentException.class, () -> x.view(-1, -1)).getMessage());
    assertEquals("view: shape [4, -1] is invalid for input of size 6 (shape [2, 3])",
        assertThrows(IllegalArgumentException.class, () -> x.view(4, -1)).getMessage());
    assertEquals("view: shape [7] is invalid for input of size 6 (shape [2, 3])",
        assertThrows(IllegalArgumentException.class, () -> x.view(7)).getMessage());
  }

  @Test
  void viewOfATransposeThatMergesDimsFailsAndReshapeCopies() {
    Tensor x = iota(2, 3);
    Tensor t = x.t();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(6));
    assertEquals("view: size [6] is not compatible with input tensor's size [3, 2] and stride [1, 3] (at least "
        + "one dimension spans across two contiguous subspaces); use reshape() instead", e.getMessage());

    Tensor r = t.reshape(6);
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, r.toFloatArray());
    assertNotSame(x.storage(), r.storage());
    // A reshape that is a view shares storage.
    assertSame(x.storage(), x.reshape(3, 2).storage());
  }

  @Test
  void viewOfATransposeThatOnlySplitsADimIsAView() {
    Tensor x = iota(4, 6);
    Tensor y = x.t().view(6, 2, 2);
    assertArrayEquals(new int[] {1, 12, 6}, y.stride());
    assertSame(x.storage(), y.storage());
    assertEquals(x.get(3, 5), y.get(5, 1, 1));
  }

  @Test
  void writesThroughViewsReachTheBase() {
    Tensor x = Torch.zeros(3, 4);
    try (GradMode.Scope ignored = Torch.noGrad()) {
      x.narrow(0, 1, 2).fill_(1);
      x.select(1, 3).fill_(7);
      x.t().select(0, 0).add_(Torch.tensor(10f, 20f, 30f));
    }
    assertArrayEquals(new float[] {
        10, 0, 0, 7,
        21, 1, 1, 7,
        31, 1, 1, 7}, x.toFloatArray());

    Tensor col = Torch.tensor(1f, 2f, 3f).view(3, 1);
    Tensor wide = col.expand(3, 4);
    try (GradMode.Scope ignored = Torch.noGrad()) {
      wide.set(9, 0, 2);
    }
    assertEquals(9.0, col.get(0, 0));
    assertArrayEquals(new float[] {9, 9, 9, 9}, wide.select(0, 0).toFloatArray());
  }

  @Test
  void selectOfDimOneIsTheColumn() {
    Tensor x = iota(3, 4);
    Tensor c = x.select(1, 1);
    assertArrayEquals(new int[] {3}, c.shape());
    assertArrayEquals(new int[] {4}, c.stride());
    assertEquals(1, c.storageOffset());
    assertArrayEquals(new float[] {1, 5, 9}, c.toFloatArray());
    assertArrayEquals(new float[] {4, 5, 6, 7}, x.select(0, 1).toFloatArray());
    assertArrayEquals(new float[] {3, 7, 11}, x.select(-1, -1).toFloatArray());
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.select(1, 4));
    assertEquals("select: index 4 out of range for tensor of size [3, 4] at dimension 1", e.getMessage());
  }

  @Test
  void transposeAndPermuteReorderDimsWithoutCopying() {
    Tensor x = iota(2, 3);
    Tensor t = x.t();
    assertArrayEquals(new int[] {3, 2}, t.shape());
    assertArrayEquals(new int[] {1, 3}, t.stride());
    assertSame(x.storage(), t.storage());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.contiguous().toFloatArray());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.transpose(0, 1).toFloatArray());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.transpose(-1, -2).toFloatArray());

    Tensor y = iota(2, 3, 4);
    Tensor p = y.permute(2, 0, 1);
    assertArrayEquals(new int[] {4, 2, 3}, p.shape());
    assertArrayEquals(new int[] {1, 12, 4}, p.stride());
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 2; j++) {
        for (int k = 0; k < 3; k++) {
          assertEquals(y.get(j, k, i), p.get(i, j, k));
        }
      }
    }
    assertArrayEquals(new float[] {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21},
        p.narrow(0, 0, 2).toFloatArray());
    assertEquals("permute: repeated dim 0 in [0, 0, 1]",
        assertThrows(IllegalArgumentException.class, () -> y.permute(0, 0, 1)).getMessage());
    assertEquals("t: expects a tensor with <= 2 dimensions, but self is 3D (shape [2, 3, 4])",
        assertThrows(IllegalArgumentException.class, y::t).getMessage());
    Tensor v = Torch.tensor(1f, 2f);
    assertSame(v, v.t());
  }

  @Test
  void contiguousCopiesOnlyWhenNeeded() {
    Tensor x = iota(2, 3);
    assertSame(x, x.contiguous());
    Tensor row = x.narrow(0, 1, 1);
    assertTrue(row.isContiguous());
    assertSame(row, row.contiguous());
    Tensor u = x.unsqueeze(1);
    assertTrue(u.isContiguous());

    Tensor t = x.t();
    assertFalse(t.isContiguous());
    Tensor c = t.contiguous();
    assertNotSame(t, c);
    assertTrue(c.isContiguous());
    assertArrayEquals(new int[] {2, 1}, c.stride());
    assertNotSame(x.storage(), c.storage());
    assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, c.toFloatArray());
    assertFalse(x.narrow(1, 0, 2).isContiguous());
  }

  @Test
  void flattenMergesARangeOfDims() {
    Tensor x = iota(2, 3, 4);
    assertArrayEquals(new int[] {2, 12}, x.flatten(1, 2).shape());
    assertArrayEquals(new int[] {6, 4}, x.flatten(0, 1).shape());
    assertArrayEquals(new int[] {24}, x.flatten().shape());
    assertArrayEquals(new int[] {2, 3, 4}, x.flatten(1, 1).shape());
    assertArrayEquals(new int[] {2, 12}, x.flatten(-2, -1).shape());
    assertSame(x.storage(), x.flatten().storage());
    Tensor ft = x.transpose(1, 2).flatten(1, 2);
    assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, ft.select(0, 0).toFloatArray());
    assertArrayEquals(new int[] {1}, Torch.scalar(3).flatten().shape());
    assertEquals("flatten: start_dim 2 cannot come after end_dim 1",
        assertThrows(IllegalArgumentException.class, () -> x.flatten(2, 1)).getMessage());
  }

  @Test
  void squeezeAndUnsqueeze() {
    Tensor x = Torch.zeros(1, 3, 1, 2);
    assertArrayEquals(new int[] {3, 2}, x.squeeze().shape());
    assertArrayEquals(new int[] {3, 1, 2}, x.squeeze(0).shape());
    assertArrayEquals(new int[] {1, 3, 1, 2}, x.squeeze(1).shape());
    assertArrayEquals(new int[] {1, 3, 2}, x.squeeze(-2).shape());
    assertArrayEquals(new int[] {}, Torch.zeros(1, 1).squeeze().shape());

    Tensor y = iota(3, 2);
    assertArrayEquals(new int[] {1, 3, 2}, y.unsqueeze(0).shape());
    assertArrayEquals(new int[] {3, 1, 2}, y.unsqueeze(1).shape());
    assertArrayEquals(new int[] {3, 2, 1}, y.unsqueeze(2).shape());
    assertArrayEquals(new int[] {3, 2, 1}, y.unsqueeze(-1).shape());
    assertArrayEquals(new int[] {6, 2, 1}, y.unsqueeze(0).stride());
    assertArrayEquals(new int[] {2, 1, 1}, y.unsqueeze(-1).stride());
    assertArrayEquals(new int[] {1}, Torch.scalar(5).unsqueeze(0).shape());
    assertSame(y.storage(), y.unsqueeze(1).storage());
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> y.unsqueeze(3));
    assertEquals("unsqueeze: dimension out of range (expected to be in range of [-3, 2], but got 3)",
        e.getMessage());
  }

  @Test
  void expandBroadcastsSizeOneDimsWithStrideZero() {
    Tensor col = Torch.tensor(1f, 2f, 3f).view(3, 1);
    Tensor e = col.expand(3, 4);
    assertArrayEquals(new int[] {3, 4}, e.shape());
    assertArrayEquals(new int[] {1, 0}, e.stride());
    assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, e.toFloatArray());

    Tensor lead = col.expand(2, -1, 2);
    assertArrayEquals(new int[] {2, 3, 2}, lead.shape());
    assertArrayEquals(new int[] {0, 1, 0}, lead.stride());
    assertArrayEquals(new int[] {3, 4}, col.expandAs(Torch.zeros(3, 4)).shape());
  }

  @Test
  void expandErrorsNameSizes() {
    Tensor x = Torch.zeros(3, 2);
    assertEquals("expand: the expanded size of the tensor (5) must match the existing size (2) at non-singleton "
        + "dimension 1. Target sizes: [3, 5]. Tensor sizes: [3, 2]",
        assertThrows(IllegalArgumentException.class, () -> x.expand(3, 5)).getMessage());
    assertEquals("expand: the number of sizes provided (1) must be greater or equal to the number of dimensions "
        + "in the tensor (2, shape [3, 2])",
        assertThrows(IllegalArgumentException.class, () -> x.expand(2)).getMessage());
    assertEquals("expand: the expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
        + "dimension 0", assertThrows(IllegalArgumentException.class, () -> x.expand(-1, 3, 2)).getMessage());
  }

  @Test
  void sliceWithStepAndNegativeBoundsFollowsPython() {
    Tensor x = Torch.arange(10);
    assertArrayEquals(new long[] {1, 4, 7}, x.slice(0, 1, 8, 3).toLongArray());
    assertArrayEquals(new long[] {6, 8}, x.slice(0, -4, -1, 2).toLongArray());
    assertArrayEquals(new long[] {0, 4, 8}, x.slice(0, -100, 100, 4).toLongArray());
    assertArrayEquals(new int[] {0}, x.slice(0, 7, 3, 1).shape());
    assertArrayEquals(new long[] {9}, x.slice(0, -1, 10, 1).toLongArray());
    Tensor s = x.slice(0, 1, 8, 3);
    assertArrayEquals(new int[] {3}, s.stride());
    assertEquals(1, s.storageOffset());
    assertSame(x.storage(), s.storage());

    Tensor m = iota(2, 5);
    Tensor cols = m.slice(1, 0, 5, 2);
    assertArrayEquals(new int[] {2, 3}, cols.shape());
    assertArrayEquals(new float[] {0, 2, 4, 5, 7, 9}, cols.toFloatArray());
    assertEquals("slice: slice step must be positive, got 0",
        assertThrows(IllegalArgumentException.class, () -> x.slice(0, 0, 5, 0)).getMessage());
  }

  @Test
  void narrowTakesALengthAndAcceptsANegativeStart() {
    Tensor x = Torch.arange(6);
    assertArrayEquals(new long[] {2, 3, 4}, x.narrow(0, 2, 3).toLongArray());
    assertArrayEquals(new long[] {4, 5}, x.narrow(0, -2, 2).toLongArray());
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, 4, 3));
    assertEquals("narrow: start (4) + length (3) exceeds dimension size (6) of dimension 0 in shape [6]",
        e.getMessage());
  }

  @Test
  void splitAndChunkSizes() {
    Tensor x = Torch.arange(10);
    List<Tensor> s = x.split(3, 0);
    assertEquals(4, s.size());
    assertArrayEquals(new long[] {0, 1, 2}, s.get(0).toLongArray());
    assertArrayEquals(new long[] {9}, s.get(3).toLongArray());
    assertSame(x.storage(), s.get(2).storage());

    int[] sizes = x.chunk(4, 0).stream().mapToInt(t -> t.size(0)).toArray();
    assertArrayEquals(new int[] {3, 3, 3, 1}, sizes);
    // torch.arange(6).chunk(4) gives 3 chunks of 2: chunk size is ceil(6 / 4).
    assertArrayEquals(new int[] {2, 2, 2},
        Torch.arange(6).chunk(4, 0).stream().mapToInt(t -> t.size(0)).toArray());
    assertArrayEquals(new int[] {1, 1},
        Torch.arange(2).chunk(5, 0).stream().mapToInt(t -> t.size(0)).toArray());

    Tensor m = iota(2, 7);
    List<Tensor> c = m.chunk(3, 1);
    assertArrayEquals(new int[] {3, 3, 1}, c.stream().mapToInt(t -> t.size(1)).toArray());
    assertArrayEquals(new float[] {6, 13}, c.get(2).toFloatArray());
    assertArrayEquals(new int[] {2, 2, 2, 1}, m.split(2, -1).stream().mapToInt(t -> t.size(1)).toArray());
  }

  @Test
  void catJoinsAlongAnyDimAndPromotes() {
    Tensor a = iota(2, 3);
    Tensor b = Torch.full(9, 1, 3);
    Tensor c0 = Torch.cat(List.of(a, b), 0);
    assertArrayEquals(new int[] {3, 3}, c0.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 9, 9, 9}, c0.toFloatArray());

    Tensor d = Torch.full(-1, 2, 2);
    Tensor c1 = Torch.cat(List.of(a, d), 1);
    assertArrayEquals(new int[] {2, 5}, c1.shape());
    assertArrayEquals(new float[] {0, 1, 2, -1, -1, 3, 4, 5, -1, -1}, c1.toFloatArray());
    assertArrayEquals(c1.toFloatArray(), Torch.cat(List.of(a, d), -1).toFloatArray());

    Tensor mixed = Torch.cat(List.of(Torch.arange(2), Torch.tensor(0.5f)));
    assertEquals(DType.FLOAT32, mixed.dtype());
    assertArrayEquals(new float[] {0, 1, 0.5f}, mixed.toFloatArray());
    Tensor withEmpty = Torch.cat(List.of(Torch.zeros(0, 3), a), 0);
    assertArrayEquals(a.toFloatArray(), withEmpty.toFloatArray());
  }

  @Test
  void catErrorsNameTheShapes() {
    Tensor a = Torch.zeros(2, 3);
    Tensor b = Torch.zeros(2, 2);
    assertEquals("cat: sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for "
        + "tensor number 1 in the list (shapes [2, 3] and [2, 2])",
        assertThrows(IllegalArgumentException.class, () -> Torch.cat(List.of(a, b), 0)).getMessage());
    assertEquals("cat: tensors must have same number of dimensions: got 2 and 1 (shapes [2, 3] and [3] at "
        + "position 1)",
        assertThrows(IllegalArgumentException.class, () -> Torch.cat(List.of(a, Torch.zeros(3)), 0)).getMessage());
    assertEquals("cat: expected a non-empty list of Tensors",
        assertThrows(IllegalArgumentException.class, () -> Torch.cat(List.of(), 0)).getMessage());
    assertEquals("cat: zero-dimensional tensor (at position 0) cannot be concatenated",
        assertThrows(IllegalArgumentException.class, () -> Torch.cat(List.of(Torch.scalar(1)))).getMessage());
  }

  @Test
  void stackInsertsANewDim() {
    Tensor a = iota(2, 3);
    Tensor b = iota(2, 3).add(10.0);
    Tensor s0 = Torch.stack(List.of(a, b));
    assertArrayEquals(new int[] {2, 2, 3}, s0.shape());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}, s0.toFloatArray());
    Tensor s2 = Torch.stack(List.of(a, b), 2);
    assertArrayEquals(new int[] {2, 3, 2}, s2.shape());
    assertArrayEquals(new float[] {0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}, s2.toFloatArray());
    assertArrayEquals(s2.toFloatArray(), Torch.stack(List.of(a, b), -1).toFloatArray());
    assertArrayEquals(new int[] {2, 2, 3}, Torch.stack(List.of(a, b), -3).shape());
    assertEquals("stack: stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at "
        + "entry 1",
        assertThrows(IllegalArgumentException.class, () -> Torch.stack(List.of(a, a.t()))).getMessage());
  }
}
