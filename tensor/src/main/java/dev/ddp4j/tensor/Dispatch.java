package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.backend.DeviceOps;
import dev.ddp4j.tensor.backend.TensorView;

/**
 * Where an op's element work runs: the CPU kernels of this package, or the {@link DeviceOps} of the
 * device its operands live on. The ops call {@link #device} to place their outputs and test
 * {@link Storage#isOnDevice()} at each kernel entry; an op with no device kernel calls
 * {@link #requireCpu}, so that a tensor on a GPU never reaches a loop over a Java array.
 *
 * <p>As in PyTorch, all operands of an op must be on one device, except 0-dim CPU tensors (Java
 * scalars wrapped by {@link Elementwise#scalarLike}), which go with any device.
 */
final class Dispatch {
  private Dispatch() {}

  /** The kernels of {@code device} (never the CPU). */
  static DeviceOps ops(Device device) {
    return Backends.require(device).ops(device);
  }

  /** The kernels of the device t is on (never the CPU). */
  static DeviceOps ops(Tensor t) {
    return ops(t.storage.device());
  }

  static TensorView view(Tensor t) {
    return new TensorView(t.storage, t.shape, t.stride, t.offset);
  }

  /** A view of t with strides that broadcast it to {@code shape} (0 along stretched dimensions). */
  static TensorView broadcastView(Tensor t, int[] shape) {
    return new TensorView(t.storage, shape, Shapes.broadcastStrides(t.shape, t.stride, shape), t.offset);
  }

  /**
   * The device an op with these operands runs on: the device of its non-CPU operands, the CPU when all
   * are on the CPU. Null operands are skipped.
   *
   * @throws IllegalArgumentException when operands other than 0-dim CPU tensors are on two devices
   */
  static Device device(String op, Tensor... operands) {
    Device found = null;
    Tensor first = null;
    for (Tensor t : operands) {
      if (t == null) {
        continue;
      }
      Device d = t.storage.device();
      if (d.type() == Device.Type.CPU && t.dim() == 0) {
        continue;
      }
      if (found == null) {
        found = d;
        first = t;
      } else if (!found.equals(d)) {
        throw new IllegalArgumentException(op + ": expected all tensors to be on the same device, but found at least "
            + "two devices, " + found + " and " + d + " (shapes " + Shapes.str(first.shape) + " and "
            + Shapes.str(t.shape) + "); move them with to(device)");
      }
    }
    if (found != null) {
      return found;
    }
    for (Tensor t : operands) {
      if (t != null && t.storage.isOnDevice()) {
        return t.storage.device();
      }
    }
    return Device.CPU;
  }

  /** True when any operand is on a device other than the CPU. */
  static boolean anyOnDevice(Tensor... operands) {
    for (Tensor t : operands) {
      if (t != null && t.storage.isOnDevice()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Refuses an op that has no device kernels in this build when any operand is on a device.
   *
   * @throws UnsupportedOperationException naming the op and the device
   */
  static void requireCpu(String op, Tensor... operands) {
    for (Tensor t : operands) {
      if (t != null && t.storage.isOnDevice()) {
        throw new UnsupportedOperationException(op + " is not implemented for tensors on " + t.storage.device()
            + " in this build; move the tensor to the CPU with to(Device.CPU)");
      }
    }
  }

  /** The device-dtype check of kernels that exist for float32 only. */
  static void requireFloat32(String op, Tensor... operands) {
    for (Tensor t : operands) {
      if (t != null && t.dtype() != DType.FLOAT32) {
        throw new UnsupportedOperationException(op + " on " + t.storage.device() + " is implemented for float32 only "
            + "in this build, got " + t.dtype());
      }
    }
  }

  /** {@code t} on {@code device}: itself, or (for a 0-dim CPU scalar) a copy there, without autograd. */
  static Tensor onDevice(Tensor t, Device device) {
    if (t.storage.device().equals(device)) {
      return t;
    }
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return t.detach().to(device);
    }
  }
}
