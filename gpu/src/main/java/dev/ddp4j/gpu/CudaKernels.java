package dev.ddp4j.gpu;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The ddp4j kernels loaded into one CUDA context: every {@link CudaKernel}'s PTX module loaded with
 * {@code cuModuleLoadData} (the driver JIT-compiles it for the GPU) and its function resolved by name,
 * with launch helpers that pick the grid and pack the arguments. Every launch is checked against the
 * kernel's parameter types in the PTX, so a Java helper and a kernel signature cannot silently disagree.
 *
 * <p>Lifetimes: {@link #load} needs the owning context current on the calling thread (JCuda's driver
 * API with exceptions enabled, as {@link CudaBackend}'s probe leaves it); {@link #close} unloads the
 * modules, after which the functions are invalid. Threads: launches go to the given stream (the
 * legacy default stream when null) and return without waiting; the caller owns every device pointer
 * and synchronises. The context must be current on whichever thread launches.
 */
public final class CudaKernels implements AutoCloseable {
  /** Threads per block of the elementwise, reduction and GEMM kernels (they are written for it). */
  public static final int BLOCK_THREADS = 256;
  /** Cap on the blocks of a grid-stride launch: enough to fill any current GPU several times over. */
  private static final int MAX_GRID_STRIDE_BLOCKS = 1 << 16;
  /** Output tile of all three GEMM kernels, rows and columns. */
  private static final int GEMM_TILE = 128;
  /** Largest grid y (and z) dimension CUDA allows. */
  private static final int MAX_GRID_Y = 65_535;

  /** Where launches go: {@code cuLaunchKernel}, or a recorder in tests on hosts without a GPU. */
  interface Launcher {
    void launch(CudaKernel kernel, int gridX, int gridY, int blockX, int sharedBytes, CUstream stream, Pointer params);
  }

  private final String target;
  private final List<CUmodule> modules;
  private final Map<CudaKernel, List<String>> signatures;
  private final Launcher launcher;
  private boolean closed;

  private CudaKernels(String target, List<CUmodule> modules, Map<CudaKernel, List<String>> signatures,
      Launcher launcher) {
    this.target = target;
    this.modules = modules;
    this.signatures = signatures;
    this.launcher = launcher;
  }

  /**
   * Kernels that are not loaded: launches go to {@code launcher} after the same argument checks.
   * For checking the helpers' arguments against the PTX without a GPU.
   */
  static CudaKernels unloaded(String target, Launcher launcher) {
    return new CudaKernels(target, List.of(), signatures(target), launcher);
  }

  private static Map<CudaKernel, List<String>> signatures(String target) {
    Map<String, Map<String, List<String>>> byModule = new HashMap<>();
    Map<CudaKernel, List<String>> signatures = new EnumMap<>(CudaKernel.class);
    for (CudaKernel k : CudaKernel.values()) {
      List<String> types = byModule.computeIfAbsent(k.module(), m -> Ptx.signatures(Ptx.read(target, m))).get(k.entry());
      if (types == null) {
        throw new IllegalStateException("kernel " + k.entry() + " not found in " + Ptx.resourcePath(target, k.module()));
      }
      signatures.put(k, types);
    }
    return signatures;
  }

  /**
   * Loads every module for a GPU of compute capability {@code major.minor} into the current context.
   *
   * @throws IllegalArgumentException below compute capability 8.0
   * @throws IllegalStateException if a PTX resource is missing, fails to load (the driver's error,
   *     e.g. {@code CUDA_ERROR_UNSUPPORTED_PTX_VERSION} with a driver older than the toolkit that built
   *     the PTX), or lacks a kernel
   */
  public static CudaKernels load(int major, int minor) {
    String target = Ptx.targetFor(major, minor);
    Map<CudaKernel, List<String>> signatures = signatures(target);
    Set<String> moduleNames = new TreeSet<>();
    for (CudaKernel k : CudaKernel.values()) {
      moduleNames.add(k.module());
    }
    List<CUmodule> modules = new ArrayList<>();
    Map<CudaKernel, CUfunction> functions = new EnumMap<>(CudaKernel.class);
    try {
      for (String name : moduleNames) {
        CUmodule module = new CUmodule();
        try {
          JCudaDriver.cuModuleLoadData(module, Ptx.image(Ptx.read(target, name)));
        } catch (CudaException e) {
          throw new IllegalStateException("loading " + Ptx.resourcePath(target, name) + " failed: " + e.getMessage(), e);
        }
        modules.add(module);
        for (CudaKernel k : CudaKernel.values()) {
          if (k.module().equals(name)) {
            CUfunction f = new CUfunction();
            try {
              JCudaDriver.cuModuleGetFunction(f, module, k.entry());
            } catch (CudaException e) {
              throw new IllegalStateException("kernel " + k.entry() + " not found in " + Ptx.resourcePath(target, name)
                  + ": " + e.getMessage(), e);
            }
            functions.put(k, f);
          }
        }
      }
    } catch (RuntimeException e) {
      modules.forEach(JCudaDriver::cuModuleUnload);
      throw e;
    }
    Launcher driver = (kernel, gridX, gridY, blockX, sharedBytes, stream, params) -> JCudaDriver.cuLaunchKernel(
        functions.get(kernel), gridX, gridY, 1, blockX, 1, 1, sharedBytes, stream, params, null);
    return new CudaKernels(target, List.copyOf(modules), signatures, driver);
  }

  /** The PTX target that was loaded ({@code compute_90} or {@code compute_80}). */
  public String target() {
    return target;
  }

  /**
   * Launches {@code kernel} on a {@code gridX x gridY} grid of 1-d blocks with {@code args} in the
   * order of its parameters.
   *
   * @throws IllegalArgumentException if the arguments' types differ from the kernel's PTX parameters
   * @throws IllegalStateException after {@link #close}
   */
  public void launch(CudaKernel kernel, int gridX, int gridY, int blockX, int sharedBytes, CUstream stream,
      KernelArgs args) {
    if (closed) {
      throw new IllegalStateException("the CUDA kernels were unloaded");
    }
    List<String> expected = signatures.get(kernel);
    if (!expected.equals(args.ptxTypes())) {
      throw new IllegalArgumentException(kernel.entry() + " takes (" + String.join(", ", expected) + ") but was given ("
          + String.join(", ", args.ptxTypes()) + ")");
    }
    launcher.launch(kernel, gridX, gridY, blockX, sharedBytes, stream, args.kernelParams());
  }

  /** Blocks of {@link #BLOCK_THREADS} for a grid-stride loop over {@code n} elements ({@code n > 0}). */
  static int gridStrideBlocks(long n) {
    return (int) Math.min((n + BLOCK_THREADS - 1) / BLOCK_THREADS, MAX_GRID_STRIDE_BLOCKS);
  }

  /** Launches a grid-stride kernel over {@code n} elements (nothing when {@code n == 0}). */
  void elementwise(CudaKernel kernel, long n, CUstream stream, KernelArgs args) {
    if (n > 0) {
      launch(kernel, gridStrideBlocks(n), 1, BLOCK_THREADS, 0, stream, args);
    }
  }

  /** {@code out[i] = value} for {@code i < n}. */
  public void fill(CUdeviceptr out, long n, float value, CUstream stream) {
    elementwise(CudaKernel.FILL, n, stream, KernelArgs.of().ptr(out).f32(value).i64(n));
  }

  /** {@code out = a + b} with PyTorch broadcasting as described by {@code shape}. */
  public void add(StridedShape shape, CUdeviceptr a, CUdeviceptr b, CUdeviceptr out, CUstream stream) {
    elementwise(CudaKernel.ADD_BCAST, shape.numel(), stream, KernelArgs.of().shape(shape).ptr(a).ptr(b).ptr(out));
  }

  /** {@code out[i] = max(x[i], 0)} (NaN stays NaN) for contiguous arrays of {@code n} floats. */
  public void relu(CUdeviceptr x, CUdeviceptr out, long n, CUstream stream) {
    elementwise(CudaKernel.RELU, n, stream, KernelArgs.of().ptr(x).ptr(out).i64(n));
  }

  /** {@code out[i] = bf16(x[i])}, rounded to nearest even: the input format of {@link #gemmBf16}. */
  public void f32ToBf16(CUdeviceptr x, CUdeviceptr out, long n, CUstream stream) {
    elementwise(CudaKernel.F32_TO_BF16, n, stream, KernelArgs.of().ptr(x).ptr(out).i64(n));
  }

  /**
   * One SGD step of a dense float32 parameter {@code p} of {@code n} elements, in place, bit for bit
   * as the CPU's fused kernel ({@code dev.ddp4j.tensor.optim.SgdKernel}): the same float-rounded
   * scalars and the same operation order. {@code buf} is null without momentum.
   */
  public void sgdUpdate(CUdeviceptr p, CUdeviceptr g, CUdeviceptr buf, long n, boolean firstStep, double lr,
      double momentum, double dampening, double weightDecay, boolean nesterov, CUstream stream) {
    int flags = (buf != null ? 1 : 0) | (firstStep ? 2 : 0) | (nesterov ? 4 : 0) | (weightDecay != 0 ? 8 : 0);
    // The scalars rounded to float exactly as SgdKernel rounds them.
    elementwise(CudaKernel.SGD_UPDATE, n, stream, KernelArgs.of().ptr(p).ptr(g).ptr(buf).i64(n).f32((float) -lr)
        .f32((float) momentum).f32((float) (1 - dampening)).f32((float) weightDecay).i32(flags));
  }

  /**
   * {@code C = alpha * op(A) * op(B) + beta * C} in exact float32 (row-major; see {@link GemmShape}).
   */
  public void sgemm(GemmShape s, float alpha, CUdeviceptr a, CUdeviceptr b, float beta, CUdeviceptr c, CUstream stream) {
    gemm(CudaKernel.SGEMM, s, alpha, a, b, beta, c, stream);
  }

  /** As {@link #sgemm} on the tensor cores with TF32 inputs (about 3 significant digits) and float32 sums. */
  public void gemmTf32(GemmShape s, float alpha, CUdeviceptr a, CUdeviceptr b, float beta, CUdeviceptr c,
      CUstream stream) {
    gemm(CudaKernel.GEMM_TF32, s, alpha, a, b, beta, c, stream);
  }

  /** As {@link #sgemm} with bfloat16 {@code a} and {@code b} (2-byte elements), float32 sums and {@code c}. */
  public void gemmBf16(GemmShape s, float alpha, CUdeviceptr a, CUdeviceptr b, float beta, CUdeviceptr c,
      CUstream stream) {
    gemm(CudaKernel.GEMM_BF16, s, alpha, a, b, beta, c, stream);
  }

  private void gemm(CudaKernel kernel, GemmShape s, float alpha, CUdeviceptr a, CUdeviceptr b, float beta,
      CUdeviceptr c, CUstream stream) {
    if (s.m() == 0 || s.n() == 0) {
      return;
    }
    long gridX = (s.n() + GEMM_TILE - 1) / GEMM_TILE;
    long gridY = (s.m() + GEMM_TILE - 1) / GEMM_TILE;
    if (gridY > MAX_GRID_Y || gridX > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("GEMM of " + s + " exceeds the grid limits (M at most "
          + (long) MAX_GRID_Y * GEMM_TILE + ")");
    }
    launch(kernel, (int) gridX, (int) gridY, BLOCK_THREADS, 0, stream, KernelArgs.of()
        .i32(s.transA() ? 1 : 0).i32(s.transB() ? 1 : 0).i64(s.m()).i64(s.n()).i64(s.k())
        .f32(alpha).ptr(a).i64(s.lda()).ptr(b).i64(s.ldb()).f32(beta).ptr(c).i64(s.ldc()));
  }

  /** Unloads the modules; idempotent. The context must be current. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      modules.forEach(JCudaDriver::cuModuleUnload);
    }
  }
}
