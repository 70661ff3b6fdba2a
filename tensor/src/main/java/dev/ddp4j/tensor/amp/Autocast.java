package dev.ddp4j.tensor.amp;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;

/**
 * Mixed precision for the current thread (PyTorch's {@code torch.autocast}): inside
 * {@code try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) { ... }} the lower-precision ops
 * (mm, matmul, bmm, linear, conv2d) first cast their floating inputs to the autocast dtype, and the
 * float32 ops (softmax, logSoftmax, logSumExp, sum and the losses) first cast bfloat16/float16 inputs
 * to float32. The casts are the ordinary differentiable {@link Tensor#to(DType)}, so gradients reach
 * float32 leaves as float32. Float64 tensors are never cast, as in PyTorch. Scopes nest; each restores
 * the state it found when closed. Backward passes run with autocast off (the engine disables it), so
 * backward ops keep the dtypes the forward ops chose.
 */
public final class Autocast {
  /** The active autocast dtype of each thread; null while autocast is off. */
  private static final ThreadLocal<DType[]> ACTIVE = ThreadLocal.withInitial(() -> new DType[1]);

  private Autocast() {}

  /** True when autocast is on for this thread. */
  public static boolean isEnabled() {
    return ACTIVE.get()[0] != null;
  }

  /** The dtype lower-precision ops cast to on this thread, or null when autocast is off. */
  public static DType dtype() {
    return ACTIVE.get()[0];
  }

  /**
   * Turns autocast on with {@code dtype} (bfloat16 or float16) until the returned scope is closed,
   * then restores the previous state.
   *
   * @throws IllegalArgumentException if {@code dtype} is not bfloat16 or float16
   */
  public static Scope enable(DType dtype) {
    if (dtype == null || !dtype.isHalf()) {
      throw new IllegalArgumentException("Autocast.enable: autocast dtype must be torch.bfloat16 or torch.float16, "
          + "got " + dtype);
    }
    return new Scope(dtype);
  }

  /** Turns autocast off until the returned scope is closed, then restores the previous state. */
  public static Scope disable() {
    return new Scope(null);
  }

  /**
   * {@code t} cast to the autocast dtype for a lower-precision op: bfloat16, float16 and float32
   * tensors are cast, others (float64, integer, bool, null) are returned unchanged. Called by op entry
   * points with the dtype they read from {@link #dtype()}.
   */
  public static Tensor toLowerPrecision(Tensor t, DType autocastDtype) {
    if (t == null || t.dtype() == autocastDtype || !eligible(t.dtype())) {
      return t;
    }
    return t.to(autocastDtype);
  }

  /**
   * {@code t} cast to float32 for a float32 op: bfloat16 and float16 tensors are cast, others are
   * returned unchanged.
   */
  public static Tensor toFloat32(Tensor t) {
    if (t == null || !t.dtype().isHalf()) {
      return t;
    }
    return t.to(DType.FLOAT32);
  }

  private static boolean eligible(DType dt) {
    return dt == DType.FLOAT32 || dt.isHalf();
  }

  /** A try-with-resources scope that restores the autocast state it found. */
  public static final class Scope implements AutoCloseable {
    private final DType previous;
    private final Thread owner;
    private boolean closed;

    private Scope(DType dtype) {
      DType[] active = ACTIVE.get();
      this.previous = active[0];
      this.owner = Thread.currentThread();
      active[0] = dtype;
    }

    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("an autocast scope must be closed on the thread that opened it");
      }
      if (!closed) {
        closed = true;
        ACTIVE.get()[0] = previous;
      }
    }
  }
}
