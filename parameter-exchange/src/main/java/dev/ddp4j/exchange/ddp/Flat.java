package dev.ddp4j.exchange.ddp;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Half;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.autograd.GradMode;

/**
 * Copies between tensors and the float32 buffers the collectives move. Two encodings:
 * <ul>
 *   <li>gradient values ({@link #gather}, {@link #scatter}): one float per element, rounded to float32
 *       for float64 tensors (collectives reduce in float32);
 *   <li>exact state ({@link #encodeExact}, {@link #decodeExact}): bit-exact for every dtype, so that a
 *       broadcast makes replicas identical. float64 and int64 travel as three floats of 22, 21 and 21
 *       bits of their 64-bit pattern, each an integer that a float32 holds exactly.
 * </ul>
 * Tensors on a device (a GPU) are staged through the CPU: the collectives run on host buffers, so a
 * gradient is downloaded into its bucket and the average uploaded back, both through the device backend's
 * page-locked staging buffers. Stateless. Callers pass tensors owned by their own thread.
 */
final class Flat {
  private static final int LOW_BITS = 21;
  private static final long LOW_MASK = (1L << LOW_BITS) - 1;

  private Flat() {}

  /** Floats {@link #encodeExact} writes for {@code t}. */
  static int exactLength(Tensor t) {
    return t.numel() * (wide(t.dtype()) ? 3 : 1);
  }

  private static boolean wide(DType d) {
    return d == DType.FLOAT64 || d == DType.INT64;
  }

  /** Writes {@code t}'s elements (row-major) into {@code dst} from {@code off}, rounding to float32. */
  static void gather(Tensor t, float[] dst, int off) {
    int n = t.numel();
    boolean host = !t.storage().isOnDevice();
    if (host && t.isContiguous() && t.dtype() == DType.FLOAT32) {
      System.arraycopy(t.storage().floats(), t.storageOffset(), dst, off, n);
    } else if (host && t.isContiguous() && t.dtype() == DType.FLOAT64) {
      double[] src = t.storage().doubles();
      int base = t.storageOffset();
      for (int i = 0; i < n; i++) {
        dst[off + i] = (float) src[base + i];
      }
    } else {
      System.arraycopy(t.toFloatArray(), 0, dst, off, n);
    }
  }

  /** Overwrites {@code t}'s elements with {@code src[off, off + numel)} (no autograd). */
  static void scatter(float[] src, int off, Tensor t) {
    int n = t.numel();
    boolean host = !t.storage().isOnDevice();
    if (host && t.isContiguous() && t.dtype() == DType.FLOAT32) {
      System.arraycopy(src, off, t.storage().floats(), t.storageOffset(), n);
    } else if (host && t.isContiguous() && t.dtype() == DType.FLOAT64) {
      double[] dst = t.storage().doubles();
      int base = t.storageOffset();
      for (int i = 0; i < n; i++) {
        dst[base + i] = src[off + i];
      }
    } else {
      float[] slice = new float[n];
      System.arraycopy(src, off, slice, 0, n);
      try (GradMode.Scope ignored = GradMode.noGrad()) {
        t.copy_(Torch.fromArray(slice, t.shape()));
      }
    }
  }

  /** Writes {@code t} exactly into {@code dst} from {@code off}; returns the floats written. */
  static int encodeExact(Tensor t, float[] dst, int off) {
    Tensor c = t.detach().to(Device.CPU).contiguous();
    Storage s = c.storage();
    int base = c.storageOffset();
    int n = c.numel();
    switch (c.dtype()) {
      case FLOAT32 -> System.arraycopy(s.floats(), base, dst, off, n);
      case FLOAT64 -> {
        double[] a = s.doubles();
        for (int i = 0; i < n; i++) {
          splitBits(Double.doubleToRawLongBits(a[base + i]), dst, off + 3 * i);
        }
      }
      case INT64 -> {
        long[] a = s.longs();
        for (int i = 0; i < n; i++) {
          splitBits(a[base + i], dst, off + 3 * i);
        }
      }
      case BFLOAT16 -> {
        short[] a = s.halves();
        for (int i = 0; i < n; i++) {
          dst[off + i] = Half.bf16ToFloat(a[base + i]);
        }
      }
      case FLOAT16 -> {
        short[] a = s.halves();
        for (int i = 0; i < n; i++) {
          dst[off + i] = Half.fp16ToFloat(a[base + i]);
        }
      }
      case BOOL -> {
        byte[] a = s.bools();
        for (int i = 0; i < n; i++) {
          dst[off + i] = a[base + i];
        }
      }
      default -> throw new IllegalArgumentException("cannot encode " + c.dtype());
    }
    return exactLength(t);
  }

  /** Overwrites {@code t} with what {@link #encodeExact} wrote at {@code off}; returns the floats read. */
  static int decodeExact(float[] src, int off, Tensor t) {
    int n = t.numel();
    Tensor decoded = switch (t.dtype()) {
      case FLOAT32 -> {
        float[] a = new float[n];
        System.arraycopy(src, off, a, 0, n);
        yield Torch.fromArray(a, t.shape());
      }
      case FLOAT64 -> {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
          a[i] = Double.longBitsToDouble(joinBits(src, off + 3 * i));
        }
        yield Torch.fromArray(a, t.shape());
      }
      case INT64 -> {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
          a[i] = joinBits(src, off + 3 * i);
        }
        yield Torch.fromArray(a, t.shape());
      }
      case BFLOAT16, FLOAT16, BOOL -> {
        float[] a = new float[n];
        System.arraycopy(src, off, a, 0, n);
        yield Torch.fromArray(a, t.shape()).to(t.dtype());
      }
    };
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      t.copy_(decoded);
    }
    return exactLength(t);
  }

  private static void splitBits(long bits, float[] dst, int at) {
    dst[at] = (float) (bits >>> (2 * LOW_BITS));
    dst[at + 1] = (float) ((bits >>> LOW_BITS) & LOW_MASK);
    dst[at + 2] = (float) (bits & LOW_MASK);
  }

  private static long joinBits(float[] src, int at) {
    return ((long) src[at] << (2 * LOW_BITS)) | ((long) src[at + 1] << LOW_BITS) | (long) src[at + 2];
  }
}
