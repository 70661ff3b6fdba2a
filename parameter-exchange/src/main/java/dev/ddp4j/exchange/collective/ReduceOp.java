package dev.ddp4j.exchange.collective;

import dev.ddp4j.tensor.cpu.VectorModule;
import java.nio.ByteBuffer;

/**
 * How an allreduce or reduce-scatter combines the ranks' values element by element.
 *
 * <p>SUM and AVG add in ring order, so a float result can differ from a left-to-right sum in the
 * last bits; on integer-valued floats below 2<sup>24</sup> every partial sum is exact. Every rank
 * ends with bit-identical values.
 */
public enum ReduceOp {
  /** Elementwise sum. */
  SUM,
  /** Elementwise sum divided by the world size, once, by the rank that completes each chunk. */
  AVG,
  /** Elementwise maximum ({@link Math#max(float, float)}: a NaN anywhere gives NaN). */
  MAX;

  /**
   * Whether the JVM was started with {@code --add-modules jdk.incubator.vector}: asked of
   * {@link VectorModule}, never of {@link VectorSum}, since verifying that class loads the Vector API's,
   * so touching it at all without the module fails with a NoClassDefFoundError instead of taking the
   * plain loop.
   */
  private static final boolean VECTOR_API = VectorModule.present();

  /** Combines {@code src[srcOff, srcOff + n)} into {@code dst[dstOff, dstOff + n)} in place. */
  void combine(float[] dst, int dstOff, float[] src, int srcOff, int n) {
    switch (this) {
      case SUM, AVG -> {
        if (VECTOR_API) {
          VectorSum.add(dst, dstOff, src, srcOff, n);
          return;
        }
        for (int i = 0; i < n; i++) {
          dst[dstOff + i] += src[srcOff + i];
        }
      }
      case MAX -> {
        for (int i = 0; i < n; i++) {
          dst[dstOff + i] = Math.max(dst[dstOff + i], src[srcOff + i]);
        }
      }
    }
  }

  /**
   * Combines the {@code n} little-endian floats from {@code src}'s index 0 on (a received frame's
   * payload; its position is ignored) into {@code dst[dstOff, dstOff + n)} in place.
   */
  void combine(float[] dst, int dstOff, ByteBuffer src, int n) {
    switch (this) {
      case SUM, AVG -> {
        if (VECTOR_API) {
          VectorSum.add(dst, dstOff, src, n);
          return;
        }
        for (int i = 0; i < n; i++) {
          dst[dstOff + i] += src.getFloat(i * Float.BYTES);
        }
      }
      case MAX -> {
        for (int i = 0; i < n; i++) {
          dst[dstOff + i] = Math.max(dst[dstOff + i], src.getFloat(i * Float.BYTES));
        }
      }
    }
  }

  /**
   * Turns fully combined values into the result: AVG divides by {@code worldSize} (a division, not a
   * multiplication by the reciprocal, so that integer-valued averages are exact where a float can
   * hold them); the others leave the values as they are.
   */
  void finish(float[] values, int off, int n, int worldSize) {
    if (this == AVG && worldSize != 1) {
      float divisor = worldSize;
      for (int i = 0; i < n; i++) {
        values[off + i] /= divisor;
      }
    }
  }
}
