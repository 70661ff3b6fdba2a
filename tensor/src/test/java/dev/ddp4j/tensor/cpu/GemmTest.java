package dev.ddp4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddp4j.tensor.Threads;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class GemmTest {

  /** m, n, k: odd sizes, sizes around the kernels' blocking (KC 256, MC 96, NC 1024/2048), thin shapes. */
  private static final int[][] SHAPES = {
      {1, 1, 1}, {7, 33, 65}, {65, 7, 33}, {33, 65, 257}, {257, 33, 7}, {257, 65, 257}, {65, 257, 257},
      {1, 257, 65}, {257, 1, 65}, {7, 2049, 33}, {49, 65, 1031}};

  private int savedThreads;

  @BeforeEach
  void saveThreads() {
    savedThreads = Threads.getNumThreads();
  }

  @AfterEach
  void restoreThreads() {
    Threads.setNumThreads(savedThreads);
  }

  static Stream<Arguments> kernelsAndThreads() {
    List<Arguments> args = new ArrayList<>();
    for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
      for (int threads : new int[] {1, 2}) {
        args.add(Arguments.of(kernel, threads));
      }
    }
    return args.stream();
  }

  private static void assumeAvailable(Gemm.Kernel kernel) {
    assumeTrue(kernel.isAvailable(), () -> kernel.id() + " kernel unavailable: " + kernel.unavailableReason());
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("kernelsAndThreads")
  void allTransposeCombinationsMatchTheFloat64ReferenceForOddShapes(Gemm.Kernel kernel, int threads) {
    assumeAvailable(kernel);
    Threads.setNumThreads(threads);
    SplittableRandom random = new SplittableRandom(42);
    for (int[] s : SHAPES) {
      for (int t = 0; t < 4; t++) {
        Case c = new Case(random, t % 2 == 1, t >= 2, s[0], s[1], s[2], 0, 0, 0, 0);
        c.checkFloat(kernel, 1f, 0f);
        c.checkDouble(kernel, 1d, 0d);
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("kernelsAndThreads")
  void leadingDimsAndOffsetsLeaveEverythingOutsideCUntouched(Gemm.Kernel kernel, int threads) {
    assumeAvailable(kernel);
    Threads.setNumThreads(threads);
    SplittableRandom random = new SplittableRandom(7);
    for (int[] s : new int[][] {{33, 65, 257}, {257, 65, 129}, {7, 33, 65}}) {
      for (int t = 0; t < 4; t++) {
        Case c = new Case(random, t % 2 == 1, t >= 2, s[0], s[1], s[2], 3, 5, 7, 3);
        c.checkFloat(kernel, 1f, 1f);
        c.checkDouble(kernel, 1d, 1d);
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("kernelsAndThreads")
  void alphaAndBetaScaleAsBlasDefines(Gemm.Kernel kernel, int threads) {
    assumeAvailable(kernel);
    Threads.setNumThreads(threads);
    SplittableRandom random = new SplittableRandom(3);
    float[][] alphaBetas = {{1f, 0f}, {-0.5f, 1f}, {2.5f, 0.75f}, {1f, -2f}, {-0.5f, 0f}, {2.5f, -2f}};
    for (float[] ab : alphaBetas) {
      for (int t = 0; t < 4; t++) {
        Case c = new Case(random, t % 2 == 1, t >= 2, 65, 129, 257, 1, 2, 3, 1);
        c.checkFloat(kernel, ab[0], ab[1]);
        c.checkDouble(kernel, ab[0], ab[1]);
      }
    }
  }

  @ParameterizedTest(name = "{0}, {1} threads")
  @MethodSource("kernelsAndThreads")
  void betaZeroIgnoresNanGarbageInC(Gemm.Kernel kernel, int threads) {
    assumeAvailable(kernel);
    Threads.setNumThreads(threads);
    SplittableRandom random = new SplittableRandom(5);
    for (int[] s : new int[][] {{257, 129, 257}, {7, 33, 5}}) {
      for (int t = 0; t < 4; t++) {
        Case c = new Case(random, t % 2 == 1, t >= 2, s[0], s[1], s[2], 0, 0, 0, 2);
        c.fillWindowOfC(Float.NaN);
        c.checkFloat(kernel, 1.5f, 0f);
        c.checkDouble(kernel, 1.5d, 0d);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Gemm.Kernel.class)
  void alphaZeroOrKZeroOnlyScalesCAndNeverReadsAOrB(Gemm.Kernel kernel) {
    assumeAvailable(kernel);
    float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] b = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] c = {1, 2, 3, 4};
    kernel.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, b, 0, 2, 3f, c, 0, 2);
    assertEquals(List.of(3f, 6f, 9f, 12f), boxed(c));
    kernel.sgemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, -1f, c, 0, 2);
    assertEquals(List.of(-3f, -6f, -9f, -12f), boxed(c));
    c[0] = Float.NaN;
    kernel.sgemm(true, true, 2, 2, 0, 1f, new float[0], 0, 2, new float[0], 0, 1, 0f, c, 0, 2);
    assertEquals(List.of(0f, 0f, 0f, 0f), boxed(c));
    double[] cd = {1, Double.NaN};
    kernel.dgemm(false, false, 1, 2, 0, 1d, new double[0], 0, 1, new double[0], 0, 2, 0d, cd, 0, 2);
    assertEquals(0d, cd[0]);
    assertEquals(0d, cd[1]);
  }

  @ParameterizedTest
  @EnumSource(Gemm.Kernel.class)
  void emptyMOrNLeavesCUntouched(Gemm.Kernel kernel) {
    assumeAvailable(kernel);
    float[] c = {Float.NaN, 5f};
    kernel.sgemm(false, false, 0, 2, 3, 1f, new float[0], 0, 3, new float[6], 0, 2, 0f, c, 0, 2);
    kernel.sgemm(false, false, 2, 0, 3, 1f, new float[6], 0, 3, new float[0], 0, 1, 0f, new float[0], 0, 1);
    kernel.dgemm(true, true, 0, 0, 0, 1d, new double[0], 0, 1, new double[0], 0, 1, 0d, new double[0], 0, 1);
    assertTrue(Float.isNaN(c[0]));
    assertEquals(5f, c[1]);
  }

  @ParameterizedTest
  @EnumSource(Gemm.Kernel.class)
  void concurrentCallsFromTwoThreadsGiveCorrectResults(Gemm.Kernel kernel) throws Exception {
    assumeAvailable(kernel);
    Threads.setNumThreads(2);
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      long seed = 100 + t;
      Thread thread = new Thread(() -> {
        SplittableRandom random = new SplittableRandom(seed);
        for (int rep = 0; rep < 6; rep++) {
          Case c = new Case(random, rep % 2 == 1, rep % 3 == 0, 129 + 2 * rep, 257 - 8 * rep, 160 + rep, 1, 0, 2, 1);
          c.checkFloat(kernel, 1f, 0.5f);
          c.checkDouble(kernel, -1d, 0d);
        }
      }, "gemm-caller-" + t);
      thread.setUncaughtExceptionHandler((th, e) -> failures.add(e));
      threads.add(thread);
    }
    threads.forEach(Thread::start);
    for (Thread thread : threads) {
      thread.join(60_000);
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void sizesLeadingDimsOffsetsAndLengthsAreValidatedWithExactMessages() {
    float[] x = new float[100];
    assertMessage("m must be >= 0, got -1", () -> Gemm.sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("n must be >= 0, got -2", () -> Gemm.sgemm(false, false, 2, -2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("k must be >= 0, got -3", () -> Gemm.sgemm(false, false, 2, 2, -3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("lda must be >= max(1, k) = 5 when transA is false, got 4",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, x, 0, 4, x, 0, 2, 0f, x, 0, 2));
    assertMessage("lda must be >= max(1, m) = 3 when transA is true, got 2",
        () -> Gemm.sgemm(true, false, 3, 2, 5, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2));
    assertMessage("lda must be >= max(1, k) = 1 when transA is false, got 0",
        () -> Gemm.sgemm(false, false, 3, 2, 0, 1f, x, 0, 0, x, 0, 2, 0f, x, 0, 2));
    assertMessage("ldb must be >= max(1, n) = 2 when transB is false, got 1",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, x, 0, 5, x, 0, 1, 0f, x, 0, 2));
    assertMessage("ldb must be >= max(1, k) = 5 when transB is true, got 2",
        () -> Gemm.sgemm(false, true, 3, 2, 5, 1f, x, 0, 5, x, 0, 2, 0f, x, 0, 2));
    assertMessage("ldc must be >= max(1, n) = 2, got 1",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, x, 0, 5, x, 0, 2, 0f, x, 0, 1));
    assertMessage("aOff must be >= 0, got -1",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, x, -1, 5, x, 0, 2, 0f, x, 0, 2));
    assertMessage("bOff must be >= 0, got -2",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, x, 0, 5, x, -2, 2, 0f, x, 0, 2));
    assertMessage("cOff must be >= 0, got -3",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, x, 0, 5, x, 0, 2, 0f, x, -3, 2));
    // A is 3x5 with lda 7 from offset 2: needs 2 + 2*7 + 5 = 21 elements.
    assertMessage("a.length must be >= 21 for aOff=2, lda=7 and a 3x5 matrix, got 20",
        () -> Gemm.sgemm(false, false, 3, 2, 5, 1f, new float[20], 2, 7, x, 0, 2, 0f, x, 0, 2));
    // transB: B is stored 2x5 (n x k).
    assertMessage("b.length must be >= 10 for bOff=0, ldb=5 and a 2x5 matrix, got 9",
        () -> Gemm.sgemm(false, true, 3, 2, 5, 1f, x, 0, 5, new float[9], 0, 5, 0f, x, 0, 2));
    assertMessage("c.length must be >= 18 for cOff=1, ldc=6 and a 3x5 matrix, got 17",
        () -> Gemm.sgemm(false, false, 3, 5, 2, 1f, x, 0, 2, x, 0, 5, 0f, new float[17], 1, 6));
    assertMessage("c.length must be >= 4 for cOff=4, ldc=1 and a 0x1 matrix, got 3",
        () -> Gemm.sgemm(false, false, 0, 1, 2, 1f, x, 0, 2, x, 0, 1, 0f, new float[3], 4, 1));
    assertMessage("a.length must be >= 21 for aOff=2, lda=7 and a 3x5 matrix, got 20",
        () -> Gemm.dgemm(false, false, 3, 2, 5, 1d, new double[20], 2, 7, new double[100], 0, 2, 0d,
            new double[100], 0, 2));
    for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
      assertMessage("ldc must be >= max(1, n) = 2, got 1",
          () -> kernel.sgemm(false, false, 3, 2, 5, 1f, x, 0, 5, x, 0, 2, 0f, x, 0, 1));
    }
    assertThrows(NullPointerException.class,
        () -> Gemm.sgemm(false, false, 1, 1, 1, 1f, null, 0, 1, x, 0, 1, 0f, x, 0, 1));
  }

  @Test
  void selectionPrefersOpenBlasThenVectorAndHonoursTheProperty() {
    Gemm.Choice auto = Gemm.choose(null);
    if (Gemm.Kernel.NATIVE.isAvailable()) {
      assertEquals(new Gemm.Choice(Gemm.Kernel.NATIVE, "OpenBLAS found"), auto);
    } else {
      assertEquals(Gemm.Kernel.VECTOR, auto.kernel());
      assertEquals("no native BLAS: " + Gemm.Kernel.NATIVE.unavailableReason(), auto.why());
    }
    assertEquals(auto, Gemm.choose("auto"));
    assertEquals(new Gemm.Choice(Gemm.Kernel.VECTOR, "forced by -Dddp4j.gemm=vector"), Gemm.choose("vector"));
    assertEquals(new Gemm.Choice(Gemm.Kernel.JAVA, "forced by -Dddp4j.gemm=JAVA"), Gemm.choose("JAVA"));
    assertEquals(new Gemm.Choice(null, "-Dddp4j.gemm=blas is not one of native, vector, java, auto"),
        Gemm.choose("blas"));
    if (!Gemm.Kernel.NATIVE.isAvailable()) {
      assertEquals(new Gemm.Choice(null, "-Dddp4j.gemm=native forces a kernel that cannot run: "
          + Gemm.Kernel.NATIVE.unavailableReason()), Gemm.choose("native"));
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Gemm.Kernel.NATIVE.sgemm(false, false, 1, 1, 1, 1f, new float[1], 0, 1, new float[1], 0, 1, 0f,
              new float[1], 0, 1));
      assertEquals("GEMM kernel 'native' is unavailable: " + Gemm.Kernel.NATIVE.unavailableReason(), e.getMessage());
    } else {
      assertNull(Gemm.Kernel.NATIVE.unavailableReason());
      assertTrue(Gemm.Kernel.NATIVE.description().startsWith("OpenBLAS (native, /"), Gemm.Kernel.NATIVE.description());
    }
    assertEquals(Gemm.selectedKernel().description(), Gemm.kernelName());
  }

  /**
   * A JVM without {@code --add-modules jdk.incubator.vector} and without OpenBLAS must fall back to
   * the plain-Java kernel and still compute correctly.
   */
  @Test
  void withoutTheVectorModuleAndOpenBlasTheSelectionFallsBackToPlainJava() throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        "-Dddp4j.blas.path=/nonexistent/libblas.so.3", "-Dddp4j.threads=2", FallbackMain.class.getName())
        .redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM timed out");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("kernel=java max-error-ok=true"), out);
  }

  /** Child-JVM entry point of {@link #withoutTheVectorModuleAndOpenBlasTheSelectionFallsBackToPlainJava}. */
  public static final class FallbackMain {
    public static void main(String[] args) {
      Case c = new Case(new SplittableRandom(1), false, true, 257, 129, 300, 1, 2, 3, 1);
      Gemm.Kernel kernel = Gemm.selectedKernel();
      boolean ok = true;
      try {
        c.checkFloat(kernel, 1f, 0.5f);
      } catch (AssertionError e) {
        ok = false;
        System.out.println(e.getMessage());
      }
      System.out.println("kernel=" + kernel.id() + " max-error-ok=" + ok);
    }
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(expected, e.getMessage());
  }

  private static List<Float> boxed(float[] x) {
    List<Float> list = new ArrayList<>();
    for (float v : x) {
      list.add(v);
    }
    return list;
  }

  /**
   * One GEMM problem in float and double: random A, B and C with padding columns (leading dims
   * larger than the width) and offsets; padding and prefix hold a sentinel that must survive.
   */
  static final class Case {
    private static final float SENTINEL = -12345f;
    final boolean transA;
    final boolean transB;
    final int m;
    final int n;
    final int k;
    final int off;
    final int lda;
    final int ldb;
    final int ldc;
    final float[] af;
    final float[] bf;
    final float[] cf;
    final double[] ad;
    final double[] bd;
    final double[] cd;

    Case(SplittableRandom random, boolean transA, boolean transB, int m, int n, int k,
        int padA, int padB, int padC, int off) {
      this.transA = transA;
      this.transB = transB;
      this.m = m;
      this.n = n;
      this.k = k;
      this.off = off;
      int aRows = transA ? k : m;
      int bRows = transB ? n : k;
      lda = (transA ? m : k) + padA;
      ldb = (transB ? k : n) + padB;
      ldc = n + padC;
      af = fill(random, off + aRows * lda);
      bf = fill(random, off + bRows * ldb);
      cf = fill(random, off + m * ldc);
      ad = toDouble(af);
      bd = toDouble(bf);
      cd = toDouble(cf);
      // Sentinels outside C's window.
      for (int i = 0; i < off; i++) {
        cf[i] = SENTINEL;
        cd[i] = SENTINEL;
      }
      for (int i = 0; i < m; i++) {
        for (int j = n; j < ldc; j++) {
          cf[off + i * ldc + j] = SENTINEL;
          cd[off + i * ldc + j] = SENTINEL;
        }
      }
    }

    /** Sets every element of C's m×n window, in float and double, to {@code value}. */
    void fillWindowOfC(float value) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          cf[off + i * ldc + j] = value;
          cd[off + i * ldc + j] = value;
        }
      }
    }

    /** alpha·op(A)·op(B) + beta·C in float64 from the float inputs (beta == 0 ignores C). */
    double[] reference(double alpha, double beta, boolean fromFloat) {
      double[] want = new double[m * n];
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double acc = 0;
          for (int p = 0; p < k; p++) {
            double av = transA ? ad[off + p * lda + i] : ad[off + i * lda + p];
            double bv = transB ? bd[off + j * ldb + p] : bd[off + p * ldb + j];
            acc += av * bv;
          }
          double old = fromFloat ? cf[off + i * ldc + j] : cd[off + i * ldc + j];
          want[i * n + j] = alpha * acc + (beta == 0 ? 0 : beta * old);
        }
      }
      return want;
    }

    void checkFloat(Gemm.Kernel kernel, float alpha, float beta) {
      double[] want = reference(alpha, beta, true);
      kernel.sgemm(transA, transB, m, n, k, alpha, af, off, lda, bf, off, ldb, beta, cf, off, ldc);
      // float32 accumulation error grows with k; inputs are in [-1, 1).
      double tol = 2e-6 * (k + 8) * (Math.abs(alpha) + 1) + 1e-6 * Math.abs(beta);
      compare(kernel, "sgemm", want, i -> cf[i], tol);
    }

    void checkDouble(Gemm.Kernel kernel, double alpha, double beta) {
      double[] want = reference(alpha, beta, false);
      kernel.dgemm(transA, transB, m, n, k, alpha, ad, off, lda, bd, off, ldb, beta, cd, off, ldc);
      compare(kernel, "dgemm", want, i -> cd[i], 1e-12 * (k + 8) * (Math.abs(alpha) + 1));
    }

    private void compare(Gemm.Kernel kernel, String op, double[] want, java.util.function.IntToDoubleFunction got,
        double tol) {
      String what = kernel.id() + " " + op + " transA=" + transA + " transB=" + transB + " m=" + m + " n=" + n
          + " k=" + k + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc + " off=" + off;
      for (int i = 0; i < off; i++) {
        assertEquals(SENTINEL, got.applyAsDouble(i), what + ": prefix element " + i + " changed");
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < ldc; j++) {
          double g = got.applyAsDouble(off + i * ldc + j);
          if (j >= n) {
            assertEquals(SENTINEL, g, what + ": padding C[" + i + "][" + j + "] changed");
          } else if (!(Math.abs(g - want[i * n + j]) <= tol)) {
            throw new AssertionError(what + ": C[" + i + "][" + j + "] = " + g + ", want " + want[i * n + j]
                + " (tolerance " + tol + ")");
          }
        }
      }
    }

    private static float[] fill(SplittableRandom random, int size) {
      float[] x = new float[size];
      for (int i = 0; i < size; i++) {
        x[i] = (float) (random.nextDouble() * 2 - 1);
      }
      return x;
    }

    private static double[] toDouble(float[] x) {
      double[] d = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        d[i] = x[i];
      }
      return d;
    }
  }
}
