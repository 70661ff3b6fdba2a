package dev.ddp4j.gpu;

/**
 * The shape of a row-major GEMM {@code C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C}: A is
 * stored {@code [m, k]} ({@code [k, m]} when {@code transA}) with row pitch {@code lda} elements, B is
 * stored {@code [k, n]} ({@code [n, k]} when {@code transB}) with pitch {@code ldb}, C is {@code [m, n]}
 * with pitch {@code ldc}.
 */
public record GemmShape(boolean transA, boolean transB, long m, long n, long k, long lda, long ldb, long ldc) {
  public GemmShape {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative GEMM size: m=" + m + " n=" + n + " k=" + k);
    }
    long minLda = Math.max(1, transA ? m : k);
    long minLdb = Math.max(1, transB ? k : n);
    if (lda < minLda || ldb < minLdb || ldc < Math.max(1, n)) {
      throw new IllegalArgumentException("leading dimensions too small for " + (transA ? "A^T" : "A") + " and "
          + (transB ? "B^T" : "B") + ": lda=" + lda + " (at least " + minLda + "), ldb=" + ldb + " (at least " + minLdb
          + "), ldc=" + ldc + " (at least " + Math.max(1, n) + ")");
    }
  }

  /** Densely packed operands: each leading dimension is its matrix's row length. */
  public static GemmShape packed(boolean transA, boolean transB, long m, long n, long k) {
    return new GemmShape(transA, transB, m, n, k, Math.max(1, transA ? m : k), Math.max(1, transB ? k : n),
        Math.max(1, n));
  }

  /** Floating-point operations of one product, {@code 2 m n k}. */
  public double flops() {
    return 2.0 * m * n * k;
  }
}
