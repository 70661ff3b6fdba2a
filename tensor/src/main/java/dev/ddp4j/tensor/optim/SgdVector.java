package dev.ddp4j.tensor.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused SGD loops for a gradient at an offset in its array (a DDP bucket view), written with the
 * Vector API: C2 on JDK 17 does not vectorise the plain loops once the gradient's index differs from
 * the parameter's (a 4x slower step measured for 400k elements), but explicit vectors need no proof that
 * the arrays do not overlap. Same float operations in the same order as the scalar loops (multiplies and
 * adds, no fused multiply-add), so the bits are the same. Loaded only when the module
 * {@code jdk.incubator.vector} is present ({@link SgdKernel} checks).
 */
final class SgdVector {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private SgdVector() {}

  /** {@code b = b·μ + keep·g; p = p + step·b} over {@code [from, to)}, g read from {@code go + i}. */
  static void momentum(float[] pv, float[] gv, int go, float[] bv, int from, int to, float mu, float keep,
      float step) {
    int i = from;
    for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
      FloatVector b = FloatVector.fromArray(S, bv, i).mul(mu).add(FloatVector.fromArray(S, gv, go + i).mul(keep));
      b.intoArray(bv, i);
      FloatVector.fromArray(S, pv, i).add(b.mul(step)).intoArray(pv, i);
    }
    for (; i < to; i++) {
      float b = bv[i] * mu + keep * gv[go + i];
      bv[i] = b;
      pv[i] = pv[i] + step * b;
    }
  }

  /** {@code p = p + step·g} over {@code [from, to)}, g read from {@code go + i}. */
  static void plain(float[] pv, float[] gv, int go, int from, int to, float step) {
    int i = from;
    for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
      FloatVector.fromArray(S, pv, i).add(FloatVector.fromArray(S, gv, go + i).mul(step)).intoArray(pv, i);
    }
    for (; i < to; i++) {
      pv[i] = pv[i] + step * gv[go + i];
    }
  }
}
