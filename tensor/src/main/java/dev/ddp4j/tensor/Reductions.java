package dev.ddp4j.tensor;

import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.autograd.GradMode;
import java.util.Arrays;

/**
 * Reductions over all or some dims (sum, mean, var, max/min with indices) and the softmax family.
 * Sums accumulate in double. Composite ops (mean, var, softmax, logSoftmax, logSumExp) are built
 * from the others and need no backward of their own. Inside an enabled {@link Autocast} scope sum,
 * softmax, logSoftmax and logSumExp first cast bfloat16/float16 inputs to float32.
 */
final class Reductions {
  private Reductions() {}

  /** Elements below this count run on the calling thread. */
  private static final int PARALLEL_GRAIN_ELEMENTS = 1 << 15;

  /** Sorted, unique, wrapped dims; null means all. */
  private static boolean[] reducedMask(String op, Tensor t, int[] dims) {
    boolean[] mask = new boolean[t.dim()];
    if (dims == null) {
      Arrays.fill(mask, true);
      return mask;
    }
    for (int d : dims) {
      int w = Shapes.wrapDim(op, d, t.dim());
      if (t.dim() == 0) {
        continue;
      }
      if (mask[w]) {
        throw new IllegalArgumentException(op + ": dim " + w + " appears multiple times in the list of dims "
            + Arrays.toString(dims));
      }
      mask[w] = true;
    }
    return mask;
  }

  private static int[] outShape(Tensor t, boolean[] mask, boolean keepdim) {
    int[] s = new int[t.dim()];
    int n = 0;
    for (int i = 0; i < t.dim(); i++) {
      if (!mask[i]) {
        s[n++] = t.shape[i];
      } else if (keepdim) {
        s[n++] = 1;
      }
    }
    return Arrays.copyOf(s, n);
  }

  private static int[] keptShape(Tensor t, boolean[] mask) {
    int[] s = t.shape.clone();
    for (int i = 0; i < s.length; i++) {
      if (mask[i]) {
        s[i] = 1;
      }
    }
    return s;
  }

  /** Sum over {@code dims} (all when null); inside an enabled {@link Autocast} scope it runs in float32. */
  static Tensor sum(Tensor t, int[] dims, boolean keepdim) {
    if (Autocast.isEnabled()) {
      t = Autocast.toFloat32(t);
    }
    return sumNoAutocast(t, dims, keepdim);
  }

  private static Tensor sumNoAutocast(Tensor t, int[] dims, boolean keepdim) {
    boolean[] mask = reducedMask("sum", t, dims);
    DType rt = t.dtype().isFloatingPoint() ? t.dtype() : DType.INT64;
    Tensor out = sumKernel(t, mask, rt);
    int[] keep = keptShape(t, mask);
    int[] inShape = t.shape;
    Tensor shaped = out.view(outShape(t, mask, keepdim));
    return FunctionNode.record(shaped, "SumBackward1", new Tensor[] {t}, new Tensor[0],
        (g, s) -> new Tensor[] {g.reshape(keep).expand(inShape)});
  }

  /** Sums over the masked dims into a contiguous tensor of the kept dims (flat). */
  private static Tensor sumKernel(Tensor t, boolean[] mask, DType rt) {
    if (t.storage.isOnDevice()) {
      return deviceSum(t, mask);
    }
    int n = t.dim();
    int[] kept = new int[n];
    int[] red = new int[n];
    int nk = 0;
    int nr = 0;
    for (int i = 0; i < n; i++) {
      if (mask[i]) {
        red[nr++] = i;
      } else {
        kept[nk++] = i;
      }
    }
    int outer = 1;
    for (int i = 0; i < nk; i++) {
      outer *= t.shape[kept[i]];
    }
    int inner = 1;
    for (int i = 0; i < nr; i++) {
      inner *= t.shape[red[i]];
    }
    Tensor out = Tensor.empty(rt, new int[] {outer});
    DType ct = t.dtype().computeType();
    boolean keptRun = nk > 0 && kept[nk - 1] - kept[0] == nk - 1;
    // The in-place path reads float32 storage; 16-bit inputs go through the widening copy below.
    if (keptRun && nr > 0 && t.numel() > 0 && t.isContiguous() && t.dtype() == DType.FLOAT32) {
      // The kept dims are one run: t is [before, kept, after] in place, no permuted copy needed.
      int after = 1;
      for (int i = kept[nk - 1] + 1; i < n; i++) {
        after *= t.shape[i];
      }
      double[] acc = sumAroundRun(t.storage.f, t.offset, inner / after, outer, after);
      for (int j = 0; j < outer; j++) {
        out.storage.setDouble(j, acc[j]);
      }
      return out;
    }
    int[] perm = new int[n];
    System.arraycopy(kept, 0, perm, 0, nk);
    System.arraycopy(red, 0, perm, nk, nr);
    Tensor p = Elementwise.castNoGrad(t.detach(), ct == DType.BOOL ? DType.INT64 : ct).permute(perm).contiguous();
    Storage src = p.storage;
    int off = p.offset;
    if (ct == DType.FLOAT32) {
      float[] x = src.f;
      for (int o = 0; o < outer; o++) {
        double s = 0;
        int b = off + o * inner;
        for (int i = 0; i < inner; i++) {
          s += x[b + i];
        }
        out.storage.setDouble(o, s);
      }
    } else if (p.dtype() == DType.INT64) {
      long[] x = src.l;
      for (int o = 0; o < outer; o++) {
        long s = 0;
        int b = off + o * inner;
        for (int i = 0; i < inner; i++) {
          s += x[b + i];
        }
        out.storage.setLong(o, s);
      }
    } else {
      double[] x = src.d;
      for (int o = 0; o < outer; o++) {
        double s = 0;
        int b = off + o * inner;
        for (int i = 0; i < inner; i++) {
          s += x[b + i];
        }
        out.storage.setDouble(o, s);
      }
    }
    return out;
  }

  /**
   * Sums of a contiguous [before, kept, after] block over its first and last dims, one double per kept
   * index: a bias gradient is [batch, features] (after = 1) or [batch, channels, H·W] (conv). A row of
   * {@code after} elements is summed into four interleaved partial sums, which hides the latency of
   * dependent double adds.
   */
  private static double[] sumAroundRun(float[] x, int off, int before, int kept, int after) {
    double[] acc = new double[kept];
    if (after == 1) {
      for (int b = 0; b < before; b++) {
        int base = off + b * kept;
        for (int k = 0; k < kept; k++) {
          acc[k] += x[base + k];
        }
      }
      return acc;
    }
    // Tasks split the kept indices: each sum is one task's, in the same order as on one thread.
    int grain = (int) Math.max(1, PARALLEL_GRAIN_ELEMENTS / ((long) before * after));
    Threads.parallelFor(0, kept, grain, (k0, k1) -> sumRows(x, off, before, kept, after, k0, k1, acc));
    return acc;
  }

  /** Adds rows {@code [k0, k1)} of every {@code before} block into {@code acc}, four partial sums per row. */
  private static void sumRows(float[] x, int off, int before, int kept, int after, int k0, int k1, double[] acc) {
    for (int b = 0; b < before; b++) {
      for (int k = k0; k < k1; k++) {
        int row = off + (b * kept + k) * after;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 4 <= after; i += 4) {
          s0 += x[row + i];
          s1 += x[row + i + 1];
          s2 += x[row + i + 2];
          s3 += x[row + i + 3];
        }
        for (; i < after; i++) {
          s0 += x[row + i];
        }
        acc[k] += (s0 + s1) + (s2 + s3);
      }
    }
  }

  static Tensor mean(Tensor t, int[] dims, boolean keepdim) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("mean: could not infer output dtype. Input dtype must be either a "
          + "floating point or complex dtype. Got: " + t.dtype());
    }
    boolean[] mask = reducedMask("mean", t, dims);
    long count = 1;
    for (int i = 0; i < t.dim(); i++) {
      if (mask[i]) {
        count *= t.shape[i];
      }
    }
    return sumNoAutocast(t, dims, keepdim).div((double) count);
  }

  static Tensor var(Tensor t, int[] dims, boolean unbiased, boolean keepdim) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("var: only supports floating-point dtypes, got " + t.dtype());
    }
    boolean[] mask = reducedMask("var", t, dims);
    long count = 1;
    for (int i = 0; i < t.dim(); i++) {
      if (mask[i]) {
        count *= t.shape[i];
      }
    }
    Tensor centered = t.sub(mean(t, dims, true));
    double denom = Math.max(count - (unbiased ? 1 : 0), 0);
    return sumNoAutocast(centered.mul(centered), dims, keepdim).div(denom);
  }

  static Tensor maxAll(Tensor t, boolean isMax) {
    String op = isMax ? "max" : "min";
    if (t.numel() == 0) {
      throw new IllegalArgumentException(op + "(): Expected reduction dim to be specified for input.numel() == 0. "
          + "Specify the reduction dim with the 'dim' argument.");
    }
    ValuesIndices vi = kernelMaxMin(t.reshape(-1), 0, isMax);
    Tensor value = vi.values.view();
    return FunctionNode.record(value, isMax ? "MaxBackward1" : "MinBackward1", new Tensor[] {t},
        new Tensor[] {t, value}, (g, s) -> {
          // The gradient is shared evenly among the elements equal to the extremum.
          Tensor hits = s[0].eq(s[1]).to(g.dtype());
          return new Tensor[] {hits.mul(g.div(hits.sum()))};
        });
  }

  private record ValuesIndices(Tensor values, Tensor indices) {}

  static Tensor.ValuesIndices maxMin(Tensor t, int dim, boolean keepdim, boolean isMax) {
    String op = isMax ? "max" : "min";
    int d = Shapes.wrapDim(op, dim, t.dim());
    if (t.dim() > 0 && t.shape[d] == 0) {
      throw new IllegalArgumentException(op + "(): Expected reduction dim " + d + " to have non-zero size "
          + "(shape " + Shapes.str(t.shape) + ")");
    }
    if (t.dim() == 0) {
      return new Tensor.ValuesIndices(t, Tensor.empty(DType.INT64, new int[0], t.device()));
    }
    ValuesIndices vi = kernelMaxMin(t, d, isMax);
    int[] keep = t.shape.clone();
    keep[d] = 1;
    boolean[] mask = new boolean[t.dim()];
    mask[d] = true;
    int[] shape = outShape(t, mask, keepdim);
    Tensor values = vi.values.view(shape);
    Tensor indices = vi.indices.view(shape);
    int[] inShape = t.shape;
    Tensor idxKeep = vi.indices.view(keep);
    values = FunctionNode.record(values, isMax ? "MaxBackward0" : "MinBackward0", new Tensor[] {t},
        new Tensor[] {idxKeep}, (g, s) -> new Tensor[] {
            Tensor.empty(g.dtype(), inShape, g.device()).scatterAdd(d, s[0], g.reshape(keep))});
    return new Tensor.ValuesIndices(values, indices);
  }

  /**
   * {@link #sumKernel} on a device: the reduced dims moved last when they are not already one run of a
   * contiguous tensor, then one sum over the middle of [before, reduced, after].
   */
  private static Tensor deviceSum(Tensor t, boolean[] mask) {
    if (t.dtype().isHalf()) {
      // Summed in float32 and rounded once, as the CPU sums 16-bit floats.
      return Elementwise.castNoGrad(deviceSum(Elementwise.castNoGrad(t.detach(), DType.FLOAT32), mask),
          t.dtype());
    }
    Dispatch.requireFloat32("sum", t);
    int n = t.dim();
    int first = -1;
    int last = -1;
    for (int i = 0; i < n; i++) {
      if (mask[i]) {
        first = first < 0 ? i : first;
        last = i;
      }
    }
    boolean run = first >= 0;
    for (int i = first; run && i <= last; i++) {
      run = mask[i];
    }
    Tensor x = t.detach();
    if (!run || !x.isContiguous()) {
      int[] perm = new int[n];
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (!mask[i]) {
          perm[k++] = i;
        }
      }
      first = k;
      for (int i = 0; i < n; i++) {
        if (mask[i]) {
          perm[k++] = i;
        }
      }
      last = n - 1;
      x = ShapeOps.contiguousCopy(x.permute(perm));
    }
    int before = 1;
    int size = 1;
    int after = 1;
    for (int i = 0; i < n; i++) {
      int s = x.shape[i];
      if (i < first) {
        before *= s;
      } else if (i <= last) {
        size *= s;
      } else {
        after *= s;
      }
    }
    Tensor out = Tensor.empty(DType.FLOAT32, new int[] {before * after}, x.device());
    Dispatch.ops(x).sumDim(Dispatch.view(x), before, size, after, Dispatch.view(out));
    return out;
  }

  /** Values (dtype of t) and int64 indices along {@code d}, flat over the other dims. NaN wins. */
  private static ValuesIndices kernelMaxMin(Tensor t, int d, boolean isMax) {
    if (t.storage.isOnDevice()) {
      // The device kernel finds maxima; a minimum is the maximum of -t, negated (same NaN and tie rules).
      Dispatch.requireFloat32(isMax ? "max" : "min", t);
      Tensor x = isMax ? ShapeOps.contiguousCopy(t.detach()) : t.detach().neg();
      int outer = 1;
      int after = 1;
      for (int i = 0; i < t.dim(); i++) {
        if (i < d) {
          outer *= t.shape[i];
        } else if (i > d) {
          after *= t.shape[i];
        }
      }
      Tensor values = Tensor.empty(DType.FLOAT32, new int[] {outer * after}, t.device());
      Tensor indices = Tensor.empty(DType.INT64, new int[] {outer * after}, t.device());
      Dispatch.ops(x).maxDim(Dispatch.view(x), outer, t.shape[d], after, Dispatch.view(values),
          Dispatch.view(indices));
      return new ValuesIndices(isMax ? values : values.neg(), indices);
    }
    int n = t.dim();
    int[] perm = new int[n];
    for (int i = 0, k = 0; i < n; i++) {
      if (i != d) {
        perm[k++] = i;
      }
    }
    perm[n - 1] = d;
    DType ct = t.dtype().computeType() == DType.BOOL ? DType.INT64 : t.dtype().computeType();
    Tensor p;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      p = Elementwise.castNoGrad(t.detach(), ct).permute(perm).contiguous();
    }
    int inner = t.shape[d];
    int outer = inner == 0 ? 0 : p.numel() / inner;
    Tensor values = Tensor.empty(ct, new int[] {outer});
    Tensor indices = Tensor.empty(DType.INT64, new int[] {outer});
    Storage src = p.storage;
    for (int o = 0; o < outer; o++) {
      int b = p.offset + o * inner;
      int best = 0;
      double bv = src.getDouble(b);
      if (ct == DType.INT64) {
        long blv = src.getLong(b);
        for (int i = 1; i < inner; i++) {
          long v = src.getLong(b + i);
          if (isMax ? v > blv : v < blv) {
            blv = v;
            best = i;
          }
        }
        values.storage.setLong(o, blv);
      } else {
        for (int i = 1; i < inner && bv == bv; i++) {
          double v = src.getDouble(b + i);
          if (v != v || (isMax ? v > bv : v < bv)) {
            bv = v;
            best = i;
          }
        }
        values.storage.setDouble(o, bv);
      }
      indices.storage.setLong(o, best);
    }
    return new ValuesIndices(Elementwise.castNoGrad(values, t.dtype()), indices);
  }

  /** The max along dim with keepdim, as a constant (shift for numerically stable exponentials). */
  private static Tensor stableShift(Tensor t, int d) {
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      Tensor m = maxMin(t.detach(), d, true, true).values();
      return m.maskedFill(m.abs().eq(Double.POSITIVE_INFINITY), 0);
    }
  }

  private static void requireFloat(String op, Tensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(op + ": expected a floating point tensor, got " + t.dtype());
    }
  }

  static Tensor softmax(Tensor t, int dim) {
    requireFloat("softmax", t);
    if (Autocast.isEnabled()) {
      t = Autocast.toFloat32(t);
    }
    if (t.dim() == 0) {
      return t.sub(t).exp();
    }
    int d = Shapes.wrapDim("softmax", dim, t.dim());
    if (t.storage.isOnDevice()) {
      return deviceSoftmax(t, d, false);
    }
    Tensor e = t.sub(stableShift(t, d)).exp();
    return e.div(e.sum(d, true));
  }

  static Tensor logSoftmax(Tensor t, int dim) {
    requireFloat("logSoftmax", t);
    if (Autocast.isEnabled()) {
      t = Autocast.toFloat32(t);
    }
    if (t.dim() == 0) {
      return t.sub(t);
    }
    int d = Shapes.wrapDim("logSoftmax", dim, t.dim());
    if (t.storage.isOnDevice()) {
      return deviceSoftmax(t, d, true);
    }
    Tensor shifted = t.sub(stableShift(t, d));
    return shifted.sub(shifted.exp().sum(d, true).log());
  }

  /**
   * Softmax or log-softmax over dim d by the device's row kernel (d moved last when it is not), with
   * the backward written in tensor ops, which run on the device too: for y = softmax,
   * {@code y·(g − Σ g·y)}; for y = log-softmax, {@code g − exp(y)·Σ g}.
   */
  private static Tensor deviceSoftmax(Tensor t, int d, boolean log) {
    Dispatch.requireFloat32(log ? "logSoftmax" : "softmax", t);
    int last = t.dim() - 1;
    Tensor x = (d == last ? t.detach() : t.detach().transpose(d, last)).contiguous();
    int cols = x.shape[last];
    int rows = cols == 0 ? 0 : x.numel() / cols;
    Tensor y = Tensor.empty(DType.FLOAT32, x.shape, x.device());
    if (rows > 0) {
      Dispatch.ops(x).softmaxLastDim(Dispatch.view(x), rows, cols, log, Dispatch.view(y));
    }
    Tensor out = d == last ? y : y.transpose(d, last);
    return FunctionNode.record(out, log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", new Tensor[] {t},
        new Tensor[] {out}, (g, s) -> new Tensor[] {log
            ? g.sub(s[0].exp().mul(g.sum(d, true)))
            : s[0].mul(g.sub(g.mul(s[0]).sum(d, true)))});
  }

  static Tensor logSumExp(Tensor t, int[] dims, boolean keepdim) {
    requireFloat("logSumExp", t);
    if (Autocast.isEnabled()) {
      t = Autocast.toFloat32(t);
    }
    if (t.dim() == 0) {
      return t;
    }
    boolean[] mask = reducedMask("logSumExp", t, dims);
    Tensor m;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      m = t.detach();
      for (int i = 0; i < t.dim(); i++) {
        if (mask[i]) {
          m = maxMin(m, i, true, true).values();
        }
      }
      m = m.maskedFill(m.abs().eq(Double.POSITIVE_INFINITY), 0);
    }
    Tensor r = t.sub(m).exp().sum(dims, true).log().add(m);
    return keepdim ? r : r.view(outShape(t, mask, false));
  }
}
