package dev.ddp4j.tensor;

import java.util.Arrays;

/**
 * Low-level factories that build tensors over storages a caller has filled itself, for readers of
 * serialized tensors (checkpoints, wire buffers) that decode straight into the backing array.
 * Everyday code uses {@link Torch}.
 */
public final class Tensors {
  private Tensors() {}

  /**
   * A contiguous tensor of {@code shape} that views {@code storage} from element 0 (no copy); the
   * storage must hold exactly as many elements as the shape has.
   */
  public static Tensor fromStorage(Storage storage, int... shape) {
    Shapes.checkShape("fromStorage", shape);
    int numel = Shapes.numel(shape);
    if (numel != storage.size()) {
      throw new IllegalArgumentException("fromStorage: shape " + Arrays.toString(shape) + " needs " + numel
          + " elements but the storage has " + storage.size());
    }
    return new Tensor(storage, shape.clone(), Shapes.contiguousStrides(shape), 0);
  }

  /** Wraps (does not copy) the bit patterns of a bfloat16 or float16 storage. */
  public static Storage halfStorage(DType dtype, short[] bits) {
    if (!dtype.isHalf()) {
      throw new IllegalArgumentException("halfStorage: expected torch.bfloat16 or torch.float16, got " + dtype);
    }
    return Storage.wrapHalf(dtype, bits);
  }
}
