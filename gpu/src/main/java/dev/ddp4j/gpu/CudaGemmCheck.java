package dev.ddp4j.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

/**
 * Checks the three GEMM kernels against a float64 CPU reference and times them, printing a table:
 * {@code java -cp <ddp4j-gpu, ddp4j-tensor, jcuda, jcuda-natives, slf4j-api jars> dev.ddp4j.gpu.CudaGemmCheck [size]}
 * (default size 4096: the timed product is size x size x size). Exits 0 when every result is within its
 * tolerance, 1 otherwise, 2 without a CUDA device.
 *
 * <p>Error measure: {@code max |C - R| / max |R|} over the checked entries, R the reference computed in
 * float64 from the float32 inputs (for BF16 too, so its error includes the input rounding); it is
 * infinite if the kernel wrote into C's padding (columns n to ldc). Products
 * too large for the CPU reference are checked on {@value #SAMPLED_ENTRIES} random entries.
 * Single-threaded: the caller's thread must have the context current.
 */
public final class CudaGemmCheck {
  /** Entries of C checked against the reference when the whole product is too costly on the CPU. */
  static final int SAMPLED_ENTRIES = 512;
  /** Above this many multiply-adds the reference is sampled rather than complete. */
  private static final double FULL_REFERENCE_MAX_MACS = 2e8;
  private static final int TIMED_REPEATS = 10;
  private static final int DEFAULT_TIMED_SIZE = 4096;
  private static final int BF16_BYTES = 2;

  private CudaGemmCheck() {}

  /** A GEMM kernel and the largest relative error it may show against the float64 reference. */
  public enum Precision {
    EXACT_FP32(1e-4), TF32(1e-2), BF16(2e-2);

    private final double tolerance;

    Precision(double tolerance) {
      this.tolerance = tolerance;
    }

    public double tolerance() {
      return tolerance;
    }
  }

  /** One checked (and possibly timed) product; {@code millis} is NaN when not timed. */
  public record Result(Precision precision, GemmShape shape, float alpha, float beta, boolean sampled,
      double relativeError, double millis) {
    public boolean withinTolerance() {
      return relativeError <= precision.tolerance();
    }

    public double teraflops() {
      return shape.flops() / (millis * 1e-3) / 1e12;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%-10s %s%s %5d %5d %5d  alpha=%.2f beta=%.2f  rel.err %.2e (tol %.0e%s)%s",
          precision, shape.transA() ? "T" : "N", shape.transB() ? "T" : "N", shape.m(), shape.n(), shape.k(), alpha, beta,
          relativeError, precision.tolerance(), sampled ? ", sampled" : "",
          Double.isNaN(millis) ? "" : String.format(Locale.ROOT, "  %.3f ms  %.1f TFLOP/s", millis, teraflops()));
    }
  }

  public static void main(String[] args) {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_TIMED_SIZE;
    if (!new CudaBackend().probe().available()) {
      System.out.println("no CUDA device: " + new CudaBackend().probe().description());
      System.exit(2);
    }
    boolean ok = true;
    try (CudaContext ctx = CudaContext.primary(0); CudaKernels kernels = ctx.loadKernels()) {
      System.out.println("PTX target " + kernels.target() + ", compute capability " + ctx.computeMajor() + "."
          + ctx.computeMinor());
      List<Result> results = new ArrayList<>();
      for (Precision p : Precision.values()) {
        for (int t = 0; t < 4; t++) {
          results.add(check(kernels, p, GemmShape.packed((t & 1) != 0, (t & 2) != 0, 517, 389, 263), 1.5f, 0.5f, 7 + t, 0));
        }
        results.add(check(kernels, p, GemmShape.packed(false, false, size, size, size), 1f, 0f, 11, TIMED_REPEATS));
      }
      for (Result r : results) {
        System.out.println((r.withinTolerance() ? "ok   " : "FAIL ") + r);
        ok &= r.withinTolerance();
      }
    }
    System.exit(ok ? 0 : 1);
  }

  /**
   * Runs one product of {@code precision} on random inputs (uniform in [-1, 1), from {@code seed}) and
   * compares it with the reference; when {@code timedRepeats > 0}, also times that many repeats after
   * one warm-up and reports the mean. With {@code beta == 0}, C starts as NaN, to show it is not read.
   */
  public static Result check(CudaKernels kernels, Precision precision, GemmShape s, float alpha, float beta, long seed,
      int timedRepeats) {
    SplittableRandom random = new SplittableRandom(seed);
    long aRows = s.transA() ? s.k() : s.m();
    long bRows = s.transB() ? s.n() : s.k();
    float[] a = randomMatrix(random, aRows, s.lda());
    float[] b = randomMatrix(random, bRows, s.ldb());
    float[] c0 = beta == 0 ? nanMatrix(s.m(), s.ldc()) : randomMatrix(random, s.m(), s.ldc());
    List<CUdeviceptr> allocated = new ArrayList<>();
    try {
      CUdeviceptr dA = upload(a, allocated);
      CUdeviceptr dB = upload(b, allocated);
      CUdeviceptr dC = upload(c0, allocated);
      if (precision == Precision.BF16) {
        dA = toBf16(kernels, dA, a.length, allocated);
        dB = toBf16(kernels, dB, b.length, allocated);
      }
      run(kernels, precision, s, alpha, dA, dB, beta, dC);
      float[] c = new float[c0.length];
      JCudaDriver.cuMemcpyDtoH(Pointer.to(c), dC, (long) c.length * Sizeof.FLOAT);
      boolean sampled = s.flops() / 2 > FULL_REFERENCE_MAX_MACS;
      double error = paddingUntouched(s, c0, c) ? relativeError(s, alpha, a, b, beta, c0, c, sampled, random)
          : Double.POSITIVE_INFINITY;
      double millis = timedRepeats > 0 ? time(kernels, precision, s, dA, dB, dC, timedRepeats) : Double.NaN;
      return new Result(precision, s, alpha, beta, sampled, error, millis);
    } finally {
      allocated.forEach(JCudaDriver::cuMemFree);
    }
  }

  private static void run(CudaKernels kernels, Precision p, GemmShape s, float alpha, CUdeviceptr a, CUdeviceptr b,
      float beta, CUdeviceptr c) {
    switch (p) {
      case EXACT_FP32 -> kernels.sgemm(s, alpha, a, b, beta, c, null);
      case TF32 -> kernels.gemmTf32(s, alpha, a, b, beta, c, null);
      case BF16 -> kernels.gemmBf16(s, alpha, a, b, beta, c, null);
    }
  }

  /** Mean milliseconds of {@code repeats} products (beta 0), after one warm-up, timed with events. */
  private static double time(CudaKernels kernels, Precision p, GemmShape s, CUdeviceptr a, CUdeviceptr b,
      CUdeviceptr c, int repeats) {
    CUevent start = new CUevent();
    CUevent stop = new CUevent();
    JCudaDriver.cuEventCreate(start, 0);
    JCudaDriver.cuEventCreate(stop, 0);
    try {
      run(kernels, p, s, 1f, a, b, 0f, c);
      JCudaDriver.cuEventRecord(start, null);
      for (int i = 0; i < repeats; i++) {
        run(kernels, p, s, 1f, a, b, 0f, c);
      }
      JCudaDriver.cuEventRecord(stop, null);
      JCudaDriver.cuEventSynchronize(stop);
      float[] ms = new float[1];
      JCudaDriver.cuEventElapsedTime(ms, start, stop);
      return ms[0] / repeats;
    } finally {
      JCudaDriver.cuEventDestroy(start);
      JCudaDriver.cuEventDestroy(stop);
    }
  }

  /** Whether the columns of C past n (up to ldc) kept their bits: a GEMM writes only its m x n entries. */
  private static boolean paddingUntouched(GemmShape s, float[] c0, float[] c) {
    for (long i = 0; i < s.m(); i++) {
      for (long j = s.n(); j < s.ldc(); j++) {
        int at = (int) (i * s.ldc() + j);
        if (Float.floatToRawIntBits(c0[at]) != Float.floatToRawIntBits(c[at])) {
          return false;
        }
      }
    }
    return true;
  }

  private static double relativeError(GemmShape s, float alpha, float[] a, float[] b, float beta, float[] c0, float[] c,
      boolean sampled, SplittableRandom random) {
    double maxDiff = 0;
    double maxRef = 0;
    long entries = sampled ? SAMPLED_ENTRIES : s.m() * s.n();
    for (long e = 0; e < entries; e++) {
      long i = sampled ? random.nextLong(s.m()) : e / s.n();
      long j = sampled ? random.nextLong(s.n()) : e % s.n();
      double sum = 0;
      for (long k = 0; k < s.k(); k++) {
        float x = a[(int) (s.transA() ? k * s.lda() + i : i * s.lda() + k)];
        float y = b[(int) (s.transB() ? j * s.ldb() + k : k * s.ldb() + j)];
        sum += (double) x * y;
      }
      int ci = (int) (i * s.ldc() + j);
      double ref = alpha * sum + (beta == 0 ? 0 : (double) beta * c0[ci]);
      double diff = Math.abs(c[ci] - ref);
      maxDiff = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, diff);
      maxRef = Math.max(maxRef, Math.abs(ref));
    }
    return maxRef == 0 ? maxDiff : maxDiff / maxRef;
  }

  private static float[] randomMatrix(SplittableRandom random, long rows, long pitch) {
    float[] m = new float[Math.toIntExact(rows * pitch)];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return m;
  }

  private static float[] nanMatrix(long rows, long pitch) {
    float[] m = new float[Math.toIntExact(rows * pitch)];
    Arrays.fill(m, Float.NaN);
    return m;
  }

  private static CUdeviceptr upload(float[] host, List<CUdeviceptr> allocated) {
    CUdeviceptr d = new CUdeviceptr();
    JCudaDriver.cuMemAlloc(d, Math.max(1, (long) host.length * Sizeof.FLOAT));
    allocated.add(d);
    if (host.length > 0) {
      JCudaDriver.cuMemcpyHtoD(d, Pointer.to(host), (long) host.length * Sizeof.FLOAT);
    }
    return d;
  }

  private static CUdeviceptr toBf16(CudaKernels kernels, CUdeviceptr f32, long n, List<CUdeviceptr> allocated) {
    CUdeviceptr d = new CUdeviceptr();
    JCudaDriver.cuMemAlloc(d, Math.max(1, n * BF16_BYTES));
    allocated.add(d);
    kernels.f32ToBf16(f32, d, n, null);
    return d;
  }
}
