package dev.ddp4j.tensor.cpu;

import dev.ddp4j.tensor.Threads;

/** Helpers every GEMM kernel shares: the BLAS-style scaling of C and the split of C over threads. */
final class GemmSupport {

  /** Below this m·n·k a GEMM runs on the calling thread: waking a worker costs more than it saves. */
  static final long MIN_PARALLEL_MNK = 1L << 21;

  /** Each thread's share of a parallel GEMM is at least this many multiply-adds (m·n·k). */
  static final long MIN_MNK_PER_THREAD = 1L << 20;

  private GemmSupport() {}

  /** Computes one block of C: rows {@code [r0, r1)} and columns {@code [c0, c1)}. */
  @FunctionalInterface
  interface BlockBody {
    void run(int r0, int r1, int c0, int c1);
  }

  /**
   * Splits C into contiguous bands along its longer side, made of whole blocks of {@code rowUnit}
   * rows or {@code colUnit} columns, and
   * runs {@code body} on each band, over {@link Threads#parallelFor} when the product is large
   * enough to pay for a thread, else inline on the calling thread.
   */
  static void forEachBand(int m, int n, int k, int rowUnit, int colUnit, BlockBody body) {
    long mnk = (long) m * n * k;
    if (mnk < MIN_PARALLEL_MNK || Threads.getNumThreads() == 1) {
      body.run(0, m, 0, n);
      return;
    }
    boolean byRows = m >= n;
    int extent = byRows ? m : n;
    int unit = byRows ? rowUnit : colUnit;
    int units = (extent + unit - 1) / unit;
    long mnkPerUnit = Math.max(1, mnk / units);
    int grain = (int) Math.max(1, Math.min(units, (MIN_MNK_PER_THREAD + mnkPerUnit - 1) / mnkPerUnit));
    Threads.parallelFor(0, units, grain, (u0, u1) -> {
      int from = u0 * unit;
      int to = Math.min(extent, u1 * unit);
      if (byRows) {
        body.run(from, to, 0, n);
      } else {
        body.run(0, m, from, to);
      }
    });
  }

  /** C[r0:r1, c0:c1] = beta·C, with beta == 0 writing zeros whatever C held (NaN included). */
  static void scale(float beta, float[] c, int cOff, int ldc, int r0, int r1, int c0, int c1) {
    if (beta == 1f) {
      return;
    }
    for (int i = r0; i < r1; i++) {
      int row = cOff + i * ldc;
      if (beta == 0f) {
        java.util.Arrays.fill(c, row + c0, row + c1, 0f);
      } else {
        for (int j = row + c0; j < row + c1; j++) {
          c[j] *= beta;
        }
      }
    }
  }

  /** C[r0:r1, c0:c1] = beta·C, with beta == 0 writing zeros whatever C held (NaN included). */
  static void scale(double beta, double[] c, int cOff, int ldc, int r0, int r1, int c0, int c1) {
    if (beta == 1d) {
      return;
    }
    for (int i = r0; i < r1; i++) {
      int row = cOff + i * ldc;
      if (beta == 0d) {
        java.util.Arrays.fill(c, row + c0, row + c1, 0d);
      } else {
        for (int j = row + c0; j < row + c1; j++) {
          c[j] *= beta;
        }
      }
    }
  }
}
