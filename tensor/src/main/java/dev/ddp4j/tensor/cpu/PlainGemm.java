package dev.ddp4j.tensor.cpu;

/**
 * GEMM in plain Java loops, for JVMs started without {@code jdk.incubator.vector}: correct and
 * cache-blocked, several times slower than {@link VectorSgemm}. op(B) is packed block by block
 * into rows, then each row of C accumulates axpy loops over them, which C2 auto-vectorises.
 */
final class PlainGemm {

  /** Depth of a packed block of op(B), in elements. */
  static final int KC = 256;
  /** Columns of a packed block of op(B): KC·NC floats (1 MiB) stream from L2 once per row of C. */
  static final int NC = 1024;
  /** Rows per thread band are whole multiples of this. */
  private static final int ROW_UNIT = 8;
  /** Columns per thread band are whole multiples of this. */
  private static final int COL_UNIT = 64;

  private static final ThreadLocal<FloatScratch> FLOAT_SCRATCH = ThreadLocal.withInitial(FloatScratch::new);
  private static final ThreadLocal<DoubleScratch> DOUBLE_SCRATCH = ThreadLocal.withInitial(DoubleScratch::new);

  /**
   * Per-thread buffers: op(B) rows as separate arrays and one accumulator row. C2 vectorises
   * {@code acc[j] += a * row[j]} only when both arrays are indexed alike from 0 (it cannot rule out
   * aliasing between two arrays at different offsets), hence rows of their own.
   */
  private static final class FloatScratch {
    final float[][] rows = new float[KC][];
    float[] acc = new float[0];
  }

  private static final class DoubleScratch {
    final double[][] rows = new double[KC][];
    double[] acc = new double[0];
  }

  private PlainGemm() {}

  /** Same contract as {@link Gemm#sgemm}; arguments already validated, m, n, k > 0 and alpha != 0. */
  static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    GemmSupport.forEachBand(m, n, k, ROW_UNIT, COL_UNIT, (r0, r1, c0, c1) -> {
      GemmSupport.scale(beta, c, cOff, ldc, r0, r1, c0, c1);
      FloatScratch scratch = FLOAT_SCRATCH.get();
      int width = Math.min(NC, c1 - c0);
      if (scratch.acc.length < width) {
        scratch.acc = new float[width];
        for (int p = 0; p < KC; p++) {
          scratch.rows[p] = new float[width];
        }
      }
      float[][] rows = scratch.rows;
      float[] acc = scratch.acc;
      for (int jc = c0; jc < c1; jc += NC) {
        int nc = Math.min(NC, c1 - jc);
        for (int pc = 0; pc < k; pc += KC) {
          int kc = Math.min(KC, k - pc);
          for (int p = 0; p < kc; p++) {
            float[] row = rows[p];
            if (transB) {
              for (int j = 0; j < nc; j++) {
                row[j] = b[bOff + (jc + j) * ldb + pc + p];
              }
            } else {
              System.arraycopy(b, bOff + (pc + p) * ldb + jc, row, 0, nc);
            }
          }
          for (int i = r0; i < r1; i++) {
            java.util.Arrays.fill(acc, 0, nc, 0f);
            for (int p = 0; p < kc; p++) {
              float aip = alpha * (transA ? a[aOff + (pc + p) * lda + i] : a[aOff + i * lda + pc + p]);
              float[] row = rows[p];
              for (int j = 0; j < nc; j++) {
                acc[j] += aip * row[j];
              }
            }
            int cRow = cOff + i * ldc + jc;
            for (int j = 0; j < nc; j++) {
              c[cRow + j] += acc[j];
            }
          }
        }
      }
    });
  }

  /** Same contract as {@link Gemm#dgemm}; arguments already validated, m, n, k > 0 and alpha != 0. */
  static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
    GemmSupport.forEachBand(m, n, k, ROW_UNIT, COL_UNIT, (r0, r1, c0, c1) -> {
      GemmSupport.scale(beta, c, cOff, ldc, r0, r1, c0, c1);
      DoubleScratch scratch = DOUBLE_SCRATCH.get();
      int width = Math.min(NC, c1 - c0);
      if (scratch.acc.length < width) {
        scratch.acc = new double[width];
        for (int p = 0; p < KC; p++) {
          scratch.rows[p] = new double[width];
        }
      }
      double[][] rows = scratch.rows;
      double[] acc = scratch.acc;
      for (int jc = c0; jc < c1; jc += NC) {
        int nc = Math.min(NC, c1 - jc);
        for (int pc = 0; pc < k; pc += KC) {
          int kc = Math.min(KC, k - pc);
          for (int p = 0; p < kc; p++) {
            double[] row = rows[p];
            if (transB) {
              for (int j = 0; j < nc; j++) {
                row[j] = b[bOff + (jc + j) * ldb + pc + p];
              }
            } else {
              System.arraycopy(b, bOff + (pc + p) * ldb + jc, row, 0, nc);
            }
          }
          for (int i = r0; i < r1; i++) {
            java.util.Arrays.fill(acc, 0, nc, 0d);
            for (int p = 0; p < kc; p++) {
              double aip = alpha * (transA ? a[aOff + (pc + p) * lda + i] : a[aOff + i * lda + pc + p]);
              double[] row = rows[p];
              for (int j = 0; j < nc; j++) {
                acc[j] += aip * row[j];
              }
            }
            int cRow = cOff + i * ldc + jc;
            for (int j = 0; j < nc; j++) {
              c[cRow + j] += acc[j];
            }
          }
        }
      }
    });
  }
}
