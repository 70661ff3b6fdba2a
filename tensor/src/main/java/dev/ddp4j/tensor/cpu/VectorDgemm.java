package dev.ddp4j.tensor.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Double GEMM on the Vector API: BLIS-style cache blocking with packed panels and a 6×4-vector
 * register-tiled FMA micro-kernel. Only loaded when the module {@code jdk.incubator.vector} is
 * present; {@link Gemm} checks that before the first call.
 *
 * <p>Loop nest, per thread band of C: columns in blocks of {@link #NC}; depth in blocks of
 * {@link #KC}, where op(B)'s block is packed into NR-wide micro-panels (KC·NC elements, L3); rows
 * in blocks of {@link #MC}, where alpha·op(A)'s block is packed into MR-high micro-panels (L2);
 * then for each B micro-panel (KC·NR elements, read from L2) every A micro-panel of the block
 * (KC·MR, from L1) passes through the micro-kernel. Packing pads edges with zeros so the
 * micro-kernel always computes a full MR×NR tile; edge tiles go through a small scratch tile.
 * The accumulators must stay local to {@code kernel}: a vector passed to a method that C2 does
 * not inline is boxed on the heap, which made an early version 15× slower.
 */
final class VectorDgemm {

  private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Rows of the register tile. */
  static final int MR = 6;
  /** Columns of the register tile: four vectors. */
  static final int NR = 4 * L;
  /** Depth of a packed block, in elements (measured on a Zen 5: 512 with MC 48 beat 256 with MC 96 by ~10%). */
  static final int KC = 512;
  /** Rows of a packed A block (a multiple of MR). */
  static final int MC = 8 * MR;
  /** Columns of a packed B block (a multiple of NR). */
  static final int NC = 2048;

  /** Per-thread packing buffers, grown on demand and reused across calls. */
  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  private static final class Buffers {
    double[] a = new double[0];
    double[] b = new double[0];
    final double[] tile = new double[MR * NR];
  }

  private VectorDgemm() {}

  /** A short description of the vector shape, e.g. "DoubleVector 512-bit, 6x64 register tile". */
  static String describe() {
    return "DoubleVector " + S.vectorBitSize() + "-bit, " + MR + "x" + NR + " register tile";
  }

  /** Same contract as {@link Gemm#dgemm}; arguments already validated, m, n, k > 0 and alpha != 0. */
  static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
    GemmSupport.forEachBand(m, n, k, MR, NR, (r0, r1, c0, c1) -> block(transA, transB, k, alpha,
        a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, r0, r1, c0, c1));
  }

  private static void block(boolean transA, boolean transB, int k, double alpha,
      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc,
      int r0, int r1, int c0, int c1) {
    GemmSupport.scale(beta, c, cOff, ldc, r0, r1, c0, c1);
    Buffers buf = BUFFERS.get();
    int ncMax = Math.min(NC, roundUp(c1 - c0, NR));
    int mcMax = Math.min(MC, roundUp(r1 - r0, MR));
    int kcMax = Math.min(KC, k);
    if (buf.b.length < ncMax * kcMax) {
      buf.b = new double[ncMax * kcMax];
    }
    if (buf.a.length < mcMax * kcMax) {
      buf.a = new double[mcMax * kcMax];
    }
    double[] pa = buf.a;
    double[] pb = buf.b;
    for (int jc = c0; jc < c1; jc += NC) {
      int nc = Math.min(NC, c1 - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        packB(transB, b, bOff, ldb, pc, kc, jc, nc, pb);
        for (int ic = r0; ic < r1; ic += MC) {
          int mc = Math.min(MC, r1 - ic);
          packA(transA, alpha, a, aOff, lda, ic, mc, pc, kc, pa);
          macro(mc, nc, kc, pa, pb, c, cOff + ic * ldc + jc, ldc, buf.tile);
        }
      }
    }
  }

  private static void macro(int mc, int nc, int kc, double[] pa, double[] pb, double[] c, int cBase, int ldc,
      double[] tile) {
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int pbOff = jr * kc;
      for (int ir = 0; ir < mc; ir += MR) {
        int mr = Math.min(MR, mc - ir);
        int paOff = ir * kc;
        if (mr == MR && nr == NR) {
          kernel(kc, pa, paOff, pb, pbOff, c, cBase + ir * ldc + jr, ldc);
        } else {
          java.util.Arrays.fill(tile, 0d);
          kernel(kc, pa, paOff, pb, pbOff, tile, 0, NR);
          for (int i = 0; i < mr; i++) {
            int cRow = cBase + (ir + i) * ldc + jr;
            for (int j = 0; j < nr; j++) {
              c[cRow + j] += tile[i * NR + j];
            }
          }
        }
      }
    }
  }

  /** C[0:MR, 0:NR] += Apanel·Bpanel over depth kc; A panel is kc×MR, B panel kc×NR, both packed. */
  private static void kernel(int kc, double[] pa, int ia, double[] pb, int ib, double[] c, int ci, int ldc) {
    DoubleVector z = DoubleVector.zero(S);
    DoubleVector c00 = z, c01 = z, c02 = z, c03 = z;
    DoubleVector c10 = z, c11 = z, c12 = z, c13 = z;
    DoubleVector c20 = z, c21 = z, c22 = z, c23 = z;
    DoubleVector c30 = z, c31 = z, c32 = z, c33 = z;
    DoubleVector c40 = z, c41 = z, c42 = z, c43 = z;
    DoubleVector c50 = z, c51 = z, c52 = z, c53 = z;
    for (int p = 0; p < kc; p++, ia += MR, ib += NR) {
      DoubleVector b0 = DoubleVector.fromArray(S, pb, ib);
      DoubleVector b1 = DoubleVector.fromArray(S, pb, ib + L);
      DoubleVector b2 = DoubleVector.fromArray(S, pb, ib + 2 * L);
      DoubleVector b3 = DoubleVector.fromArray(S, pb, ib + 3 * L);
      DoubleVector a0 = DoubleVector.broadcast(S, pa[ia]);
      c00 = b0.fma(a0, c00);
      c01 = b1.fma(a0, c01);
      c02 = b2.fma(a0, c02);
      c03 = b3.fma(a0, c03);
      DoubleVector a1 = DoubleVector.broadcast(S, pa[ia + 1]);
      c10 = b0.fma(a1, c10);
      c11 = b1.fma(a1, c11);
      c12 = b2.fma(a1, c12);
      c13 = b3.fma(a1, c13);
      DoubleVector a2 = DoubleVector.broadcast(S, pa[ia + 2]);
      c20 = b0.fma(a2, c20);
      c21 = b1.fma(a2, c21);
      c22 = b2.fma(a2, c22);
      c23 = b3.fma(a2, c23);
      DoubleVector a3 = DoubleVector.broadcast(S, pa[ia + 3]);
      c30 = b0.fma(a3, c30);
      c31 = b1.fma(a3, c31);
      c32 = b2.fma(a3, c32);
      c33 = b3.fma(a3, c33);
      DoubleVector a4 = DoubleVector.broadcast(S, pa[ia + 4]);
      c40 = b0.fma(a4, c40);
      c41 = b1.fma(a4, c41);
      c42 = b2.fma(a4, c42);
      c43 = b3.fma(a4, c43);
      DoubleVector a5 = DoubleVector.broadcast(S, pa[ia + 5]);
      c50 = b0.fma(a5, c50);
      c51 = b1.fma(a5, c51);
      c52 = b2.fma(a5, c52);
      c53 = b3.fma(a5, c53);
    }
    DoubleVector.fromArray(S, c, ci).add(c00).intoArray(c, ci);
    DoubleVector.fromArray(S, c, ci + L).add(c01).intoArray(c, ci + L);
    DoubleVector.fromArray(S, c, ci + 2 * L).add(c02).intoArray(c, ci + 2 * L);
    DoubleVector.fromArray(S, c, ci + 3 * L).add(c03).intoArray(c, ci + 3 * L);
    DoubleVector.fromArray(S, c, ci + ldc).add(c10).intoArray(c, ci + ldc);
    DoubleVector.fromArray(S, c, ci + ldc + L).add(c11).intoArray(c, ci + ldc + L);
    DoubleVector.fromArray(S, c, ci + ldc + 2 * L).add(c12).intoArray(c, ci + ldc + 2 * L);
    DoubleVector.fromArray(S, c, ci + ldc + 3 * L).add(c13).intoArray(c, ci + ldc + 3 * L);
    DoubleVector.fromArray(S, c, ci + 2 * ldc).add(c20).intoArray(c, ci + 2 * ldc);
    DoubleVector.fromArray(S, c, ci + 2 * ldc + L).add(c21).intoArray(c, ci + 2 * ldc + L);
    DoubleVector.fromArray(S, c, ci + 2 * ldc + 2 * L).add(c22).intoArray(c, ci + 2 * ldc + 2 * L);
    DoubleVector.fromArray(S, c, ci + 2 * ldc + 3 * L).add(c23).intoArray(c, ci + 2 * ldc + 3 * L);
    DoubleVector.fromArray(S, c, ci + 3 * ldc).add(c30).intoArray(c, ci + 3 * ldc);
    DoubleVector.fromArray(S, c, ci + 3 * ldc + L).add(c31).intoArray(c, ci + 3 * ldc + L);
    DoubleVector.fromArray(S, c, ci + 3 * ldc + 2 * L).add(c32).intoArray(c, ci + 3 * ldc + 2 * L);
    DoubleVector.fromArray(S, c, ci + 3 * ldc + 3 * L).add(c33).intoArray(c, ci + 3 * ldc + 3 * L);
    DoubleVector.fromArray(S, c, ci + 4 * ldc).add(c40).intoArray(c, ci + 4 * ldc);
    DoubleVector.fromArray(S, c, ci + 4 * ldc + L).add(c41).intoArray(c, ci + 4 * ldc + L);
    DoubleVector.fromArray(S, c, ci + 4 * ldc + 2 * L).add(c42).intoArray(c, ci + 4 * ldc + 2 * L);
    DoubleVector.fromArray(S, c, ci + 4 * ldc + 3 * L).add(c43).intoArray(c, ci + 4 * ldc + 3 * L);
    DoubleVector.fromArray(S, c, ci + 5 * ldc).add(c50).intoArray(c, ci + 5 * ldc);
    DoubleVector.fromArray(S, c, ci + 5 * ldc + L).add(c51).intoArray(c, ci + 5 * ldc + L);
    DoubleVector.fromArray(S, c, ci + 5 * ldc + 2 * L).add(c52).intoArray(c, ci + 5 * ldc + 2 * L);
    DoubleVector.fromArray(S, c, ci + 5 * ldc + 3 * L).add(c53).intoArray(c, ci + 5 * ldc + 3 * L);
  }

  /**
   * Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-wide micro-panels: panel q holds columns
   * jc+q·NR.. as kc rows of NR contiguous values, zero-padded past nc.
   */
  static void packB(boolean transB, double[] b, int bOff, int ldb, int pc, int kc, int jc, int nc, double[] pb) {
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int dst = jr * kc;
      if (!transB) {
        int src = bOff + pc * ldb + jc + jr;
        for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
          System.arraycopy(b, src, pb, dst, nr);
          for (int j = nr; j < NR; j++) {
            pb[dst + j] = 0d;
          }
        }
      } else {
        for (int j = 0; j < NR; j++) {
          if (j < nr) {
            int src = bOff + (jc + jr + j) * ldb + pc;
            for (int p = 0; p < kc; p++) {
              pb[dst + p * NR + j] = b[src + p];
            }
          } else {
            for (int p = 0; p < kc; p++) {
              pb[dst + p * NR + j] = 0d;
            }
          }
        }
      }
    }
  }

  /**
   * Packs alpha·op(A)[ic:ic+mc, pc:pc+kc] into MR-high micro-panels: panel q holds rows
   * ic+q·MR.. as kc columns of MR contiguous values, zero-padded past mc.
   */
  static void packA(boolean transA, double alpha, double[] a, int aOff, int lda, int ic, int mc, int pc, int kc,
      double[] pa) {
    for (int ir = 0; ir < mc; ir += MR) {
      int mr = Math.min(MR, mc - ir);
      int dst = ir * kc;
      for (int i = 0; i < MR; i++) {
        if (i >= mr) {
          for (int p = 0; p < kc; p++) {
            pa[dst + p * MR + i] = 0d;
          }
        } else if (!transA) {
          int src = aOff + (ic + ir + i) * lda + pc;
          for (int p = 0; p < kc; p++) {
            pa[dst + p * MR + i] = alpha * a[src + p];
          }
        } else {
          int src = aOff + pc * lda + ic + ir + i;
          for (int p = 0; p < kc; p++) {
            pa[dst + p * MR + i] = alpha * a[src + p * lda];
          }
        }
      }
    }
  }

  private static int roundUp(int x, int unit) {
    return (x + unit - 1) / unit * unit;
  }
}
