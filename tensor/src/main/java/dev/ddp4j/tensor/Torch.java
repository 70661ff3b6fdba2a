package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code torch.*} namespace: tensor factories, the default random generator, and the free
 * functions (cat, stack, where, ...). Float32 is the default dtype, as in PyTorch.
 */
public final class Torch {
  private Torch() {}

  private static final Generator DEFAULT_GENERATOR = new Generator(0);

  /** Seeds the default generator (PyTorch's {@code torch.manual_seed}). */
  public static void manualSeed(long seed) {
    synchronized (DEFAULT_GENERATOR) {
      DEFAULT_GENERATOR.manualSeed(seed);
    }
  }

  /** The shared default generator; synchronise on it when drawing from several threads. */
  public static Generator defaultGenerator() {
    return DEFAULT_GENERATOR;
  }

  /** Disables autograd recording on this thread until the scope closes: {@code try (var g = Torch.noGrad())}. */
  public static GradMode.Scope noGrad() {
    return GradMode.noGrad();
  }

  // ---------------------------------------------------------------- creation

  public static Tensor zeros(int... shape) {
    return zeros(DType.FLOAT32, shape);
  }

  public static Tensor zeros(DType dtype, int... shape) {
    return Tensor.empty(dtype, shape);
  }

  public static Tensor ones(int... shape) {
    return full(1, DType.FLOAT32, shape);
  }

  public static Tensor ones(DType dtype, int... shape) {
    return full(1, dtype, shape);
  }

  public static Tensor full(double value, int... shape) {
    return full(value, DType.FLOAT32, shape);
  }

  public static Tensor full(double value, DType dtype, int... shape) {
    Tensor t = Tensor.empty(dtype, shape);
    if (value != 0) {
      try (GradMode.Scope ignored = GradMode.noGrad()) {
        t.fill_(value);
      }
    }
    return t;
  }

  /** A 0-dim tensor holding {@code value} (float32). */
  public static Tensor scalar(double value) {
    return full(value, DType.FLOAT32);
  }

  /** A 0-dim tensor holding {@code value} with the given dtype. */
  public static Tensor scalar(double value, DType dtype) {
    return full(value, dtype);
  }

  /** Zeros with t's dtype and shape, on t's device. */
  public static Tensor zerosLike(Tensor t) {
    return Tensor.empty(t.dtype(), t.shape, t.device());
  }

  /** Ones with t's dtype and shape, on t's device. */
  public static Tensor onesLike(Tensor t) {
    return fullLike(t, 1);
  }

  /** {@code value} with t's dtype and shape, on t's device. */
  public static Tensor fullLike(Tensor t, double value) {
    Tensor out = Tensor.empty(t.dtype(), t.shape, t.device());
    if (value != 0) {
      try (GradMode.Scope ignored = GradMode.noGrad()) {
        out.fill_(value);
      }
    }
    return out;
  }

  public static Tensor randnLike(Tensor t) {
    return randn(t.dtype(), t.shape);
  }

  public static Tensor randLike(Tensor t) {
    return rand(t.dtype(), t.shape);
  }

  /** Uniform samples in [0, 1) from the default generator. */
  public static Tensor rand(int... shape) {
    return rand(DType.FLOAT32, shape);
  }

  public static Tensor rand(DType dtype, int... shape) {
    synchronized (DEFAULT_GENERATOR) {
      return rand(DEFAULT_GENERATOR, dtype, shape);
    }
  }

  public static Tensor rand(Generator gen, DType dtype, int... shape) {
    requireFloat("rand", dtype);
    Tensor t = Tensor.empty(dtype, shape);
    int n = t.numel();
    if (dtype == DType.FLOAT32) {
      float[] f = t.storage.f;
      for (int i = 0; i < n; i++) {
        f[i] = gen.nextFloat();
      }
    } else {
      for (int i = 0; i < n; i++) {
        t.storage.setDouble(i, gen.nextDouble());
      }
    }
    return t;
  }

  /** Standard normal samples from the default generator. */
  public static Tensor randn(int... shape) {
    return randn(DType.FLOAT32, shape);
  }

  public static Tensor randn(DType dtype, int... shape) {
    synchronized (DEFAULT_GENERATOR) {
      return randn(DEFAULT_GENERATOR, dtype, shape);
    }
  }

  public static Tensor randn(Generator gen, DType dtype, int... shape) {
    requireFloat("randn", dtype);
    Tensor t = Tensor.empty(dtype, shape);
    int n = t.numel();
    for (int i = 0; i < n; i++) {
      t.storage.setDouble(i, gen.nextGaussian());
    }
    return t;
  }

  /** Uniform integers in [low, high) as int64. */
  public static Tensor randint(long low, long high, int... shape) {
    if (high <= low) {
      throw new IllegalArgumentException("randint: random_ expects 'from' to be less than 'to', but got from="
          + low + " >= to=" + high);
    }
    Tensor t = Tensor.empty(DType.INT64, shape);
    synchronized (DEFAULT_GENERATOR) {
      for (int i = 0; i < t.numel(); i++) {
        t.storage.l[i] = low + DEFAULT_GENERATOR.nextLong(high - low);
      }
    }
    return t;
  }

  /** A random permutation of 0..n-1 (int64), Fisher–Yates with {@code gen}. */
  public static Tensor randperm(int n, Generator gen) {
    long[] p = new long[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = (int) gen.nextLong(i + 1);
      long tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return fromArray(p, n);
  }

  private static void requireFloat(String op, DType dtype) {
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(op + ": expected a floating point dtype, got " + dtype);
    }
  }

  /** 0, 1, ..., end-1 as int64. */
  public static Tensor arange(long end) {
    return arange(0, end, 1);
  }

  /** start, start+step, ... below end, as int64. */
  public static Tensor arange(long start, long end, long step) {
    if (step == 0) {
      throw new IllegalArgumentException("arange: step must be nonzero");
    }
    checkArangeBounds(step > 0 ? end >= start : end <= start);
    long n = (end - start + step + (step > 0 ? -1 : 1)) / step;
    Tensor t = Tensor.empty(DType.INT64, new int[] {Math.toIntExact(n)});
    for (int i = 0; i < n; i++) {
      t.storage.l[i] = start + i * step;
    }
    return t;
  }

  /** start, start+step, ... below end, as float32 (PyTorch's arange with float arguments). */
  public static Tensor arange(double start, double end, double step) {
    if (step == 0) {
      throw new IllegalArgumentException("arange: step must be nonzero");
    }
    checkArangeBounds(step > 0 ? end >= start : end <= start);
    int n = (int) Math.ceil((end - start) / step);
    Tensor t = Tensor.empty(DType.FLOAT32, new int[] {n});
    for (int i = 0; i < n; i++) {
      t.storage.f[i] = (float) (start + i * step);
    }
    return t;
  }

  /** PyTorch refuses a range whose direction disagrees with the sign of its step. */
  private static void checkArangeBounds(boolean consistent) {
    if (!consistent) {
      throw new IllegalArgumentException("arange: upper bound and larger bound inconsistent with step sign");
    }
  }

  /**
   * {@code steps} evenly spaced values from start to end inclusive (float32), computed as PyTorch's
   * CPU kernel does: in float32, the first half stepping up from start and the second half stepping
   * down from end, so both ends are exact.
   */
  public static Tensor linspace(double start, double end, int steps) {
    Tensor t = Tensor.empty(DType.FLOAT32, new int[] {steps});
    float s = (float) start;
    float e = (float) end;
    float step = steps == 1 ? 0f : (e - s) / (steps - 1);
    int halfway = steps / 2;
    for (int i = 0; i < steps; i++) {
      t.storage.f[i] = steps == 1 ? s : i < halfway ? s + step * i : e - step * (steps - i - 1);
    }
    return t;
  }

  /** The n×n identity (float32). */
  public static Tensor eye(int n) {
    return eye(n, n, DType.FLOAT32);
  }

  public static Tensor eye(int n, int m, DType dtype) {
    Tensor t = Tensor.empty(dtype, new int[] {n, m});
    for (int i = 0; i < Math.min(n, m); i++) {
      t.storage.setDouble(i * m + i, 1);
    }
    return t;
  }

  /** A float32 tensor of {@code shape} over a copy of {@code data} (row-major). */
  public static Tensor fromArray(float[] data, int... shape) {
    return wrapChecked(Storage.wrap(data.clone()), data.length, shape);
  }

  /**
   * A float32 tensor of {@code shape} over {@code data[offset, offset + numel)} itself, not a copy (as
   * {@code torch.from_numpy} shares the array's memory): writes through either are seen by the other.
   */
  public static Tensor wrap(float[] data, int offset, int... shape) {
    Shapes.checkShape("wrap", shape);
    long n = Shapes.numel(shape);
    if (offset < 0 || offset > data.length || n > data.length - offset) {
      throw new IllegalArgumentException("wrap: " + n + " elements from offset " + offset + " do not fit an array of "
          + data.length);
    }
    return new Tensor(Storage.wrap(data), shape.clone(), Shapes.contiguousStrides(shape), offset);
  }

  public static Tensor fromArray(double[] data, int... shape) {
    return wrapChecked(Storage.wrap(data.clone()), data.length, shape);
  }

  public static Tensor fromArray(long[] data, int... shape) {
    return wrapChecked(Storage.wrap(data.clone()), data.length, shape);
  }

  /** A bool tensor from Java booleans. */
  public static Tensor fromArray(boolean[] data, int... shape) {
    byte[] b = new byte[data.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (data[i] ? 1 : 0);
    }
    return wrapChecked(Storage.wrapBool(b), data.length, shape);
  }

  /** A 1-D float32 tensor of the given values. */
  public static Tensor tensor(float... data) {
    return fromArray(data, data.length);
  }

  /** A 2-D float32 tensor from rows (all of one length). */
  public static Tensor tensor(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    float[] flat = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != cols) {
        throw new IllegalArgumentException("tensor: expected sequence of length " + cols + " at dim 1 (got "
            + rows[i].length + " in row " + i + ")");
      }
      System.arraycopy(rows[i], 0, flat, i * cols, cols);
    }
    return wrapChecked(Storage.wrap(flat), flat.length, new int[] {rows.length, cols});
  }

  private static Tensor wrapChecked(Storage s, int length, int[] shape) {
    int[] sh = shape.length == 1 && shape[0] == -1 ? new int[] {length} : shape;
    Shapes.checkShape("fromArray", sh);
    if (Shapes.numel(sh) != length) {
      throw new IllegalArgumentException("fromArray: shape " + Arrays.toString(sh) + " needs " + Shapes.numel(sh)
          + " elements but the array has " + length);
    }
    return new Tensor(s, sh.clone(), Shapes.contiguousStrides(sh), 0);
  }

  // ---------------------------------------------------------------- free functions

  public static Tensor cat(List<Tensor> tensors, int dim) {
    return ShapeOps.cat(tensors, dim);
  }

  public static Tensor cat(List<Tensor> tensors) {
    return ShapeOps.cat(tensors, 0);
  }

  public static Tensor stack(List<Tensor> tensors, int dim) {
    return ShapeOps.stack(tensors, dim);
  }

  public static Tensor stack(List<Tensor> tensors) {
    return ShapeOps.stack(tensors, 0);
  }

  /** Elements of {@code a} where the bool {@code condition} is true, else of {@code b} (broadcast). */
  public static Tensor where(Tensor condition, Tensor a, Tensor b) {
    return Indexing.where(condition, a, b);
  }

  public static Tensor matmul(Tensor a, Tensor b) {
    return a.matmul(b);
  }

  public static Tensor mm(Tensor a, Tensor b) {
    return a.mm(b);
  }

  public static Tensor bmm(Tensor a, Tensor b) {
    return a.bmm(b);
  }

  /** {@code input · weightᵀ + bias} (PyTorch's {@code F.linear}); bias may be null. */
  public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
    return Linalg.linear(input, weight, bias);
  }

  public static Tensor maximum(Tensor a, Tensor b) {
    return a.maximum(b);
  }

  public static Tensor minimum(Tensor a, Tensor b) {
    return a.minimum(b);
  }

  // ---------------------------------------------------------------- convolution and pooling

  /**
   * 2-D convolution of [N, C, H, W] (or [C, H, W]) input with [O, C, kH, kW] weight, groups = 1;
   * bias may be null. stride, padding and dilation take one value for both dims or two.
   */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
      int[] dilation) {
    return ConvOps.conv2d(input, weight, bias, stride, padding, dilation);
  }

  /** conv2d with stride 1, the given padding and dilation 1. */
  public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int padding) {
    return ConvOps.conv2d(input, weight, bias, new int[] {1}, new int[] {padding}, new int[] {1});
  }

  /**
   * 2-D max pooling; {@code stride} null or empty means the kernel size (PyTorch's default); padding
   * counts as -infinity.
   */
  public static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
      boolean ceilMode) {
    return ConvOps.maxPool2d(input, kernel, stride, padding, dilation, ceilMode);
  }

  /** Max pooling with a square kernel, stride = kernel, no padding. */
  public static Tensor maxPool2d(Tensor input, int kernel) {
    return ConvOps.maxPool2d(input, new int[] {kernel}, null, new int[] {0}, new int[] {1}, false);
  }

  /** 2-D average pooling; {@code stride} null or empty means the kernel size. */
  public static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
      boolean countIncludePad) {
    return ConvOps.avgPool2d(input, kernel, stride, padding, ceilMode, countIncludePad);
  }

  /** Average pooling with a square kernel, stride = kernel, no padding. */
  public static Tensor avgPool2d(Tensor input, int kernel) {
    return ConvOps.avgPool2d(input, new int[] {kernel}, null, new int[] {0}, false, true);
  }
}
