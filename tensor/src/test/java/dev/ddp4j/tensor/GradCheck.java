package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch-style gradcheck in float64: compares the analytical vector-Jacobian product (backward of
 * a random upstream gradient shaped like the output) with central finite differences of the same
 * projection, for every element of every input.
 *
 * <p>Inputs are float64 leaves that require grad; they may be non-contiguous views (transposed,
 * narrowed) and even overlapping ones (expanded, stride 0). The numerical side perturbs the storage
 * element a view addresses, so for an element aliased by several view positions the derivative
 * with respect to that storage element is compared with the sum of the analytical gradients of all
 * the positions aliasing it. Only called from the test thread.
 */
final class GradCheck {
  /** Central-difference step. */
  static final double EPS = 1e-6;
  /** Absolute tolerance of the comparison. */
  static final double ATOL = 1e-5;
  /** Relative tolerance of the comparison, against the numerical value. */
  static final double RTOL = 1e-3;

  /** The upstream gradient is drawn from this seed, so a failure reproduces. */
  private static final long UPSTREAM_SEED = 20240917L;
  /** At most this many mismatching elements are listed in a failure message. */
  private static final int MAX_REPORTED_MISMATCHES = 8;

  private GradCheck() {}

  /** The function under test: a tensor computed from the inputs (in the order given to check). */
  @FunctionalInterface
  interface Function {
    Tensor apply(Tensor[] inputs);
  }

  /**
   * Checks {@code f}'s gradient with respect to every input; throws an {@link AssertionError}
   * naming the op, the input index, the element and both values when any element disagrees.
   */
  static void check(String op, Function f, Tensor... inputs) {
    validateInputs(op, inputs);
    double[] before = snapshot(inputs);

    // A. Analytical: one backward of a random upstream gradient v gives v^T J for every input.
    for (Tensor in : inputs) {
      in.setGrad(null);
    }
    Tensor out = f.apply(inputs);
    if (out.dtype() != DType.FLOAT64) {
      throw new AssertionError("gradcheck " + op + ": expected a float64 output, got " + out.dtype());
    }
    if (!out.requiresGrad()) {
      throw new AssertionError("gradcheck " + op + ": the output does not require grad (no graph recorded)");
    }
    int[] outShape = out.shape();
    Tensor v = Torch.randn(new Generator(UPSTREAM_SEED), DType.FLOAT64, outShape);
    double[] vv = v.toDoubleArray();
    out.backward(v);
    double[][] analytic = new double[inputs.length][];
    for (int i = 0; i < inputs.length; i++) {
      Tensor g = inputs[i].grad();
      if (g == null) {
        analytic[i] = new double[inputs[i].numel()];
        continue;
      }
      if (!Arrays.equals(g.shape(), inputs[i].shape()) || g.dtype() != DType.FLOAT64) {
        throw new AssertionError("gradcheck " + op + ": input " + i + " has shape " + Arrays.toString(inputs[i].shape())
            + " and dtype float64 but its gradient has shape " + Arrays.toString(g.shape()) + " and dtype "
            + g.dtype());
      }
      analytic[i] = g.toDoubleArray();
    }

    // B. Numerical: d(v . f(x)) / d(storage element), by central differences, without recording.
    List<String> mismatches = new ArrayList<>();
    int mismatchCount = 0;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (int i = 0; i < inputs.length; i++) {
        Tensor in = inputs[i];
        for (Map.Entry<Integer, List<Integer>> alias : aliases(in).entrySet()) {
          int so = alias.getKey();
          double orig = in.storage.getDouble(so);
          in.storage.setDouble(so, orig + EPS);
          double plus = project(op, f, inputs, outShape, vv);
          in.storage.setDouble(so, orig - EPS);
          double minus = project(op, f, inputs, outShape, vv);
          in.storage.setDouble(so, orig);
          double numeric = (plus - minus) / (2 * EPS);
          double a = 0;
          for (int e : alias.getValue()) {
            a += analytic[i][e];
          }
          if (!(Math.abs(a - numeric) <= ATOL + RTOL * Math.abs(numeric))) {
            if (mismatchCount++ < MAX_REPORTED_MISMATCHES) {
              mismatches.add("input " + i + " (shape " + Arrays.toString(in.shape()) + ") element "
                  + Arrays.toString(coords(alias.getValue().get(0), in.shape()))
                  + (alias.getValue().size() > 1 ? " (aliased by " + alias.getValue().size() + " positions)" : "")
                  + ": analytic " + a + " vs numeric " + numeric);
            }
          }
        }
      }
    }
    if (!Arrays.equals(before, snapshot(inputs))) {
      throw new AssertionError("gradcheck " + op + ": the inputs were not restored after perturbation "
          + "(does the function modify its inputs?)");
    }
    if (mismatchCount > 0) {
      throw new AssertionError("gradcheck " + op + ": " + mismatchCount + " element(s) disagree (eps " + EPS
          + ", atol " + ATOL + ", rtol " + RTOL + "):\n  " + String.join("\n  ", mismatches));
    }
  }

  private static void validateInputs(String op, Tensor[] inputs) {
    if (inputs.length == 0) {
      throw new IllegalArgumentException("gradcheck " + op + ": no inputs");
    }
    for (int i = 0; i < inputs.length; i++) {
      Tensor in = inputs[i];
      if (in.dtype() != DType.FLOAT64) {
        throw new IllegalArgumentException("gradcheck " + op + ": input " + i + " must be float64, got "
            + in.dtype());
      }
      if (!in.isLeaf() || !in.requiresGrad()) {
        throw new IllegalArgumentException("gradcheck " + op + ": input " + i + " must be a leaf that requires "
            + "grad");
      }
    }
  }

  /** v . f(inputs), failing when the output's shape changed under perturbation. */
  private static double project(String op, Function f, Tensor[] inputs, int[] outShape, double[] v) {
    Tensor y = f.apply(inputs);
    if (!Arrays.equals(y.shape(), outShape)) {
      throw new AssertionError("gradcheck " + op + ": output shape changed under perturbation from "
          + Arrays.toString(outShape) + " to " + Arrays.toString(y.shape()));
    }
    double[] yy = y.toDoubleArray();
    double s = 0;
    for (int k = 0; k < yy.length; k++) {
      s += yy[k] * v[k];
    }
    return s;
  }

  /** Storage offset of each element (row-major over the view) to the elements addressing it. */
  private static Map<Integer, List<Integer>> aliases(Tensor t) {
    Map<Integer, List<Integer>> byOffset = new LinkedHashMap<>();
    int[] shape = t.shape;
    for (int e = 0; e < t.numel(); e++) {
      int[] c = coords(e, shape);
      int so = t.offset;
      for (int k = 0; k < c.length; k++) {
        so += c[k] * t.stride[k];
      }
      byOffset.computeIfAbsent(so, x -> new ArrayList<>()).add(e);
    }
    return byOffset;
  }

  private static int[] coords(int flat, int[] shape) {
    int[] c = new int[shape.length];
    for (int k = shape.length - 1; k >= 0; k--) {
      c[k] = flat % shape[k];
      flat /= shape[k];
    }
    return c;
  }

  private static double[] snapshot(Tensor[] inputs) {
    List<Double> all = new ArrayList<>();
    for (Tensor in : inputs) {
      for (double d : in.toDoubleArray()) {
        all.add(d);
      }
    }
    return all.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
