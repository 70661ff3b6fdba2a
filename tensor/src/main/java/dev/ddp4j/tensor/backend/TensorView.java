package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Storage;

/**
 * What a kernel needs of one tensor operand: its storage, shape, element strides and element
 * offset, without autograd. The tensor library hands views to {@link DeviceOps}; strides may be 0
 * along a broadcast dimension of an input. Arrays are not copied: a kernel must not modify them.
 *
 * @param storage the elements (on the device the op runs on, unless a method says otherwise)
 * @param shape the sizes of every dimension
 * @param stride the element strides of every dimension
 * @param offset the element offset of element [0, ..., 0] in {@code storage}
 */
public record TensorView(Storage storage, int[] shape, int[] stride, int offset) {
  public DType dtype() {
    return storage.dtype();
  }

  /** Number of elements. */
  public int numel() {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    return n;
  }

  /** True when the elements are laid out row-major without gaps (size-1 dimensions ignored). */
  public boolean isContiguous() {
    return isContiguous(shape, stride);
  }

  /** True when {@code stride} lays {@code shape} out row-major without gaps (size-1 dimensions ignored). */
  public static boolean isContiguous(int[] shape, int[] stride) {
    int expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1) {
        if (stride[i] != expected) {
          return false;
        }
        expected *= shape[i];
      }
    }
    return true;
  }
}
