package dev.ddp4j.tensor.cpu;

import dev.ddp4j.tensor.Threads;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Row-major general matrix multiply on Java arrays, {@code C = alpha·op(A)·op(B) + beta·C}, the CPU
 * kernel under every matmul, linear layer and convolution.
 *
 * <p>All matrices are row-major with leading dimensions (the distance between rows). op(A) is m×k:
 * A itself is stored m×k, or k×m when {@code transA}; likewise op(B) is k×n and C is m×n. When
 * {@code beta == 0} C's old contents are ignored (NaN included); when {@code alpha == 0} or
 * {@code k == 0}, A and B are not read and C becomes beta·C. Each call is split over
 * {@link Threads#getNumThreads()} threads unless it is small.
 *
 * <p>Three implementations ({@link Kernel}); the first use picks one and logs it once at INFO:
 * native OpenBLAS when found and loadable, else the Vector API kernel when the module
 * {@code jdk.incubator.vector} is present, else plain loops. {@code -D}{@value #KERNEL_PROPERTY}
 * {@code =native|vector|java} forces one; a forced kernel that cannot run makes every call throw
 * {@link IllegalStateException} naming the reason. Safe to call from any thread, also concurrently.
 */
public final class Gemm {

  /** System property forcing a kernel: {@code native}, {@code vector} or {@code java}. */
  public static final String KERNEL_PROPERTY = "ddp4j.gemm";

  private static final Logger LOG = LoggerFactory.getLogger(Gemm.class);
  private static final Object SELECT_LOCK = new Object();
  /** The chosen kernel once selection succeeded; null before. */
  private static volatile Kernel selected;
  /** Why a forced kernel cannot run; set instead of {@link #selected}. */
  private static volatile String selectionError;

  private Gemm() {}

  /** The GEMM implementations. Each validates its arguments like {@link Gemm#sgemm}. */
  public enum Kernel {
    /** OpenBLAS through netlib's JNI glue, one single-threaded BLAS call per thread band. */
    NATIVE("native"),
    /** Pure Java: packed panels and a register-tiled FMA micro-kernel on {@code jdk.incubator.vector}. */
    VECTOR("vector"),
    /** Pure Java plain loops, blocked; works on any JVM. */
    JAVA("java");

    private final String id;

    Kernel(String id) {
      this.id = id;
    }

    /** The name {@value Gemm#KERNEL_PROPERTY} and the benchmark use: native, vector or java. */
    public String id() {
      return id;
    }

    /** Parses {@link #id()}, case-insensitively. */
    public static Kernel fromId(String id) {
      for (Kernel kernel : values()) {
        if (kernel.id.equalsIgnoreCase(id.trim())) {
          return kernel;
        }
      }
      throw new IllegalArgumentException("unknown GEMM kernel '" + id + "', expected native, vector or java");
    }

    /** Whether this kernel can run in this JVM; for {@link #NATIVE} the first call searches for OpenBLAS. */
    public boolean isAvailable() {
      return unavailableReason() == null;
    }

    /** Why this kernel cannot run in this JVM, or null when it can. */
    public String unavailableReason() {
      return switch (this) {
        case NATIVE -> NativeBlas.unavailableReason();
        case VECTOR -> vectorModulePresent() ? null
            : "module jdk.incubator.vector is not present (start java with --add-modules jdk.incubator.vector)";
        case JAVA -> null;
      };
    }

    /** A human description, e.g. "OpenBLAS (native, /usr/lib/.../libblas.so.3) via netlib". */
    public String description() {
      return switch (this) {
        case NATIVE -> isAvailable()
            ? "OpenBLAS (native, " + NativeBlas.path() + ") via netlib" : "OpenBLAS (unavailable)";
        case VECTOR -> isAvailable()
            ? "Vector API (" + VectorSgemm.describe() + ", pure Java)" : "Vector API (unavailable)";
        case JAVA -> "plain Java loops";
      };
    }

    /** {@link Gemm#sgemm} on this kernel; throws {@link IllegalStateException} if it is unavailable. */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
        float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
      checkArgs(transA, transB, m, n, k, a, a == null ? 0 : a.length, aOff, lda, b, b == null ? 0 : b.length,
          bOff, ldb, c, c == null ? 0 : c.length, cOff, ldc);
      requireAvailable();
      if (m == 0 || n == 0) {
        return;
      }
      if (k == 0 || alpha == 0f) {
        GemmSupport.scale(beta, c, cOff, ldc, 0, m, 0, n);
        return;
      }
      switch (this) {
        case NATIVE -> NativeBlas.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        case VECTOR -> VectorSgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        case JAVA -> PlainGemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      }
    }

    /** {@link Gemm#dgemm} on this kernel; throws {@link IllegalStateException} if it is unavailable. */
    public void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
        double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
      checkArgs(transA, transB, m, n, k, a, a == null ? 0 : a.length, aOff, lda, b, b == null ? 0 : b.length,
          bOff, ldb, c, c == null ? 0 : c.length, cOff, ldc);
      requireAvailable();
      if (m == 0 || n == 0) {
        return;
      }
      if (k == 0 || alpha == 0d) {
        GemmSupport.scale(beta, c, cOff, ldc, 0, m, 0, n);
        return;
      }
      switch (this) {
        case NATIVE -> NativeBlas.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        case VECTOR -> VectorDgemm.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        case JAVA -> PlainGemm.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      }
    }

    private void requireAvailable() {
      String reason = unavailableReason();
      if (reason != null) {
        throw new IllegalStateException("GEMM kernel '" + id + "' is unavailable: " + reason);
      }
    }
  }

  /**
   * C[m×n] = alpha·op(A)·op(B) + beta·C in float32, on the selected kernel.
   *
   * @param transA whether A is stored k×m (op(A) = Aᵀ) rather than m×k
   * @param transB whether B is stored n×k (op(B) = Bᵀ) rather than k×n
   * @param lda    distance between rows of A as stored, at least max(1, its width)
   * @throws IllegalArgumentException for negative sizes or offsets, leading dimensions below the
   *     stored width, or arrays too short for the matrices they must hold
   * @throws IllegalStateException    if the kernel forced by {@value #KERNEL_PROPERTY} cannot run
   */
  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    selectedKernel().sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /** C[m×n] = alpha·op(A)·op(B) + beta·C in float64; same contract as {@link #sgemm}. */
  public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
    selectedKernel().dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /** The kernel {@link #sgemm} and {@link #dgemm} use; selects and logs it on first call. */
  public static Kernel selectedKernel() {
    Kernel k = selected;
    if (k != null) {
      return k;
    }
    synchronized (SELECT_LOCK) {
      if (selected == null && selectionError == null) {
        Choice choice = choose(System.getProperty(KERNEL_PROPERTY));
        if (choice.kernel == null) {
          selectionError = choice.why;
        } else {
          LOG.info("GEMM kernel: {}; {} threads; {}", choice.kernel.description(), Threads.getNumThreads(), choice.why);
          selected = choice.kernel;
        }
      }
      if (selected == null) {
        throw new IllegalStateException(selectionError);
      }
      return selected;
    }
  }

  /** A human description of the selected kernel, e.g. "Vector API (FloatVector 512-bit, pure Java)". */
  public static String kernelName() {
    return selectedKernel().description();
  }

  /** A kernel choice and the reason for it; {@code kernel} is null when a forced kernel cannot run. */
  record Choice(Kernel kernel, String why) {}

  /**
   * Chooses a kernel for the value of {@value #KERNEL_PROPERTY} (null or blank or "auto": the
   * first available of native, vector, java).
   */
  static Choice choose(String forced) {
    if (forced != null && !forced.isBlank() && !forced.trim().equalsIgnoreCase("auto")) {
      Kernel kernel;
      try {
        kernel = Kernel.fromId(forced.toLowerCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        return new Choice(null, "-D" + KERNEL_PROPERTY + "=" + forced + " is not one of native, vector, java, auto");
      }
      String reason = kernel.unavailableReason();
      return reason == null
          ? new Choice(kernel, "forced by -D" + KERNEL_PROPERTY + "=" + forced)
          : new Choice(null, "-D" + KERNEL_PROPERTY + "=" + forced + " forces a kernel that cannot run: " + reason);
    }
    String nativeReason = Kernel.NATIVE.unavailableReason();
    if (nativeReason == null) {
      return new Choice(Kernel.NATIVE, "OpenBLAS found");
    }
    String vectorReason = Kernel.VECTOR.unavailableReason();
    if (vectorReason == null) {
      return new Choice(Kernel.VECTOR, "no native BLAS: " + nativeReason);
    }
    return new Choice(Kernel.JAVA, "no native BLAS: " + nativeReason + "; no Vector API: " + vectorReason);
  }

  static boolean vectorModulePresent() {
    return VectorModule.present();
  }

  /**
   * Validates GEMM arguments; the array parameters are Objects so float[] and double[] share it.
   *
   * @throws IllegalArgumentException naming the first bad argument and its value
   */
  static void checkArgs(boolean transA, boolean transB, int m, int n, int k,
      Object a, int aLen, int aOff, int lda, Object b, int bLen, int bOff, int ldb,
      Object c, int cLen, int cOff, int ldc) {
    checkNonNegative("m", m);
    checkNonNegative("n", n);
    checkNonNegative("k", k);
    // Stored shapes (rows × cols) of A and B.
    int aRows = transA ? k : m;
    int aCols = transA ? m : k;
    int bRows = transB ? n : k;
    int bCols = transB ? k : n;
    checkLeading("lda", lda, aCols, transA ? "m" : "k", "transA", transA);
    checkLeading("ldb", ldb, bCols, transB ? "k" : "n", "transB", transB);
    if (ldc < Math.max(1, n)) {
      throw new IllegalArgumentException("ldc must be >= max(1, n) = " + Math.max(1, n) + ", got " + ldc);
    }
    checkNonNegative("aOff", aOff);
    checkNonNegative("bOff", bOff);
    checkNonNegative("cOff", cOff);
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    Objects.requireNonNull(c, "c");
    checkLength("a", aLen, aOff, lda, aRows, aCols);
    checkLength("b", bLen, bOff, ldb, bRows, bCols);
    checkLength("c", cLen, cOff, ldc, m, n);
  }

  private static void checkNonNegative(String name, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + value);
    }
  }

  private static void checkLeading(String name, int ld, int width, String widthName, String flag, boolean flagValue) {
    if (ld < Math.max(1, width)) {
      throw new IllegalArgumentException(name + " must be >= max(1, " + widthName + ") = " + Math.max(1, width)
          + " when " + flag + " is " + flagValue + ", got " + ld);
    }
  }

  private static void checkLength(String name, int length, int off, int ld, int rows, int cols) {
    long need = rows == 0 || cols == 0 ? off : off + (long) (rows - 1) * ld + cols;
    if (length < need) {
      throw new IllegalArgumentException(name + ".length must be >= " + need + " for " + name + "Off=" + off
          + ", ld" + name + "=" + ld + " and a " + rows + "x" + cols + " matrix, got " + length);
    }
  }
}
