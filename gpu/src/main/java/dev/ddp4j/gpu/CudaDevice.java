package dev.ddp4j.gpu;

import dev.ddp4j.tensor.BinaryOp;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.UnaryOp;
import dev.ddp4j.tensor.backend.DeviceMemory;
import dev.ddp4j.tensor.backend.DeviceOps;
import dev.ddp4j.tensor.backend.TensorView;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One CUDA device as the tensor library's {@link DeviceOps}: a caching allocator, one stream on which
 * all of the device's work is queued in order, page-locked staging buffers for host transfers, and the
 * ddp4j kernels ({@link CudaKernels}, loaded from PTX). Float32 throughout, int64 for class targets and
 * pooling indices; an op outside that set fails naming the op, the dtype and the device.
 *
 * <p>Transfers: an upload copies the Java array into one of two page-locked buffers and queues an
 * asynchronous copy, so the host goes on while the copy runs (the buffer is reused only after its
 * previous copy finished); a download queues its copy behind all earlier work and waits for it.
 *
 * <p>GEMM: ddp4j's own kernels, exact float32 by default; {@code -Dddp4j.cuda.matmul=tf32} uses the
 * TF32 tensor-core kernel for float32 products (PyTorch's {@code allow_tf32}). cuBLAS is not used.
 *
 * <p>Threads: any thread may call; each call makes the device's context current on it first.
 */
final class CudaDevice implements DeviceOps {
  private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
  /** System property choosing the float32 GEMM: {@code fp32} (exact, default) or {@code tf32}. */
  static final String MATMUL_PROPERTY = "ddp4j.cuda.matmul";
  private static final int MAX_ROW_BLOCKS = 65_535;
  private static final int MAX_PARTIAL_BLOCKS = 1024;
  private static final long MIN_STAGING_BYTES = 1L << 20;

  private final Device device;
  private final Runnable makeCurrent;
  private final CudaKernels kernels;
  private final CudaMemoryDriver driver;
  private final CudaAllocator allocator;
  private final CUstream stream;
  private final boolean tf32;
  private final Staging[] uploads;
  private int nextUpload;
  private Staging download;

  /** A page-locked host buffer and the event of the last copy that used it. */
  private static final class Staging {
    Pointer pointer;
    ByteBuffer buffer;
    long capacity;
    final CUevent done;

    Staging(CUevent done) {
      this.done = done;
    }
  }

  CudaDevice(Device device, Runnable makeCurrent, CudaKernels kernels, CudaMemoryDriver driver, boolean tf32) {
    this.device = device;
    this.makeCurrent = makeCurrent;
    this.kernels = kernels;
    this.driver = driver;
    this.tf32 = tf32;
    makeCurrent.run();
    this.allocator = new CudaAllocator(device, driver);
    this.stream = driver.newStream();
    this.uploads = new Staging[] {new Staging(driver.newEvent()), new Staging(driver.newEvent())};
    this.download = new Staging(driver.newEvent());
  }

  /** Opens CUDA device {@code ordinal}: retains its primary context and loads the kernels. */
  static CudaDevice open(int ordinal) {
    CudaContext context = CudaContext.primary(ordinal);
    CudaKernels kernels = context.loadKernels();
    String matmul = System.getProperty(MATMUL_PROPERTY, "fp32").toLowerCase(Locale.ROOT);
    if (!matmul.equals("fp32") && !matmul.equals("tf32")) {
      throw new IllegalArgumentException("-D" + MATMUL_PROPERTY + " must be fp32 or tf32, got " + matmul);
    }
    boolean tf32 = matmul.equals("tf32");
    LOG.info("cuda:{}: kernels {} loaded (compute capability {}.{}); float32 GEMM: ddp4j's own {} kernel "
        + "(cuBLAS is not used by this build)", ordinal, kernels.target(), context.computeMajor(),
        context.computeMinor(), tf32 ? "TF32 tensor-core" : "exact float32");
    return new CudaDevice(Device.cuda(ordinal), context::makeCurrent, kernels, CudaMemoryDriver.DRIVER, tf32);
  }

  @Override
  public Device device() {
    return device;
  }

  CudaAllocator allocator() {
    return allocator;
  }

  // ------------------------------------------------------------------ memory and transfers

  private CUdeviceptr ptr(Storage s, long elementOffset) {
    if (!s.isOnDevice() || !(s.deviceMemory() instanceof CudaAllocator.CudaMemory m)
        || !m.device().equals(device)) {
      throw new IllegalArgumentException("operand is on " + s.device() + ", not " + device);
    }
    return m.pointer().withByteOffset(elementOffset * s.dtype().itemSize());
  }

  private CUdeviceptr ptr(TensorView v) {
    return ptr(v.storage(), v.offset());
  }

  @Override
  public DeviceMemory allocate(DType dtype, int elements) {
    makeCurrent.run();
    long bytes = (long) elements * dtype.itemSize();
    DeviceMemory m = allocator.allocate(bytes);
    if (bytes > 0) {
      driver.zero(((CudaAllocator.CudaMemory) m).pointer(), bytes, stream);
    }
    return m;
  }

  /** A scratch float32 array of n elements (not zeroed), freed with its storage. */
  private Storage scratch(long n) {
    DeviceMemory m = allocator.allocate(n * Float.BYTES);
    return Storage.onDevice(DType.FLOAT32, Math.toIntExact(n), m);
  }

  private void ensure(Staging s, long bytes) {
    if (s.capacity < bytes) {
      if (s.pointer != null) {
        driver.await(s.done);
        driver.freePinned(s.pointer);
      }
      long capacity = Math.max(MIN_STAGING_BYTES, Long.highestOneBit(bytes - 1) << 1);
      s.pointer = driver.allocPinned(capacity);
      s.buffer = s.pointer.getByteBuffer(0, capacity).order(ByteOrder.nativeOrder());
      s.capacity = capacity;
    }
  }

  @Override
  public synchronized void upload(Storage host, int hostOffset, Storage dev, int deviceOffset, int count) {
    if (count == 0) {
      return;
    }
    makeCurrent.run();
    long bytes = (long) count * host.dtype().itemSize();
    Staging s = uploads[nextUpload];
    nextUpload = 1 - nextUpload;
    if (s.pointer != null) {
      driver.await(s.done);
    }
    ensure(s, bytes);
    ByteBuffer b = s.buffer.clear();
    switch (host.dtype()) {
      case FLOAT32 -> b.asFloatBuffer().put(host.floats(), hostOffset, count);
      case INT64 -> b.asLongBuffer().put(host.longs(), hostOffset, count);
      case FLOAT64 -> b.asDoubleBuffer().put(host.doubles(), hostOffset, count);
      case BFLOAT16, FLOAT16 -> b.asShortBuffer().put(host.halves(), hostOffset, count);
      case BOOL -> b.put(host.bools(), hostOffset, count);
    }
    driver.hostToDevice(ptr(dev, deviceOffset), s.pointer, bytes, stream);
    driver.record(s.done, stream);
  }

  @Override
  public synchronized void download(Storage dev, int deviceOffset, Storage host, int hostOffset, int count) {
    if (count == 0) {
      return;
    }
    makeCurrent.run();
    long bytes = (long) count * dev.dtype().itemSize();
    ensure(download, bytes);
    driver.deviceToHost(download.pointer, ptr(dev, deviceOffset), bytes, stream);
    driver.synchronize(stream);
    ByteBuffer b = download.buffer.clear();
    switch (host.dtype()) {
      case FLOAT32 -> b.asFloatBuffer().get(host.floats(), hostOffset, count);
      case INT64 -> b.asLongBuffer().get(host.longs(), hostOffset, count);
      case FLOAT64 -> b.asDoubleBuffer().get(host.doubles(), hostOffset, count);
      case BFLOAT16, FLOAT16 -> b.asShortBuffer().get(host.halves(), hostOffset, count);
      case BOOL -> b.get(host.bools(), hostOffset, count);
    }
  }

  // ------------------------------------------------------------------ copies and elementwise

  private static long[] longs(int[] a) {
    long[] l = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      l[i] = a[i];
    }
    return l;
  }

  private static StridedShape strided(TensorView out, TensorView a, TensorView b) {
    if (out.shape().length > StridedShape.MAX_DIMS) {
      throw new UnsupportedOperationException("tensors of more than " + StridedShape.MAX_DIMS + " dimensions are not "
          + "supported on CUDA devices in this build, got " + out.shape().length);
    }
    return new StridedShape(longs(out.shape()), longs(out.stride()), longs(a.stride()),
        b == null ? new long[out.shape().length] : longs(b.stride()));
  }

  private UnsupportedOperationException unsupported(String op, DType dtype) {
    return new UnsupportedOperationException(op + " on " + device + " is not implemented for " + dtype
        + " in this build");
  }

  private static boolean sameDenseLayout(TensorView a, TensorView b) {
    return a.isContiguous() && b.isContiguous() && java.util.Arrays.equals(a.shape(), b.shape());
  }

  @Override
  public void copy(TensorView src, TensorView dst) {
    makeCurrent.run();
    int n = dst.numel();
    if (n == 0) {
      return;
    }
    if (src.dtype() != dst.dtype()) {
      convert(src, dst, n);
      return;
    }
    if (sameDenseLayout(src, dst)) {
      driver.deviceToDevice(ptr(dst), ptr(src), (long) n * dst.dtype().itemSize(), stream);
      return;
    }
    if (dst.dtype() != DType.FLOAT32) {
      throw unsupported("a strided copy", dst.dtype());
    }
    kernels.elementwise(CudaKernel.COPY_STRIDED, n, stream,
        KernelArgs.of().shape(strided(dst, src, null)).ptr(ptr(src)).ptr(ptr(dst)));
  }

  /**
   * float32 <-> bfloat16 and bool into a contiguous destination (a float32 source made dense first when it
   * is not).
   */
  private void convert(TensorView src, TensorView dst, int n) {
    CudaKernel kernel = conversion(src.dtype(), dst.dtype());
    boolean toF32 = dst.dtype() == DType.FLOAT32;
    if (kernel == null) {
      throw new UnsupportedOperationException("converting " + src.dtype() + " to " + dst.dtype() + " on " + device
          + " is not implemented in this build; convert on the CPU");
    }
    if (!dst.isContiguous()) {
      throw new UnsupportedOperationException("converting " + src.dtype() + " into a strided " + dst.dtype()
          + " view on " + device + " is not implemented in this build");
    }
    TensorView x = src;
    if (!(src.isContiguous() && java.util.Arrays.equals(src.shape(), dst.shape()))) {
      if (toF32) {
        throw new UnsupportedOperationException("converting a strided " + src.dtype() + " view on " + device
            + " is not implemented in this build");
      }
      x = dense(src);
    }
    kernels.elementwise(kernel, n, stream, KernelArgs.of().ptr(ptr(x)).ptr(ptr(dst)).i64(n));
  }

  private static CudaKernel conversion(DType from, DType to) {
    if (from == DType.FLOAT32) {
      return switch (to) {
        case BFLOAT16 -> CudaKernel.F32_TO_BF16;
        case FLOAT16 -> CudaKernel.F32_TO_F16;
        case BOOL -> CudaKernel.F32_TO_BOOL;
        default -> null;
      };
    }
    if (to == DType.FLOAT32) {
      return switch (from) {
        case BFLOAT16 -> CudaKernel.BF16_TO_F32;
        case FLOAT16 -> CudaKernel.F16_TO_F32;
        case BOOL -> CudaKernel.BOOL_TO_F32;
        default -> null;
      };
    }
    return null;
  }

  @Override
  public void fill(TensorView out, double value) {
    makeCurrent.run();
    int n = out.numel();
    if (n == 0) {
      return;
    }
    if (out.dtype() != DType.FLOAT32) {
      throw unsupported("fill", out.dtype());
    }
    if (out.isContiguous()) {
      kernels.fill(ptr(out), n, (float) value, stream);
      return;
    }
    Storage one = scratch(1);
    kernels.fill(ptr(one, 0), 1, (float) value, stream);
    copy(new TensorView(one, out.shape(), new int[out.shape().length], 0), out);
  }

  /** The {@code op} argument of {@code compare_bcast_f32}, or -1 for an op that is not a comparison. */
  private static int comparison(BinaryOp op) {
    return switch (op) {
      case GT -> 0;
      case LT -> 1;
      case GE -> 2;
      case LE -> 3;
      case EQ -> 4;
      case NE -> 5;
      default -> -1;
    };
  }

  @Override
  public void binary(BinaryOp op, double alpha, TensorView a, TensorView b, TensorView out) {
    makeCurrent.run();
    int compare = comparison(op);
    DType outType = compare >= 0 ? DType.BOOL : DType.FLOAT32;
    if (op == BinaryOp.SECOND && out.dtype() == b.dtype()) {
      copy(b, out); // copy_ and fill_, in any dtype the copy supports
      return;
    }
    if (out.dtype() != outType || a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32) {
      throw unsupported(op.name().toLowerCase(Locale.ROOT), out.dtype() != outType ? out.dtype()
          : a.dtype() != DType.FLOAT32 ? a.dtype() : b.dtype());
    }
    int n = out.numel();
    if (n == 0) {
      return;
    }
    if (compare >= 0) {
      kernels.elementwise(CudaKernel.COMPARE_BCAST, n, stream,
          KernelArgs.of().shape(strided(out, a, b)).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).i32(compare));
      return;
    }
    CudaKernel kernel;
    switch (op) {
      case ADD -> {
        if (alpha == 1) {
          kernel = CudaKernel.ADD_BCAST;
        } else if (alpha == -1) {
          kernel = CudaKernel.SUB_BCAST;
        } else {
          // a + alpha·b: b scaled into a dense scratch of out's shape first.
          Storage scaled = scratch(n);
          TensorView dense = new TensorView(scaled, out.shape(), contiguousStrides(out.shape()), 0);
          copy(b, dense);
          kernels.elementwise(CudaKernel.MUL_SCALAR, n, stream,
              KernelArgs.of().ptr(ptr(scaled, 0)).f32((float) alpha).ptr(ptr(scaled, 0)).i64(n));
          b = dense;
          kernel = CudaKernel.ADD_BCAST;
        }
      }
      case MUL -> kernel = CudaKernel.MUL_BCAST;
      case DIV -> kernel = CudaKernel.DIV_BCAST;
      case POW -> kernel = CudaKernel.POW_BCAST;
      case MAX -> kernel = CudaKernel.MAX_BCAST;
      case MIN -> kernel = CudaKernel.MIN_BCAST;
      default -> throw new UnsupportedOperationException(op.name().toLowerCase(Locale.ROOT) + " on " + device
          + " is not implemented in this build; move the tensors to the CPU with to(Device.CPU)");
    }
    kernels.elementwise(kernel, n, stream,
        KernelArgs.of().shape(strided(out, a, b)).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)));
  }

  @Override
  public void maskedCopy(TensorView src, TensorView mask, TensorView out) {
    makeCurrent.run();
    if (out.dtype() != DType.FLOAT32 || src.dtype() != DType.FLOAT32 || mask.dtype() != DType.BOOL) {
      throw unsupported("where", out.dtype() != DType.FLOAT32 ? out.dtype() : src.dtype());
    }
    int n = out.numel();
    kernels.elementwise(CudaKernel.MASKED_COPY, n, stream,
        KernelArgs.of().shape(strided(out, src, mask)).ptr(ptr(src)).ptr(ptr(mask)).ptr(ptr(out)));
  }

  @Override
  public void gather(TensorView self, int dim, TensorView index, TensorView out) {
    makeCurrent.run();
    if (self.dtype() != DType.FLOAT32) {
      throw unsupported("gather", self.dtype());
    }
    int n = out.numel();
    if (n > 0) {
      // Walks index's shape: out strides, self strides (a), index strides (b).
      StridedShape s = new StridedShape(longs(index.shape()), longs(out.stride()), longs(self.stride()),
          longs(index.stride()));
      kernels.elementwise(CudaKernel.GATHER, n, stream,
          KernelArgs.of().shape(s).ptr(ptr(self)).ptr(ptr(index)).ptr(ptr(out)).i32(dim).i64(self.shape()[dim]));
    }
  }

  @Override
  public void scatterAdd(TensorView out, int dim, TensorView index, TensorView src) {
    makeCurrent.run();
    if (out.dtype() != DType.FLOAT32 || src.dtype() != DType.FLOAT32) {
      throw unsupported("scatterAdd", out.dtype() != DType.FLOAT32 ? out.dtype() : src.dtype());
    }
    int n = index.numel();
    if (n > 0) {
      // Walks index's shape: target strides (out), src strides (a), index strides (b).
      StridedShape s = new StridedShape(longs(index.shape()), longs(out.stride()), longs(src.stride()),
          longs(index.stride()));
      kernels.elementwise(CudaKernel.SCATTER_ADD, n, stream,
          KernelArgs.of().shape(s).ptr(ptr(src)).ptr(ptr(index)).ptr(ptr(out)).i32(dim).i64(out.shape()[dim]));
    }
  }

  private static int[] contiguousStrides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= Math.max(shape[i], 1);
    }
    return s;
  }

  /** A dense view: v itself when it is contiguous, else a contiguous scratch copy of it. */
  private TensorView dense(TensorView v) {
    if (v.isContiguous()) {
      return v;
    }
    Storage s = scratch(v.numel());
    TensorView d = new TensorView(s, v.shape(), contiguousStrides(v.shape()), 0);
    copy(v, d);
    return d;
  }

  @Override
  public void unary(UnaryOp op, TensorView a, TensorView out) {
    makeCurrent.run();
    if (a.dtype() != DType.FLOAT32 || out.dtype() != DType.FLOAT32) {
      throw unsupported(op.name().toLowerCase(Locale.ROOT), a.dtype() != DType.FLOAT32 ? a.dtype() : out.dtype());
    }
    CudaKernel kernel = switch (op) {
      case RELU -> CudaKernel.RELU;
      case SIGMOID -> CudaKernel.SIGMOID;
      case TANH -> CudaKernel.TANH;
      case EXP -> CudaKernel.EXP;
      case LOG -> CudaKernel.LOG;
      case NEG -> CudaKernel.NEG;
      case SQRT -> CudaKernel.SQRT;
      case ABS -> CudaKernel.ABS;
      case SIGN -> CudaKernel.SIGN;
    };
    int n = out.numel();
    if (n == 0) {
      return;
    }
    TensorView x = dense(a);
    TensorView y = out.isContiguous() ? out
        : new TensorView(scratch(n), out.shape(), contiguousStrides(out.shape()), 0);
    kernels.elementwise(kernel, n, stream, KernelArgs.of().ptr(ptr(x)).ptr(ptr(y)).i64(n));
    if (y != out) {
      copy(y, out);
    }
  }

  @Override
  public void reluBackward(TensorView g, TensorView y, TensorView out) {
    makeCurrent.run();
    int n = out.numel();
    // The kernel's "x > 0" test reads relu's output here: y > 0 exactly where x > 0.
    kernels.elementwise(CudaKernel.RELU_BACKWARD, n, stream,
        KernelArgs.of().ptr(ptr(y)).ptr(ptr(g)).ptr(ptr(out)).i64(n));
  }

  // ------------------------------------------------------------------ reductions, softmax, loss

  @Override
  public void sumDim(TensorView x, int outer, int size, int inner, TensorView out) {
    makeCurrent.run();
    long results = (long) outer * inner;
    if (results == 0) {
      return;
    }
    if (results == 1) {
      // Sum of everything: per-block partial sums, then one block over the partials (no atomics).
      long n = size;
      int blocks = (int) Math.min(Math.max(CudaKernels.gridStrideBlocks(Math.max(n, 1)), 1), MAX_PARTIAL_BLOCKS);
      Storage partial = scratch(blocks);
      kernels.launch(CudaKernel.SUM_PARTIAL, blocks, 1, CudaKernels.BLOCK_THREADS, 0, stream,
          KernelArgs.of().ptr(ptr(x)).i64(n).ptr(ptr(partial, 0)));
      kernels.launch(CudaKernel.SUM_PARTIAL, 1, 1, CudaKernels.BLOCK_THREADS, 0, stream,
          KernelArgs.of().ptr(ptr(partial, 0)).i64(blocks).ptr(ptr(out)));
      return;
    }
    kernels.elementwise(CudaKernel.SUM_DIM, results, stream,
        KernelArgs.of().ptr(ptr(x)).ptr(ptr(out)).i64(outer).i64(size).i64(inner));
  }

  @Override
  public void maxDim(TensorView x, int outer, int size, int inner, TensorView values, TensorView indices) {
    makeCurrent.run();
    long results = (long) outer * inner;
    kernels.elementwise(CudaKernel.MAX_DIM, results, stream,
        KernelArgs.of().ptr(ptr(x)).ptr(ptr(values)).ptr(ptr(indices)).i64(outer).i64(size).i64(inner));
  }

  private static int rowBlocks(long rows) {
    return (int) Math.min(rows, MAX_ROW_BLOCKS);
  }

  @Override
  public void softmaxLastDim(TensorView x, int rows, int cols, boolean log, TensorView out) {
    makeCurrent.run();
    if (rows > 0) {
      kernels.launch(log ? CudaKernel.LOG_SOFTMAX_LASTDIM : CudaKernel.SOFTMAX_LASTDIM, rowBlocks(rows), 1,
          CudaKernels.BLOCK_THREADS, 0, stream, KernelArgs.of().ptr(ptr(x)).ptr(ptr(out)).i64(rows).i64(cols));
    }
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a, int aOffset, int lda,
      Storage b, int bOffset, int ldb, float beta, Storage c, int cOffset, int ldc) {
    makeCurrent.run();
    GemmShape s = new GemmShape(transA, transB, m, n, k, lda, ldb, ldc);
    if (a.dtype() == DType.BFLOAT16 && b.dtype() == DType.BFLOAT16 && c.dtype() == DType.FLOAT32) {
      kernels.gemmBf16(s, alpha, ptr(a, aOffset), ptr(b, bOffset), beta, ptr(c, cOffset), stream);
      return;
    }
    if (a.dtype() != DType.FLOAT32 || b.dtype() != DType.FLOAT32 || c.dtype() != DType.FLOAT32) {
      throw unsupported("matmul", a.dtype() != DType.FLOAT32 ? a.dtype() : b.dtype());
    }
    if (tf32) {
      kernels.gemmTf32(s, alpha, ptr(a, aOffset), ptr(b, bOffset), beta, ptr(c, cOffset), stream);
    } else {
      kernels.sgemm(s, alpha, ptr(a, aOffset), ptr(b, bOffset), beta, ptr(c, cOffset), stream);
    }
  }

  @Override
  public void crossEntropy(TensorView logits, TensorView target, int rows, int cols, long ignoreIndex,
      TensorView out) {
    makeCurrent.run();
    Storage rowLoss = scratch(Math.max(rows, 1));
    if (rows > 0) {
      kernels.launch(CudaKernel.CROSS_ENTROPY_ROWS, rowBlocks(rows), 1, CudaKernels.BLOCK_THREADS, 0, stream,
          KernelArgs.of().ptr(ptr(logits)).ptr(ptr(target)).ptr(ptr(rowLoss, 0)).i64(rows).i64(cols)
              .i64(ignoreIndex));
    }
    kernels.launch(CudaKernel.CROSS_ENTROPY_MEAN, 1, 1, CudaKernels.BLOCK_THREADS, 0, stream,
        KernelArgs.of().ptr(ptr(rowLoss, 0)).ptr(ptr(target)).i64(rows).i64(ignoreIndex).ptr(ptr(out)));
  }

  @Override
  public void crossEntropyBackward(TensorView logits, TensorView target, TensorView gradOut, TensorView meanOut,
      int rows, int cols, long ignoreIndex, TensorView grad) {
    makeCurrent.run();
    if (rows > 0) {
      kernels.launch(CudaKernel.CROSS_ENTROPY_BACKWARD, rowBlocks(rows), 1, CudaKernels.BLOCK_THREADS, 0, stream,
          KernelArgs.of().ptr(ptr(logits)).ptr(ptr(target)).ptr(ptr(gradOut)).ptr(ptr(meanOut)).ptr(ptr(grad))
              .i64(rows).i64(cols).i64(ignoreIndex));
    }
  }

  @Override
  public void sgdUpdate(TensorView p, TensorView g, TensorView buf, boolean firstStep, double lr, double momentum,
      double dampening, double weightDecay, boolean nesterov) {
    makeCurrent.run();
    kernels.sgdUpdate(ptr(p), ptr(g), buf == null ? null : ptr(buf), p.numel(), firstStep, lr, momentum, dampening,
        weightDecay, nesterov, stream);
  }

  // ------------------------------------------------------------------ convolution and pooling

  /** geometry = {kh, kw, strideH, strideW, padH, padW, dilH, dilW}; the kernels take pad before stride. */
  @Override
  public void im2col(TensorView images, int batch, int channels, int height, int width, int[] geometry, int outH,
      int outW, TensorView col) {
    makeCurrent.run();
    long n = (long) batch * channels * outH * outW;
    kernels.elementwise(CudaKernel.IM2COL, n, stream,
        convArgs(KernelArgs.of().ptr(ptr(images)).ptr(ptr(col)), batch, channels, height, width, geometry, outH,
            outW));
  }

  @Override
  public void col2im(TensorView col, int batch, int channels, int height, int width, int[] geometry, int outH,
      int outW, TensorView images) {
    makeCurrent.run();
    long n = (long) batch * channels * height * width;
    kernels.elementwise(CudaKernel.COL2IM, n, stream,
        convArgs(KernelArgs.of().ptr(ptr(col)).ptr(ptr(images)), batch, channels, height, width, geometry, outH,
            outW));
  }

  private static KernelArgs convArgs(KernelArgs args, int batch, int channels, int height, int width, int[] g,
      int outH, int outW) {
    return args.i64(batch).i64(channels).i64(height).i64(width).i32(g[0]).i32(g[1]).i32(g[4]).i32(g[5]).i32(g[2])
        .i32(g[3]).i32(g[6]).i32(g[7]).i64(outH).i64(outW);
  }

  private static KernelArgs poolArgs(KernelArgs args, int planes, int height, int width, int outH, int outW,
      int[] g) {
    return args.i64(planes).i64(height).i64(width).i64(outH).i64(outW).i32(g[0]).i32(g[1]).i32(g[2]).i32(g[3])
        .i32(g[4]).i32(g[5]).i32(g[6]).i32(g[7]);
  }

  @Override
  public void maxPool2d(TensorView x, int planes, int height, int width, int outH, int outW, int[] geometry,
      TensorView out, TensorView indices) {
    makeCurrent.run();
    long n = (long) planes * outH * outW;
    kernels.elementwise(CudaKernel.MAX_POOL2D, n, stream,
        poolArgs(KernelArgs.of().ptr(ptr(x)).ptr(ptr(out)).ptr(ptr(indices)), planes, height, width, outH, outW,
            geometry));
  }

  @Override
  public void maxPool2dBackward(TensorView gradOut, TensorView indices, int planes, int height, int width, int outH,
      int outW, int[] geometry, TensorView gradIn) {
    makeCurrent.run();
    long n = (long) planes * height * width;
    kernels.elementwise(CudaKernel.MAX_POOL2D_BACKWARD, n, stream,
        poolArgs(KernelArgs.of().ptr(ptr(gradOut)).ptr(ptr(indices)).ptr(ptr(gradIn)), planes, height, width, outH,
            outW, geometry));
  }

  private static KernelArgs avgPoolArgs(KernelArgs args, int planes, int height, int width, int outH, int outW,
      int[] g, boolean countIncludePad) {
    return args.i64(planes).i64(height).i64(width).i64(outH).i64(outW).i32(g[0]).i32(g[1]).i32(g[2]).i32(g[3])
        .i32(g[4]).i32(g[5]).i32(countIncludePad ? 1 : 0);
  }

  @Override
  public void avgPool2d(TensorView x, int planes, int height, int width, int outH, int outW, int[] geometry,
      boolean countIncludePad, TensorView out) {
    makeCurrent.run();
    long n = (long) planes * outH * outW;
    kernels.elementwise(CudaKernel.AVG_POOL2D, n, stream,
        avgPoolArgs(KernelArgs.of().ptr(ptr(x)).ptr(ptr(out)), planes, height, width, outH, outW, geometry,
        countIncludePad));
  }

  @Override
  public void avgPool2dBackward(TensorView gradOut, int planes, int height, int width, int outH, int outW,
      int[] geometry, boolean countIncludePad, TensorView gradIn) {
    makeCurrent.run();
    long n = (long) planes * height * width;
    kernels.elementwise(CudaKernel.AVG_POOL2D_BACKWARD, n, stream,
        avgPoolArgs(KernelArgs.of().ptr(ptr(gradOut)).ptr(ptr(gradIn)), planes, height, width, outH, outW, geometry,
        countIncludePad));
  }

  @Override
  public void synchronize() {
    makeCurrent.run();
    driver.synchronize(stream);
  }
}
