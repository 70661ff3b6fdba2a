package dev.ddp4j.exchange.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise float sums with the Vector API, for {@link ReduceOp#SUM} and {@link ReduceOp#AVG}: C2
 * leaves the plain loop scalar here, and summing straight from a received frame's little-endian bytes
 * spares decoding it into an array first (about 80 against 180 µs per MiB on this 2-core AVX-512 host).
 *
 * <p>Loaded only when the JVM has {@code jdk.incubator.vector} (checked by {@link ReduceOp}: this
 * class cannot even be verified without it); stateless, any thread.
 */
final class VectorSum {
  private VectorSum() {}

  /** Adds {@code src[srcOff, srcOff + n)} into {@code dst[dstOff, dstOff + n)}. */
  static void add(float[] dst, int dstOff, float[] src, int srcOff, int n) {
    VectorSpecies<Float> s = Species.FLOATS;
    int i = 0;
    for (int up = s.loopBound(n); i < up; i += s.length()) {
      FloatVector.fromArray(s, dst, dstOff + i).add(FloatVector.fromArray(s, src, srcOff + i)).intoArray(dst, dstOff + i);
    }
    for (; i < n; i++) {
      dst[dstOff + i] += src[srcOff + i];
    }
  }

  /**
   * Adds the {@code n} little-endian floats at {@code src}'s index 0 on into {@code dst[dstOff, dstOff + n)}:
   * vector loads straight from the buffer where the JDK has them (17 to 18), otherwise blocks decoded
   * into a small per-thread array and added from there (JDK 19 on replaced the buffer loads with
   * memory-segment ones).
   */
  static void add(float[] dst, int dstOff, ByteBuffer src, int n) {
    if (!Species.BUFFER_LOADS) {
      float[] block = Species.BLOCK.get();
      java.nio.FloatBuffer floats = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      for (int i = 0; i < n; i += block.length) {
        int len = Math.min(block.length, n - i);
        floats.get(i, block, 0, len);
        add(dst, dstOff + i, block, 0, len);
      }
      return;
    }
    VectorSpecies<Float> s = Species.FLOATS;
    int i = 0;
    for (int up = s.loopBound(n); i < up; i += s.length()) {
      FloatVector.fromArray(s, dst, dstOff + i)
          .add(FloatVector.fromByteBuffer(s, src, i * Float.BYTES, ByteOrder.LITTLE_ENDIAN))
          .intoArray(dst, dstOff + i);
    }
    for (; i < n; i++) {
      dst[dstOff + i] += src.getFloat(i * Float.BYTES);
    }
  }

  /** The species and the JDK's buffer-load capability, looked up once. */
  private static final class Species {
    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Whether {@code FloatVector.fromByteBuffer} exists (JDK 17 and 18; removed in 19). */
    static final boolean BUFFER_LOADS = hasBufferLoads();
    /** 16 KiB: stays in L1 between its decode and its add. */
    static final ThreadLocal<float[]> BLOCK = ThreadLocal.withInitial(() -> new float[4096]);

    private static boolean hasBufferLoads() {
      try {
        FloatVector.class.getMethod("fromByteBuffer", VectorSpecies.class, ByteBuffer.class, int.class,
            ByteOrder.class);
        return true;
      } catch (NoSuchMethodException e) {
        return false;
      }
    }
  }
}
