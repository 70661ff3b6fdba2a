package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.BinaryOp;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.UnaryOp;
import dev.ddp4j.tensor.backend.TensorView;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Test;

/**
 * Every {@link CudaDevice} op against the kernels' PTX signatures, with launches and driver calls
 * recorded instead of executed: needs no GPU. {@link CudaKernels#launch} checks each launch's argument
 * types against the kernel's PTX parameters, so an op that passes here packs its arguments as the
 * kernel expects; what the kernels compute is checked on a GPU by the conformance suite.
 */
class CudaDeviceLaunchTest {
  private final List<CudaKernel> launches = new ArrayList<>();
  private final List<String> driverCalls = new ArrayList<>();
  private final CudaDevice device = new CudaDevice(Device.cuda(0), () -> { },
      CudaKernels.unloaded(Ptx.COMPUTE_90, (kernel, gx, gy, bx, shared, stream, params) -> launches.add(kernel)),
      new RecordingDriver(), false);

  /** Driver calls recorded by name; memory is fake (pointers without memory) except the pinned buffers. */
  private final class RecordingDriver implements CudaMemoryDriver {
    @Override
    public CUdeviceptr alloc(long bytes) {
      driverCalls.add("alloc " + bytes);
      return new CUdeviceptr();
    }

    @Override
    public void free(CUdeviceptr p) {
      driverCalls.add("free");
    }

    @Override
    public void zero(CUdeviceptr p, long bytes, CUstream stream) {
      driverCalls.add("zero " + bytes);
    }

    @Override
    public void hostToDevice(CUdeviceptr dst, Pointer pinnedSrc, long bytes, CUstream stream) {
      driverCalls.add("htod " + bytes);
    }

    @Override
    public void deviceToHost(Pointer pinnedDst, CUdeviceptr src, long bytes, CUstream stream) {
      driverCalls.add("dtoh " + bytes);
    }

    @Override
    public void deviceToDevice(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream) {
      driverCalls.add("dtod " + bytes);
    }

    @Override
    public Pointer allocPinned(long bytes) {
      driverCalls.add("pinned " + bytes);
      return Pointer.to(ByteBuffer.allocateDirect(Math.toIntExact(bytes)));
    }

    @Override
    public void freePinned(Pointer p) {
      driverCalls.add("free pinned");
    }

    @Override
    public CUstream newStream() {
      return new CUstream();
    }

    @Override
    public CUevent newEvent() {
      return new CUevent();
    }

    @Override
    public void record(CUevent event, CUstream stream) {}

    @Override
    public void await(CUevent event) {}

    @Override
    public void synchronize(CUstream stream) {
      driverCalls.add("sync");
    }
  }

  private TensorView tensor(DType dtype, int... shape) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    int[] stride = new int[shape.length];
    for (int i = shape.length - 1, acc = 1; i >= 0; acc *= shape[i], i--) {
      stride[i] = acc;
    }
    return new TensorView(Storage.onDevice(dtype, n, device.allocate(dtype, n)), shape, stride, 0);
  }

  private TensorView f(int... shape) {
    return tensor(DType.FLOAT32, shape);
  }

  @Test
  void everyOpLaunchesKernelsWithTheirPtxArgumentTypes() {
    TensorView a = f(4, 5);
    TensorView b = f(4, 5);
    TensorView out = f(4, 5);
    TensorView row = new TensorView(f(5).storage(), new int[] {4, 5}, new int[] {0, 1}, 0);
    TensorView transposed = new TensorView(a.storage(), new int[] {5, 4}, new int[] {1, 5}, 0);
    device.binary(BinaryOp.ADD, 1, a, row, out);
    device.binary(BinaryOp.ADD, -1, a, b, out);
    device.binary(BinaryOp.ADD, 0.5, a, b, out);
    device.binary(BinaryOp.MUL, 1, a, b, out);
    device.binary(BinaryOp.DIV, 1, a, b, out);
    device.binary(BinaryOp.SECOND, 1, a, row, out);
    for (UnaryOp op : new UnaryOp[] {UnaryOp.RELU, UnaryOp.SIGMOID, UnaryOp.TANH, UnaryOp.EXP, UnaryOp.LOG,
        UnaryOp.NEG}) {
      device.unary(op, a, out);
    }
    device.unary(UnaryOp.RELU, transposed, f(5, 4));
    device.reluBackward(a, b, out);
    device.copy(transposed, f(5, 4));
    device.fill(out, 2);
    device.fill(transposed, 3);
    device.sumDim(a, 1, 20, 1, f(1));
    device.sumDim(a, 1, 4, 5, f(5));
    TensorView logits = f(8, 10);
    TensorView labels = tensor(DType.INT64, 8);
    device.maxDim(logits, 8, 10, 1, f(8), tensor(DType.INT64, 8));
    device.softmaxLastDim(logits, 8, 10, false, f(8, 10));
    device.softmaxLastDim(logits, 8, 10, true, f(8, 10));
    TensorView stats = f(2);
    device.crossEntropy(logits, labels, 8, 10, -100, stats);
    device.crossEntropyBackward(logits, labels, f(1), stats, 8, 10, -100, f(8, 10));
    device.gemm(false, true, 4, 4, 5, 1f, a.storage(), 0, 5, b.storage(), 0, 5, 0f, f(4, 4).storage(), 0, 4);
    device.sgdUpdate(a, b, out, true, 0.1, 0.9, 0, 1e-4, false);
    device.sgdUpdate(a, b, null, false, 0.1, 0, 0, 0, false);
    int[] geometry = {5, 5, 1, 1, 2, 2, 1, 1};
    TensorView images = f(2, 1, 28, 28);
    TensorView col = f(25, 2 * 28 * 28);
    device.im2col(images, 2, 1, 28, 28, geometry, 28, 28, col);
    device.col2im(col, 2, 1, 28, 28, geometry, 28, 28, images);
    int[] pool = {2, 2, 2, 2, 0, 0, 1, 1};
    TensorView pooled = f(6, 14, 14);
    TensorView indices = tensor(DType.INT64, 6, 14, 14);
    device.maxPool2d(f(6, 28, 28), 6, 28, 28, 14, 14, pool, pooled, indices);
    device.maxPool2dBackward(pooled, indices, 6, 28, 28, 14, 14, pool, f(6, 28, 28));
    device.avgPool2d(f(6, 28, 28), 6, 28, 28, 14, 14, pool, true, pooled);
    device.avgPool2dBackward(pooled, 6, 28, 28, 14, 14, pool, false, f(6, 28, 28));
    assertEquals(List.of(
        CudaKernel.ADD_BCAST, CudaKernel.SUB_BCAST, CudaKernel.MUL_SCALAR, CudaKernel.ADD_BCAST,
        CudaKernel.MUL_BCAST, CudaKernel.DIV_BCAST, CudaKernel.COPY_STRIDED,
        CudaKernel.RELU, CudaKernel.SIGMOID, CudaKernel.TANH, CudaKernel.EXP, CudaKernel.LOG, CudaKernel.NEG,
        CudaKernel.COPY_STRIDED, CudaKernel.RELU,
        CudaKernel.RELU_BACKWARD, CudaKernel.COPY_STRIDED, CudaKernel.FILL, CudaKernel.FILL, CudaKernel.COPY_STRIDED,
        CudaKernel.SUM_PARTIAL, CudaKernel.SUM_PARTIAL, CudaKernel.SUM_DIM, CudaKernel.MAX_DIM,
        CudaKernel.SOFTMAX_LASTDIM, CudaKernel.LOG_SOFTMAX_LASTDIM, CudaKernel.CROSS_ENTROPY_ROWS,
        CudaKernel.CROSS_ENTROPY_MEAN, CudaKernel.CROSS_ENTROPY_BACKWARD, CudaKernel.SGEMM, CudaKernel.SGD_UPDATE,
        CudaKernel.SGD_UPDATE, CudaKernel.IM2COL, CudaKernel.COL2IM, CudaKernel.MAX_POOL2D,
        CudaKernel.MAX_POOL2D_BACKWARD, CudaKernel.AVG_POOL2D, CudaKernel.AVG_POOL2D_BACKWARD), launches);
  }

  @Test
  void bfloat16ConversionsLaunchTheirKernels() {
    TensorView x = f(4, 5);
    TensorView h = tensor(DType.BFLOAT16, 4, 5);
    device.copy(x, h);
    device.copy(h, f(4, 5));
    device.copy(new TensorView(x.storage(), new int[] {5, 4}, new int[] {1, 5}, 0), tensor(DType.BFLOAT16, 5, 4));
    device.gemm(false, true, 4, 4, 5, 1f, h.storage(), 0, 5, h.storage(), 0, 5, 0f, f(4, 4).storage(), 0, 4);
    assertEquals(List.of(CudaKernel.F32_TO_BF16, CudaKernel.BF16_TO_F32, CudaKernel.COPY_STRIDED,
        CudaKernel.F32_TO_BF16, CudaKernel.GEMM_BF16), launches);
    assertEquals("converting torch.int64 to torch.float32 on cuda:0 is not implemented in this build; convert on the CPU",
        assertThrows(UnsupportedOperationException.class, () -> device.copy(tensor(DType.INT64, 3), f(3)))
            .getMessage());
  }

  @Test
  void transfersGoThroughPinnedStagingBuffersAndADownloadWaits() {
    TensorView d = f(3);
    driverCalls.clear();
    device.upload(Storage.wrap(new float[] {1, 2, 3}), 0, d.storage(), 0, 3);
    device.download(d.storage(), 0, Storage.wrap(new float[3]), 0, 3);
    assertEquals(List.of("pinned 1048576", "htod 12", "pinned 1048576", "dtoh 12", "sync"), driverCalls);
  }

  @Test
  void allocationsAreZeroedAndReuseFreedBlocksOfTheirSizeClass() {
    assertEquals(512, CudaAllocator.sizeClass(1));
    assertEquals(512, CudaAllocator.sizeClass(512));
    assertEquals(1024, CudaAllocator.sizeClass(513));
    assertEquals(1L << 20, CudaAllocator.sizeClass(1L << 20));
    assertEquals(2L << 20, CudaAllocator.sizeClass((1L << 20) + 1));
    assertEquals(4L << 20, CudaAllocator.sizeClass((2L << 20) + 1));
    driverCalls.clear();
    // Kept reachable to the end, so that only blocks of the 4096-byte class can come back below.
    Object kept = device.allocate(DType.FLOAT32, 100);
    assertEquals(List.of("alloc 512", "zero 400"), driverCalls);
    CudaAllocator allocator = device.allocator();
    long before = allocator.allocatedBytes();
    for (int i = 0; i < 200 && allocator.cachedBytes() == 0; i++) {
      device.allocate(DType.FLOAT32, 1000);
      System.gc();
      Thread.onSpinWait();
    }
    assertTrue(allocator.cachedBytes() > 0, "no block came back after its storage became unreachable");
    driverCalls.clear();
    device.allocate(DType.FLOAT32, 1000);
    assertEquals(List.of("zero 4000"), driverCalls, "a cached block of the class is reused without cuMemAlloc");
    assertTrue(allocator.allocatedBytes() > before);
    java.lang.ref.Reference.reachabilityFence(kept);
  }

  @Test
  void comparisonsPowersExtremaAndTheirConversionsLaunchTheirKernels() {
    TensorView a = f(4, 5);
    TensorView b = f(4, 5);
    TensorView mask = tensor(DType.BOOL, 4, 5);
    device.binary(BinaryOp.POW, 1, a, b, f(4, 5));
    device.binary(BinaryOp.MAX, 1, a, b, f(4, 5));
    device.binary(BinaryOp.MIN, 1, a, b, f(4, 5));
    device.binary(BinaryOp.GT, 1, a, b, mask);
    device.binary(BinaryOp.NE, 1, a, b, mask);
    device.unary(UnaryOp.SQRT, a, f(4, 5));
    device.unary(UnaryOp.ABS, a, f(4, 5));
    device.unary(UnaryOp.SIGN, a, f(4, 5));
    device.copy(mask, f(4, 5));
    device.copy(a, tensor(DType.BOOL, 4, 5));
    assertEquals(List.of(CudaKernel.POW_BCAST, CudaKernel.MAX_BCAST, CudaKernel.MIN_BCAST, CudaKernel.COMPARE_BCAST,
        CudaKernel.COMPARE_BCAST, CudaKernel.SQRT, CudaKernel.ABS, CudaKernel.SIGN, CudaKernel.BOOL_TO_F32,
        CudaKernel.F32_TO_BOOL), launches);
  }

  @Test
  void indexingLaunchesItsKernels() {
    TensorView a = f(5, 6);
    TensorView mask = tensor(DType.BOOL, 5, 6);
    TensorView index = tensor(DType.INT64, 2, 6);
    device.maskedCopy(a, mask, f(5, 6));
    device.gather(a, 0, index, f(2, 6));
    device.scatterAdd(f(5, 6), 0, index, f(2, 6));
    assertEquals(List.of(CudaKernel.MASKED_COPY, CudaKernel.GATHER, CudaKernel.SCATTER_ADD), launches);
  }

  @Test
  void opsWithoutKernelsNameTheOpAndTheDevice() {
    TensorView l = tensor(DType.INT64, 3);
    assertEquals("add on cuda:0 is not implemented for torch.int64 in this build",
        assertThrows(UnsupportedOperationException.class, () -> device.binary(BinaryOp.ADD, 1, l, l, l)).getMessage());
    assertEquals("relu on cuda:0 is not implemented for torch.int64 in this build",
        assertThrows(UnsupportedOperationException.class, () -> device.unary(UnaryOp.RELU, l, l)).getMessage());
    assertEquals("gt on cuda:0 is not implemented for torch.float32 in this build",
        assertThrows(UnsupportedOperationException.class, () -> device.binary(BinaryOp.GT, 1, f(3), f(3), f(3)))
            .getMessage());
  }
}
