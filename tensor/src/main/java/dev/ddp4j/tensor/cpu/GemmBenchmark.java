package dev.ddp4j.tensor.cpu;

import dev.ddp4j.tensor.Threads;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Square float32 GEMM throughput, as {@code gemm.py} measures torch.mm: for each thread count,
 * size and kernel, a warm-up, then the median over repeats sized to about
 * {@value #TARGET_SECONDS_PER_CASE} s (at least {@value #MIN_REPS}); GFLOP/s = 2n³ / t.
 * Cases of different kernels run back to back so they see the same machine load.
 *
 * <p>Runs on the calling thread; changes {@link Threads#setNumThreads} while it runs and restores it.
 */
public final class GemmBenchmark {

  /** Sizes measured by default. */
  public static final int[] DEFAULT_SIZES = {256, 512, 1024, 2048};
  /** Thread counts measured by default. */
  public static final int[] DEFAULT_THREADS = {1, 2};
  /** Measured time per case, in seconds. */
  static final double TARGET_SECONDS_PER_CASE = 1.2;
  /**
   * Warm-up of each kernel before the first case, in seconds: C2 needs a second or two to compile
   * the Vector API micro-kernel, and until then it runs up to 100× slower at steady-looking times.
   */
  static final double KERNEL_WARMUP_SECONDS = 2.0;
  /** Size of the warm-up GEMMs. */
  static final int KERNEL_WARMUP_N = 256;
  /** Least warm-up per case (caches, page faults, thread count), in seconds. */
  static final double WARMUP_SECONDS = 0.3;
  /** Most warm-up per case, in seconds: warm-up also waits for three consecutive similar times. */
  static final double MAX_WARMUP_SECONDS = 3.0;
  /** Warm-up is over when the last three times differ by at most this factor. */
  static final double STABLE_RATIO = 1.15;
  /** Fewest measured repeats per case. */
  static final int MIN_REPS = 3;
  /** Most measured repeats per case. */
  static final int MAX_REPS = 5_000;

  private GemmBenchmark() {}

  /**
   * One measured case. {@code cpuShare} is the process's CPU time over wall time × threads while
   * the repeats ran: well below 1 means other processes took cores and the figures are low.
   */
  public record Row(String kernel, int threads, int n, int reps, double medianGflops, double bestGflops,
      double cpuShare) {
    /** One JSON object on one line, e.g. {"n":1024,"threads":1,"gflops":150.2,...}. */
    public String toJson() {
      return String.format(Locale.ROOT, "{\"n\":%d,\"threads\":%d,\"gflops\":%.2f,\"best_gflops\":%.2f,"
          + "\"reps\":%d,\"cpu_share\":%.2f,\"kernel\":\"%s\"}",
          n, threads, medianGflops, bestGflops, reps, cpuShare, kernel);
    }
  }

  /**
   * Parses a kernel list: null, "" or "selected" gives the kernel {@link Gemm} selects; "all"
   * every available kernel; otherwise comma-separated ids (native, vector, java).
   *
   * @throws IllegalArgumentException for an unknown id or a named kernel that cannot run here
   */
  public static List<Gemm.Kernel> parseKernels(String spec) {
    if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("selected")) {
      return List.of(Gemm.selectedKernel());
    }
    if (spec.trim().equalsIgnoreCase("all")) {
      List<Gemm.Kernel> all = new ArrayList<>();
      for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
        if (kernel.isAvailable()) {
          all.add(kernel);
        }
      }
      return all;
    }
    List<Gemm.Kernel> kernels = new ArrayList<>();
    for (String id : spec.split(",")) {
      Gemm.Kernel kernel = Gemm.Kernel.fromId(id);
      if (!kernel.isAvailable()) {
        throw new IllegalArgumentException("GEMM kernel '" + kernel.id() + "' is unavailable: "
            + kernel.unavailableReason());
      }
      kernels.add(kernel);
    }
    return kernels;
  }

  /**
   * Measures every (threads, n, kernel) case and prints them to {@code out}: a table with a header
   * naming the kernels, or with {@code json} one JSON object per line and nothing else.
   */
  public static List<Row> run(List<Gemm.Kernel> kernels, int[] sizes, int[] threads, boolean json, PrintStream out) {
    if (!json) {
      for (Gemm.Kernel kernel : kernels) {
        out.printf("# %-7s %s%n", kernel.id(), kernel.description());
      }
      out.printf("# selected by ddp4j: %s%n", selectedId());
      out.printf(Locale.ROOT, "# float32 C = A·B, square n×n; median and best over repeats of ~%.1f s;"
          + " GFLOP/s = 2n³/t%n", TARGET_SECONDS_PER_CASE);
      out.printf("# cpu%%: process CPU time / (wall time x threads) during the repeats; well below 100 = other load%n");
      out.printf("%-8s %7s %6s %16s %14s %6s %5s%n", "kernel", "threads", "n", "median GFLOP/s", "best GFLOP/s", "reps",
          "cpu%");
      out.flush();
    }
    int savedThreads = Threads.getNumThreads();
    List<Row> rows = new ArrayList<>();
    try {
      warmUpKernels(kernels);
      for (int t : threads) {
        Threads.setNumThreads(t);
        for (int n : sizes) {
          float[] a = random(n * n, 1);
          float[] b = random(n * n, 2);
          float[] c = new float[n * n];
          for (Gemm.Kernel kernel : kernels) {
            Row row = measure(kernel, t, n, a, b, c);
            rows.add(row);
            if (json) {
              out.println(row.toJson());
            } else {
              out.printf(Locale.ROOT, "%-8s %7d %6d %16.1f %14.1f %6d %5.0f%n", row.kernel(), row.threads(), row.n(),
                  row.medianGflops(), row.bestGflops(), row.reps(), 100 * row.cpuShare());
            }
            out.flush();
          }
        }
      }
    } finally {
      Threads.setNumThreads(savedThreads);
    }
    return rows;
  }

  /** Runs every kernel for {@link #KERNEL_WARMUP_SECONDS} so that the JIT has compiled it. */
  private static void warmUpKernels(List<Gemm.Kernel> kernels) {
    float[] a = random(KERNEL_WARMUP_N * KERNEL_WARMUP_N, 3);
    float[] b = random(KERNEL_WARMUP_N * KERNEL_WARMUP_N, 4);
    float[] c = new float[KERNEL_WARMUP_N * KERNEL_WARMUP_N];
    for (Gemm.Kernel kernel : kernels) {
      long end = System.nanoTime() + (long) (KERNEL_WARMUP_SECONDS * 1e9);
      while (System.nanoTime() < end) {
        timeOnce(kernel, KERNEL_WARMUP_N, a, b, c);
      }
    }
  }

  private static Row measure(Gemm.Kernel kernel, int threads, int n, float[] a, float[] b, float[] c) {
    // Warm up until the times settle (caches, page faults, the pool's threads).
    long start = System.nanoTime();
    double[] recent = new double[3];
    int calls = 0;
    while (true) {
      recent[calls % 3] = timeOnce(kernel, n, a, b, c);
      calls++;
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (elapsed >= MAX_WARMUP_SECONDS) {
        break;
      }
      if (elapsed >= WARMUP_SECONDS && calls >= 3) {
        double lo = Math.min(recent[0], Math.min(recent[1], recent[2]));
        double hi = Math.max(recent[0], Math.max(recent[1], recent[2]));
        if (hi <= STABLE_RATIO * lo) {
          break;
        }
      }
    }
    double last = recent[(calls - 1) % 3];
    int reps = (int) Math.max(MIN_REPS, Math.min(MAX_REPS, Math.ceil(TARGET_SECONDS_PER_CASE / last)));
    double[] seconds = new double[reps];
    long cpuStart = processCpuNanos();
    long wallStart = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      seconds[i] = timeOnce(kernel, n, a, b, c);
    }
    long wall = System.nanoTime() - wallStart;
    long cpu = processCpuNanos() - cpuStart;
    double cpuShare = cpuStart < 0 ? Double.NaN : (double) cpu / ((double) wall * threads);
    Arrays.sort(seconds);
    double median = reps % 2 == 1 ? seconds[reps / 2] : (seconds[reps / 2 - 1] + seconds[reps / 2]) / 2;
    double flops = 2.0 * n * n * n;
    return new Row(kernel.id(), threads, n, reps, flops / median / 1e9, flops / seconds[0] / 1e9, cpuShare);
  }

  /** CPU time of the whole process in nanoseconds, or -1 where the JVM does not report it. */
  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return -1;
  }

  private static String selectedId() {
    try {
      return Gemm.selectedKernel().id();
    } catch (IllegalStateException e) {
      return "none (" + e.getMessage() + ")";
    }
  }

  private static double timeOnce(Gemm.Kernel kernel, int n, float[] a, float[] b, float[] c) {
    long start = System.nanoTime();
    kernel.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
    return (System.nanoTime() - start) / 1e9;
  }

  private static float[] random(int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return x;
  }
}
