package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The launch arguments built on the host: broadcast strides, GEMM shapes, grid sizes; needs no GPU. */
class CudaShapesTest {
  @Test
  void broadcastGivesStrideZeroAlongStretchedAndMissingDimensions() {
    StridedShape s = StridedShape.broadcast(new long[] {3, 1, 5}, new long[] {4, 5});
    assertArrayEquals(new long[] {3, 4, 5}, s.shape());
    assertArrayEquals(new long[] {20, 5, 1}, s.outStrides());
    assertArrayEquals(new long[] {5, 0, 1}, s.aStrides());
    assertArrayEquals(new long[] {0, 5, 1}, s.bStrides());
    assertEquals(60, s.numel());
  }

  @Test
  void broadcastOfAScalar() {
    StridedShape s = StridedShape.broadcast(new long[] {}, new long[] {2, 3});
    assertArrayEquals(new long[] {2, 3}, s.shape());
    assertArrayEquals(new long[] {0, 0}, s.aStrides());
    assertArrayEquals(new long[] {3, 1}, s.bStrides());
  }

  @Test
  void incompatibleShapesAreRefusedWithTheDimension() {
    assertEquals("shapes [2, 3] and [4, 3] cannot be broadcast: dimension 0 has sizes 2 and 4",
        assertThrows(IllegalArgumentException.class,
            () -> StridedShape.broadcast(new long[] {2, 3}, new long[] {4, 3})).getMessage());
  }

  @Test
  void packedLayoutMatchesTheKernelStruct() {
    long[] p = StridedShape.broadcast(new long[] {2, 1}, new long[] {3}).packed();
    assertEquals(33, p.length);
    assertArrayEquals(new long[] {2, 3, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(p, 0, 8));
    assertArrayEquals(new long[] {3, 1, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(p, 8, 16));
    assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(p, 16, 24));
    assertArrayEquals(new long[] {0, 1, 0, 0, 0, 0, 0, 0}, Arrays.copyOfRange(p, 24, 32));
    assertEquals(2, p[32]);
  }

  @Test
  void moreThanEightDimensionsAreRefused() {
    assertEquals("the CUDA kernels take at most 8 dimensions, got 9",
        assertThrows(IllegalArgumentException.class, () -> StridedShape.contiguous(1, 1, 1, 1, 1, 1, 1, 1, 1))
            .getMessage());
  }

  @Test
  void packedGemmShapesUseTheStoredRowLengths() {
    assertEquals(new GemmShape(false, false, 5, 7, 3, 3, 7, 7), GemmShape.packed(false, false, 5, 7, 3));
    assertEquals(new GemmShape(true, true, 5, 7, 3, 5, 3, 7), GemmShape.packed(true, true, 5, 7, 3));
    assertEquals(210.0, GemmShape.packed(false, false, 5, 7, 3).flops());
  }

  @Test
  void tooSmallLeadingDimensionsAreRefused() {
    assertEquals("leading dimensions too small for A^T and B: lda=4 (at least 5), ldb=7 (at least 7), ldc=7 (at least 7)",
        assertThrows(IllegalArgumentException.class, () -> new GemmShape(true, false, 5, 7, 3, 4, 7, 7)).getMessage());
  }

  @Test
  void gridStrideLaunchesAreCapped() {
    assertEquals(1, CudaKernels.gridStrideBlocks(1));
    assertEquals(1, CudaKernels.gridStrideBlocks(256));
    assertEquals(2, CudaKernels.gridStrideBlocks(257));
    assertEquals(1 << 16, CudaKernels.gridStrideBlocks(1L << 40));
  }
}
