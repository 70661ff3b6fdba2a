package dev.ddp4j.tensor;

import dev.ddp4j.tensor.backend.DeviceMemory;
import java.util.Arrays;

/**
 * The elements of one or more tensors on the CPU: exactly one backing array, chosen by dtype
 * (float32: {@code float[]}, float64: {@code double[]}, int64: {@code long[]}, bfloat16 and
 * float16: {@code short[]} bit patterns, bool: {@code byte[]}). Views share one storage.
 *
 * <p>A storage on another device (a GPU) has no array: it holds the backend's {@link DeviceMemory}, and
 * the array accessors refuse with a message saying where the elements are.
 *
 * <p>A storage is not synchronised: the thread that owns a tensor (a rank's compute thread) is the
 * only one that writes it.
 */
public final class Storage {
  private final DType dtype;
  final float[] f;
  final double[] d;
  final long[] l;
  final short[] h;
  final byte[] b;
  private final int size;
  /** Null for the CPU. */
  private final DeviceMemory memory;

  private Storage(DType dtype, float[] f, double[] d, long[] l, short[] h, byte[] b, int size) {
    this(dtype, f, d, l, h, b, size, null);
  }

  private Storage(DType dtype, float[] f, double[] d, long[] l, short[] h, byte[] b, int size,
      DeviceMemory memory) {
    this.memory = memory;
    this.dtype = dtype;
    this.f = f;
    this.d = d;
    this.l = l;
    this.h = h;
    this.b = b;
    this.size = size;
  }

  /** A zero-filled storage of {@code size} elements. */
  public static Storage allocate(DType dtype, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("storage size must be >= 0, got " + size);
    }
    return switch (dtype) {
      case FLOAT32 -> new Storage(dtype, new float[size], null, null, null, null, size);
      case FLOAT64 -> new Storage(dtype, null, new double[size], null, null, null, size);
      case INT64 -> new Storage(dtype, null, null, new long[size], null, null, size);
      case BFLOAT16, FLOAT16 -> new Storage(dtype, null, null, null, new short[size], null, size);
      case BOOL -> new Storage(dtype, null, null, null, null, new byte[size], size);
    };
  }

  /** A storage of {@code size} elements in device memory that a backend allocated. */
  public static Storage onDevice(DType dtype, int size, DeviceMemory memory) {
    if (size < 0) {
      throw new IllegalArgumentException("storage size must be >= 0, got " + size);
    }
    if (memory.bytes() < (long) size * dtype.itemSize()) {
      throw new IllegalArgumentException("device memory of " + memory.bytes() + " bytes is too small for " + size
          + " elements of " + dtype);
    }
    return new Storage(dtype, null, null, null, null, null, size, memory);
  }

  /** Where the elements are. */
  public Device device() {
    return memory == null ? Device.CPU : memory.device();
  }

  /** True for a storage in a device's memory (no Java array). */
  public boolean isOnDevice() {
    return memory != null;
  }

  /** The device memory of a storage on a device. */
  public DeviceMemory deviceMemory() {
    if (memory == null) {
      throw new IllegalStateException("the storage is on the CPU and has no device memory");
    }
    return memory;
  }

  /** Wraps (does not copy) a float array. */
  public static Storage wrap(float[] a) {
    return new Storage(DType.FLOAT32, a, null, null, null, null, a.length);
  }

  /** Wraps (does not copy) a double array. */
  public static Storage wrap(double[] a) {
    return new Storage(DType.FLOAT64, null, a, null, null, null, a.length);
  }

  /** Wraps (does not copy) a long array. */
  public static Storage wrap(long[] a) {
    return new Storage(DType.INT64, null, null, a, null, null, a.length);
  }

  static Storage wrapHalf(DType dtype, short[] a) {
    return new Storage(dtype, null, null, null, a, null, a.length);
  }

  static Storage wrapBool(byte[] a) {
    return new Storage(DType.BOOL, null, null, null, null, a, a.length);
  }

  public DType dtype() {
    return dtype;
  }

  /** Number of elements. */
  public int size() {
    return size;
  }

  /** The backing float array of a float32 storage (no copy). */
  public float[] floats() {
    requireType(DType.FLOAT32);
    return f;
  }

  /** The backing double array of a float64 storage (no copy). */
  public double[] doubles() {
    requireType(DType.FLOAT64);
    return d;
  }

  /** The backing long array of an int64 storage (no copy). */
  public long[] longs() {
    requireType(DType.INT64);
    return l;
  }

  /** The backing bit patterns of a bfloat16 or float16 storage (no copy). */
  public short[] halves() {
    requireCpu();
    if (!dtype.isHalf()) {
      throw new IllegalStateException("storage holds " + dtype + ", not a 16-bit float type");
    }
    return h;
  }

  /** The backing bytes of a bool storage (no copy), 0 or 1 each. */
  public byte[] bools() {
    requireType(DType.BOOL);
    return b;
  }

  private void requireType(DType t) {
    requireCpu();
    if (dtype != t) {
      throw new IllegalStateException("storage holds " + dtype + ", not " + t);
    }
  }

  private void requireCpu() {
    if (memory != null) {
      throw new IllegalStateException("the elements are on " + memory.device() + ", not in a Java array; copy the "
          + "tensor to the CPU with to(Device.CPU) first");
    }
  }

  /** Element {@code i} as a double (exact for every dtype except int64 beyond 2^53). */
  double getDouble(int i) {
    return switch (dtype) {
      case FLOAT32 -> f[i];
      case FLOAT64 -> d[i];
      case INT64 -> l[i];
      case BFLOAT16 -> Half.bf16ToFloat(h[i]);
      case FLOAT16 -> Half.fp16ToFloat(h[i]);
      case BOOL -> b[i];
    };
  }

  /** Stores {@code v} at {@code i}, rounding/truncating to this storage's dtype as a cast does. */
  void setDouble(int i, double v) {
    switch (dtype) {
      case FLOAT32 -> f[i] = (float) v;
      case FLOAT64 -> d[i] = v;
      case INT64 -> l[i] = (long) v;
      case BFLOAT16 -> h[i] = Half.floatToBf16((float) v);
      case FLOAT16 -> h[i] = Half.floatToFp16((float) v);
      case BOOL -> b[i] = (byte) (v != 0 ? 1 : 0);
      default -> throw new AssertionError(dtype);
    }
  }

  long getLong(int i) {
    return dtype == DType.INT64 ? l[i] : (long) getDouble(i);
  }

  void setLong(int i, long v) {
    if (dtype == DType.INT64) {
      l[i] = v;
    } else {
      setDouble(i, v);
    }
  }

  /** Sets every element to zero. */
  void fillZero() {
    switch (dtype) {
      case FLOAT32 -> Arrays.fill(f, 0f);
      case FLOAT64 -> Arrays.fill(d, 0d);
      case INT64 -> Arrays.fill(l, 0L);
      case BFLOAT16, FLOAT16 -> Arrays.fill(h, (short) 0);
      case BOOL -> Arrays.fill(b, (byte) 0);
      default -> throw new AssertionError(dtype);
    }
  }
}
