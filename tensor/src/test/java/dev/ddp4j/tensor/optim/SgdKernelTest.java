package dev.ddp4j.tensor.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.PlainJvm;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import org.junit.jupiter.api.Test;

/**
 * The fused SGD update gives the bits of the formulas evaluated element by element, on every path (also
 * for a gradient at an offset in its array).
 */
class SgdKernelTest {

  /** The update of one element as PyTorch's unfused ops round it. */
  private static void reference(float[] p, float[] g, float[] b, boolean first, float lr, float mu, float damp,
      float wd, boolean nesterov) {
    for (int i = 0; i < p.length; i++) {
      float d = g[i];
      if (wd != 0) {
        d = d + wd * p[i];
      }
      if (b != null) {
        float m = first ? d : b[i] * mu + (float) (1 - (double) damp) * d;
        b[i] = m;
        d = nesterov ? d + mu * m : m;
      }
      p[i] = p[i] + (float) -(double) lr * d;
    }
  }

  @Test
  void everyPathMatchesTheElementwiseFormulasBitForBit() {
    boolean vector = SgdKernel.vectorOffsetLoops;
    try {
      for (boolean v : new boolean[] {vector, false}) {  // the Vector API loops (when present) and the plain ones
        SgdKernel.vectorOffsetLoops = v;
        checkEveryPath();
      }
    } finally {
      SgdKernel.vectorOffsetLoops = vector;
    }
  }

  private void checkEveryPath() {
    Generator gen = new Generator(5);
    int n = 100_003; // above the parallel grain, not a multiple of any vector width
    // {momentum, dampening, weight decay, nesterov}
    double[][] configs = {{0, 0, 0, 0}, {0.9, 0, 0, 0}, {0.9, 0.1, 0, 0}, {0.9, 0, 1e-2, 0}, {0.9, 0, 0, 1},
        {0, 0, 1e-2, 0}};
    for (double[] c : configs) {
      Tensor p = Torch.randn(gen, DType.FLOAT32, n);
      Tensor buf = c[0] != 0 ? Torch.zeros(DType.FLOAT32, n) : null;
      float[] pe = p.toFloatArray();
      float[] be = buf == null ? null : new float[n];
      for (int step = 0; step < 3; step++) {
        Tensor g = Torch.randn(gen, DType.FLOAT32, n);
        float[] ge = g.toFloatArray();
        if (step == 1) {
          // A gradient that is a view into a larger array (DDP's gradient as a bucket view).
          float[] bucket = new float[n + 10];
          System.arraycopy(ge, 0, bucket, 7, n);
          g = Torch.wrap(bucket, 7, n);
          assertTrue(SgdKernel.applies(p, g, buf), "an offset gradient takes the fused path");
        }
        SgdKernel.update(p, g, buf, step == 0, 0.05, c[0], c[1], c[2], c[3] != 0);
        reference(pe, ge, be, step == 0, 0.05f, (float) c[0], (float) c[1], (float) c[2], c[3] != 0);
        assertArrayEquals(pe, p.toFloatArray(), "parameter, config " + java.util.Arrays.toString(c) + " step " + step);
        if (buf != null) {
          assertArrayEquals(be, buf.toFloatArray(), "buffer, config " + java.util.Arrays.toString(c));
        }
      }
    }
  }

  /**
   * A JVM without the Vector API module (a library user who does not know the flag) takes the plain
   * loops for an offset gradient and gets the same bits, instead of failing to load the vector class.
   */
  @Test
  void withoutTheVectorModuleOffsetGradientsTakeThePlainLoops() throws Exception {
    PlainJvm.run(WithoutVectorModule.class, "vector module absent; SGD matches");
  }

  /** Run in a JVM without the Vector API module by the test above; exits 1 on any mismatch. */
  static final class WithoutVectorModule {
    public static void main(String[] args) {
      if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() || SgdKernel.vectorOffsetLoops) {
        System.out.println("the vector module is present: the check would prove nothing");
        System.exit(1);
      }
      new SgdKernelTest().checkEveryPath();
      System.out.println("vector module absent; SGD matches");
    }
  }
}
