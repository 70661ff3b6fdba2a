package dev.ddp4j.tensor.cpu;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GEMM on OpenBLAS through netlib-java's JNI glue ({@code dev.ludovic.netlib:blas}).
 *
 * <p>netlib {@code dlopen}s whatever {@code libblas.so.3} the system alternatives point at, which
 * may be the reference BLAS (20× slower than OpenBLAS and slower than our Java kernels). So OpenBLAS
 * is located explicitly and its path handed to netlib through
 * {@value #NETLIB_PATH_PROPERTY} before netlib's classes are first touched; without OpenBLAS no
 * native BLAS is used at all. If other code initialises netlib's {@code BLAS} first, the property
 * comes too late and netlib keeps the library it chose.
 *
 * <p>ddp4j parallelises each GEMM itself (bands of C over {@link dev.ddp4j.tensor.Threads}, one
 * single-threaded BLAS call per band), so OpenBLAS's own threads must be off:
 * {@code OPENBLAS_NUM_THREADS=1}, as the launcher and the test JVMs set it. OpenBLAS is called
 * from several threads at once; it supports that.
 */
final class NativeBlas {

  /** System property naming the OpenBLAS library to use instead of searching the default places. */
  static final String PATH_PROPERTY = "ddp4j.blas.path";
  /** netlib's system property for the BLAS library its JNI glue loads. */
  static final String NETLIB_PATH_PROPERTY = "dev.ludovic.netlib.blas.nativeLibPath";
  /** Debian/Ubuntu OpenBLAS variants, in order of preference, under /usr/lib/TRIPLET/. */
  private static final String[] VARIANT_DIRS = {"openblas-pthread", "openblas-openmp", "openblas-serial"};

  /** Rows or columns of a thread band are whole multiples of this (OpenBLAS's widest AVX-512 unroll). */
  private static final int BAND_UNIT = 16;

  private static final Logger LOG = LoggerFactory.getLogger(NativeBlas.class);

  private NativeBlas() {}

  /** Outcome of locating and loading OpenBLAS; computed once. */
  static final class Status {
    final BLAS blas;
    final String path;
    final String reason;

    private Status(BLAS blas, String path, String reason) {
      this.blas = blas;
      this.path = path;
      this.reason = reason;
    }
  }

  private static final class Holder {
    static final Status STATUS = load();
  }

  /** Whether OpenBLAS was found and loaded; triggers the search and load on first call. */
  static boolean isAvailable() {
    return Holder.STATUS.blas != null;
  }

  /** The loaded library's path, or null. */
  static String path() {
    return Holder.STATUS.path;
  }

  /** Why OpenBLAS is not used, or null when it is available. */
  static String unavailableReason() {
    return Holder.STATUS.reason;
  }

  /** Same contract as {@link Gemm#sgemm}; arguments already validated, m, n, k > 0 and alpha != 0. */
  static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    BLAS blas = Holder.STATUS.blas;
    // Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands, same storage.
    GemmSupport.forEachBand(m, n, k, BAND_UNIT, BAND_UNIT, (r0, r1, c0, c1) -> blas.sgemm(
        transB ? "T" : "N", transA ? "T" : "N", c1 - c0, r1 - r0, k, alpha,
        b, bOff + (transB ? c0 * ldb : c0), ldb,
        a, aOff + (transA ? r0 : r0 * lda), lda,
        beta, c, cOff + r0 * ldc + c0, ldc));
  }

  /** Same contract as {@link Gemm#dgemm}; arguments already validated, m, n, k > 0 and alpha != 0. */
  static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
    BLAS blas = Holder.STATUS.blas;
    GemmSupport.forEachBand(m, n, k, BAND_UNIT, BAND_UNIT, (r0, r1, c0, c1) -> blas.dgemm(
        transB ? "T" : "N", transA ? "T" : "N", c1 - c0, r1 - r0, k, alpha,
        b, bOff + (transB ? c0 * ldb : c0), ldb,
        a, aOff + (transA ? r0 : r0 * lda), lda,
        beta, c, cOff + r0 * ldc + c0, ldc));
  }

  /** The places searched for OpenBLAS, in order, when {@value #PATH_PROPERTY} is not set. */
  static List<Path> candidates() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String triplet = switch (arch) {
      case "amd64", "x86_64" -> "x86_64-linux-gnu";
      case "aarch64", "arm64" -> "aarch64-linux-gnu";
      case "riscv64" -> "riscv64-linux-gnu";
      default -> arch + "-linux-gnu";
    };
    List<Path> paths = new ArrayList<>();
    for (String dir : VARIANT_DIRS) {
      paths.add(Path.of("/usr/lib", triplet, dir, "libblas.so.3"));
    }
    return paths;
  }

  private static Status load() {
    String path;
    String configured = System.getProperty(PATH_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      if (!Files.isReadable(Path.of(configured))) {
        return new Status(null, null, "-D" + PATH_PROPERTY + "=" + configured + " is not a readable file");
      }
      path = configured;
    } else {
      path = null;
      for (Path p : candidates()) {
        if (Files.isReadable(p)) {
          path = p.toString();
          break;
        }
      }
      if (path == null) {
        return new Status(null, null, "no OpenBLAS found (looked for " + candidates() + ")");
      }
    }
    System.setProperty(NETLIB_PATH_PROPERTY, path);
    BLAS blas;
    try {
      blas = NativeBLAS.getInstance();
    } catch (Throwable t) { // UnsatisfiedLinkError, RuntimeException from netlib's loader, ...
      return new Status(null, null, "netlib could not load " + path + ": " + t);
    }
    String selfCheck = selfCheck(blas);
    if (selfCheck != null) {
      return new Status(null, null, path + " failed a 2×3·3×2 self-check: " + selfCheck);
    }
    String envThreads = System.getenv("OPENBLAS_NUM_THREADS");
    if (!"1".equals(envThreads)) {
      LOG.warn("OPENBLAS_NUM_THREADS is {}, not 1: OpenBLAS may start its own threads inside ddp4j's and "
          + "oversubscribe the cores (results stay correct). The ddp4j launcher and the test JVMs set it to 1.",
          envThreads == null ? "unset" : envThreads);
    }
    return new Status(blas, path, null);
  }

  /** Multiplies small known matrices through the row-major wrapper; returns a mismatch, or null. */
  private static String selfCheck(BLAS blas) {
    float[] a = {1, 2, 3, 4, 5, 6};        // 2×3
    float[] b = {7, 8, 9, 10, 11, 12};     // 3×2
    float[] c = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] want = {58, 64, 139, 154};
    blas.sgemm("N", "N", 2, 2, 3, 1f, b, 0, 2, a, 0, 3, 0f, c, 0, 2);
    for (int i = 0; i < 4; i++) {
      if (c[i] != want[i]) {
        return "got " + java.util.Arrays.toString(c) + ", want " + java.util.Arrays.toString(want);
      }
    }
    return null;
  }
}
