package dev.ddp4j.exchange.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ddp4j.tensor.PlainJvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Combining from an array and from a frame's little-endian bytes gives exactly the scalar loop's values. */
class ReduceOpTest {
  private static final int N = 37;  // two 16-lane vectors and a tail

  private static float[] values(int seed) {
    float[] v = new float[N + 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i * 7 + seed) % 11 - 5.25f;
    }
    v[5] = Float.NaN;
    return v;
  }

  /** The payload at an odd byte offset of its frame, as the reader leaves it. */
  private static ByteBuffer payload(float[] src, int from) {
    ByteBuffer frame = ByteBuffer.allocateDirect(N * Float.BYTES + 7);
    ByteBuffer p = frame.position(3).limit(3 + N * Float.BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < N; i++) {
      p.putFloat(i * Float.BYTES, src[from + i]);
    }
    return p;
  }

  private static float[] expected(ReduceOp op, float[] dst, float[] src, int from) {
    float[] e = dst.clone();
    for (int i = 0; i < N; i++) {
      e[2 + i] = op == ReduceOp.MAX ? Math.max(e[2 + i], src[from + i]) : e[2 + i] + src[from + i];
    }
    return e;
  }

  @Test
  void combiningFromArraysAndFramesMatchesTheScalarLoopBitForBit() {
    for (ReduceOp op : ReduceOp.values()) {
      float[] src = values(1);
      float[] fromArray = values(4);
      float[] fromFrame = fromArray.clone();
      float[] want = expected(op, fromArray, src, 1);
      op.combine(fromArray, 2, src, 1, N);
      op.combine(fromFrame, 2, payload(src, 1), N);
      assertArrayEquals(want, fromArray, op + " from an array");
      assertArrayEquals(want, fromFrame, op + " from frame bytes");
    }
  }

  /** Longer than the 4096-float blocks that JDKs without buffer vector loads decode through. */
  @Test
  void aLongFrameCombinesLikeTheArray() {
    int n = 10_001;
    ByteBuffer p = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    float[] src = new float[n];
    float[] dst = new float[n];
    for (int i = 0; i < n; i++) {
      src[i] = i * 0.25f - 7;
      dst[i] = 3 - i * 0.5f;
      p.putFloat(i * Float.BYTES, src[i]);
    }
    float[] want = dst.clone();
    for (int i = 0; i < n; i++) {
      want[i] += src[i];
    }
    ReduceOp.SUM.combine(dst, 0, p, n);
    assertArrayEquals(want, dst);
  }

  /**
   * A JVM started without {@code --add-modules jdk.incubator.vector} (a library user who does not know
   * the flag) combines with the plain loops and gets the same values; touching the Vector API class
   * there used to fail with a NoClassDefFoundError on the first received segment.
   */
  @Test
  void withoutTheVectorModuleTheSameValuesComeFromThePlainLoops() throws IOException, InterruptedException {
    PlainJvm.run(WithoutVectorModule.class, "vector module absent; combines match");
  }

  /** Run in a JVM without the Vector API module by the test above; exits 1 on any mismatch. */
  static final class WithoutVectorModule {
    public static void main(String[] args) {
      if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
        System.out.println("the vector module is present: the check would prove nothing");
        System.exit(1);
      }
      ReduceOpTest t = new ReduceOpTest();
      t.combiningFromArraysAndFramesMatchesTheScalarLoopBitForBit();
      t.aLongFrameCombinesLikeTheArray();
      System.out.println("vector module absent; combines match");
    }
  }
}
