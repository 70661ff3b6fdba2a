package dev.ddp4j.gpu;

import java.util.Arrays;

/**
 * The {@code StridedShape} argument of the strided and broadcast kernels ({@code ddp4j_common.cuh}):
 * an output shape of at most {@value #MAX_DIMS} dimensions with element strides for the output and
 * the inputs {@code a} and {@code b}, packed as the 33 longs the kernel receives by value. Immutable.
 *
 * @param shape the output shape
 * @param outStrides the output's element strides
 * @param aStrides input a's element strides over {@code shape}; 0 along a broadcast dimension
 * @param bStrides input b's, likewise (all 0 for kernels with one input)
 */
public record StridedShape(long[] shape, long[] outStrides, long[] aStrides, long[] bStrides) {
  /** The kernels' {@code DDP4J_MAX_DIMS}. */
  public static final int MAX_DIMS = 8;
  /** Longs in the packed struct: four arrays of {@value #MAX_DIMS} and {@code ndim}. */
  static final int PACKED_LONGS = 4 * MAX_DIMS + 1;

  public StridedShape {
    int n = shape.length;
    if (n > MAX_DIMS) {
      throw new IllegalArgumentException("the CUDA kernels take at most " + MAX_DIMS + " dimensions, got " + n);
    }
    if (outStrides.length != n || aStrides.length != n || bStrides.length != n) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " strides per operand");
    }
    shape = shape.clone();
    outStrides = outStrides.clone();
    aStrides = aStrides.clone();
    bStrides = bStrides.clone();
  }

  /**
   * The broadcast of contiguous tensors of shapes {@code a} and {@code b} into a contiguous output,
   * by PyTorch's rule: shapes are aligned at their last dimension, and a dimension of size 1 (or a
   * missing one) stretches to the other's size with stride 0.
   */
  public static StridedShape broadcast(long[] a, long[] b) {
    int n = Math.max(a.length, b.length);
    long[] shape = new long[n];
    for (int d = 0; d < n; d++) {
      long sa = sizeAt(a, d, n);
      long sb = sizeAt(b, d, n);
      if (sa != sb && sa != 1 && sb != 1) {
        throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
            + " cannot be broadcast: dimension " + d + " has sizes " + sa + " and " + sb);
      }
      shape[d] = sa == 1 ? sb : sa;
    }
    return new StridedShape(shape, contiguousStrides(shape), expandedStrides(a, shape), expandedStrides(b, shape));
  }

  /** The same shape for output and inputs, all contiguous: the plain elementwise case. */
  public static StridedShape contiguous(long... shape) {
    long[] s = contiguousStrides(shape);
    return new StridedShape(shape, s, s, s);
  }

  /** Row-major element strides of a contiguous tensor of {@code shape}. */
  public static long[] contiguousStrides(long[] shape) {
    long[] strides = new long[shape.length];
    long s = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
    return strides;
  }

  /** The number of output elements. */
  public long numel() {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /** The 33 longs of the kernel's struct: shape, out, a and b strides (each padded to 8), ndim. */
  long[] packed() {
    long[] p = new long[PACKED_LONGS];
    System.arraycopy(shape, 0, p, 0, shape.length);
    System.arraycopy(outStrides, 0, p, MAX_DIMS, shape.length);
    System.arraycopy(aStrides, 0, p, 2 * MAX_DIMS, shape.length);
    System.arraycopy(bStrides, 0, p, 3 * MAX_DIMS, shape.length);
    p[4 * MAX_DIMS] = shape.length;
    return p;
  }

  private static long sizeAt(long[] shape, int d, int n) {
    int i = d - (n - shape.length);
    return i < 0 ? 1 : shape[i];
  }

  /** Strides of a contiguous {@code from} seen through {@code to}: 0 where it is stretched. */
  private static long[] expandedStrides(long[] from, long[] to) {
    long[] own = contiguousStrides(from);
    long[] strides = new long[to.length];
    for (int d = 0; d < to.length; d++) {
      int i = d - (to.length - from.length);
      strides[d] = i < 0 || from[i] == 1 ? 0 : own[i];
    }
    return strides;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StridedShape s && Arrays.equals(shape, s.shape) && Arrays.equals(outStrides, s.outStrides)
        && Arrays.equals(aStrides, s.aStrides) && Arrays.equals(bStrides, s.bStrides);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(packed());
  }

  @Override
  public String toString() {
    return "StridedShape[shape=" + Arrays.toString(shape) + ", out=" + Arrays.toString(outStrides)
        + ", a=" + Arrays.toString(aStrides) + ", b=" + Arrays.toString(bStrides) + "]";
  }
}
