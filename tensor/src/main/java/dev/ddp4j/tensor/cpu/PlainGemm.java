package dev.ddp4j.tensor.cpu;

/**
 * GEMM in plain Java loops, for JVMs started without {@code jdk.incubator.vector}: correct and
 * cache-blocked, several times slower than {@link VectorSgemm}. op(B) is packed block by block
 * into a row-major buffer, then each row of C is updated with axpy loops over it, which C2
 * auto-vectorises.
 */
final class PlainGemm {

  /** Depth of a packed block of op(B), in elements. */
  static final int KC = 256;
  /** Columns of a packed block of op(B): KC·NC floats stay within a 1 MiB L2. */
  static final int NC = 1024;
  /** Rows per thread band are whole multiples of this. */
  private static final int ROW_UNIT = 8;
  /** Columns per thread band are whole multiples of this. */
  private static final int COL_UNIT = 64;

  private static final ThreadLocal<float[]> FLOAT_BUFFER = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<double[]> DOUBLE_BUFFER = ThreadLocal.withInitial(() -> new double[0]);

  private PlainGemm() {}

  /** Same contract as {@link Gemm#sgemm}; arguments already validated, m, n, k > 0 and alpha != 0. */
  static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    GemmSupport.forEachBand(m, n, k, ROW_UNIT, COL_UNIT, (r0, r1, c0, c1) -> {
      GemmSupport.scale(beta, c, cOff, ldc, r0, r1, c0, c1);
      int need = Math.min(KC, k) * Math.min(NC, c1 - c0);
      float[] pb = FLOAT_BUFFER.get();
      if (pb.length < need) {
        pb = new float[need];
        FLOAT_BUFFER.set(pb);
      }
      for (int jc = c0; jc < c1; jc += NC) {
        int nc = Math.min(NC, c1 - jc);
        for (int pc = 0; pc < k; pc += KC) {
          int kc = Math.min(KC, k - pc);
          for (int p = 0; p < kc; p++) {
            for (int j = 0; j < nc; j++) {
              pb[p * nc + j] = transB ? b[bOff + (jc + j) * ldb + pc + p] : b[bOff + (pc + p) * ldb + jc + j];
            }
          }
          for (int i = r0; i < r1; i++) {
            int cRow = cOff + i * ldc + jc;
            for (int p = 0; p < kc; p++) {
              float aip = alpha * (transA ? a[aOff + (pc + p) * lda + i] : a[aOff + i * lda + pc + p]);
              int bRow = p * nc;
              for (int j = 0; j < nc; j++) {
                c[cRow + j] += aip * pb[bRow + j];
              }
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
      int need = Math.min(KC, k) * Math.min(NC, c1 - c0);
      double[] pb = DOUBLE_BUFFER.get();
      if (pb.length < need) {
        pb = new double[need];
        DOUBLE_BUFFER.set(pb);
      }
      for (int jc = c0; jc < c1; jc += NC) {
        int nc = Math.min(NC, c1 - jc);
        for (int pc = 0; pc < k; pc += KC) {
          int kc = Math.min(KC, k - pc);
          for (int p = 0; p < kc; p++) {
            for (int j = 0; j < nc; j++) {
              pb[p * nc + j] = transB ? b[bOff + (jc + j) * ldb + pc + p] : b[bOff + (pc + p) * ldb + jc + j];
            }
          }
          for (int i = r0; i < r1; i++) {
            int cRow = cOff + i * ldc + jc;
            for (int p = 0; p < kc; p++) {
              double aip = alpha * (transA ? a[aOff + (pc + p) * lda + i] : a[aOff + i * lda + pc + p]);
              int bRow = p * nc;
              for (int j = 0; j < nc; j++) {
                c[cRow + j] += aip * pb[bRow + j];
              }
            }
          }
        }
      }
    });
  }
}
