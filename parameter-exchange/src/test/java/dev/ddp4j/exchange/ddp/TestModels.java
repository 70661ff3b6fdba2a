package dev.ddp4j.exchange.ddp;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.nn.F;
import dev.ddp4j.tensor.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small models whose initial weights come from an explicit seed, in float32 or float64. */
final class TestModels {
  private TestModels() {}

  /** {@code y = x · Wᵀ + b} with weights drawn from {@code gen}. */
  static final class Dense extends Module {
    final Tensor weight;
    final Tensor bias;

    Dense(Generator gen, DType dtype, int in, int out) {
      weight = registerParameter("weight", Torch.randn(gen, dtype, out, in).mul(1.0 / Math.sqrt(in)).detach());
      bias = registerParameter("bias", Torch.randn(gen, dtype, out).mul(0.1).detach());
    }

    @Override
    public Tensor forward(Tensor x) {
      return F.linear(x, weight, bias);
    }
  }

  /** fc1 → tanh → fc2 (→ fc3 unless it is skipped: an unused parameter). */
  static final class Mlp extends Module {
    final Dense fc1;
    final Dense fc2;
    final Dense fc3;
    final boolean skipFc3;

    Mlp(long seed, DType dtype, int in, int hidden, int out, boolean withFc3, boolean skipFc3) {
      Generator gen = new Generator(seed);
      fc1 = registerModule("fc1", new Dense(gen, dtype, in, hidden));
      fc2 = registerModule("fc2", new Dense(gen, dtype, hidden, withFc3 ? hidden : out));
      fc3 = withFc3 ? registerModule("fc3", new Dense(gen, dtype, hidden, out)) : null;
      this.skipFc3 = skipFc3;
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor h = fc2.forward(fc1.forward(x).tanh());
      return fc3 == null || skipFc3 ? h : fc3.forward(h.tanh());
    }
  }

  static Mlp mlp(long seed, DType dtype) {
    return new Mlp(seed, dtype, 6, 12, 3, false, false);
  }

  /** Every parameter, flattened in registration order, as doubles (exact for float32 and float64). */
  static double[] flatParameters(Module m) {
    List<Double> out = new ArrayList<>();
    for (Tensor t : m.namedParameters().values()) {
      for (double v : t.toDoubleArray()) {
        out.add(v);
      }
    }
    double[] a = new double[out.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = out.get(i);
    }
    return a;
  }

  /** Every gradient (zeros where none), flattened in registration order, as floats. */
  static float[] flatGrads(Module m) {
    List<float[]> parts = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
      Tensor g = e.getValue().grad();
      float[] f = g == null ? new float[e.getValue().numel()] : g.toFloatArray();
      parts.add(f);
      n += f.length;
    }
    float[] out = new float[n];
    int off = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }

  /** Inputs [rows, in] and targets [rows, out] of global batch {@code step}, the same on every rank. */
  static Tensor[] batch(int step, DType dtype, int rows, int in, int out) {
    Generator gen = new Generator(1000 + step);
    return new Tensor[] {Torch.randn(gen, dtype, rows, in), Torch.randn(gen, dtype, rows, out)};
  }
}
