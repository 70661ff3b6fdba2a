package dev.ddp4j.tensor;

import dev.ddp4j.tensor.backend.DeviceOps;

/**
 * Fused ops that {@link dev.ddp4j.tensor.nn.F} uses where an op is a single device kernel rather
 * than a chain of tensor ops (PyTorch's fused {@code cross_entropy_loss}). Differentiable; not
 * meant to be called directly.
 */
public final class Fused {
  private Fused() {}

  /** PyTorch's default {@code ignore_index}; no target in ddp4j's loaders takes it. */
  private static final long IGNORE_INDEX = -100;

  /**
   * Mean cross-entropy of float32 logits [N, C] on a device against int64 class indices [N] on the same
   * device, in one kernel (and one for the backward). A target outside [0, C) gives NaN, as the device
   * cannot raise mid-kernel (PyTorch's CUDA build stops with a device assert instead).
   */
  public static Tensor crossEntropyMeanOnDevice(Tensor logits, Tensor target) {
    Device device = Dispatch.device("crossEntropy", logits, target);
    if (device.type() == Device.Type.CPU || logits.dim() != 2 || target.dim() != 1) {
      throw new IllegalArgumentException("crossEntropyMeanOnDevice: expected logits [N, C] and targets [N] on a "
          + "device, got " + Shapes.str(logits.shape) + " on " + logits.device() + " and " + Shapes.str(target.shape)
          + " on " + target.device());
    }
    Dispatch.requireFloat32("crossEntropy", logits);
    if (target.dtype() != DType.INT64) {
      throw new IllegalArgumentException("crossEntropy: expected int64 targets, got " + target.dtype());
    }
    Tensor x = logits.detach().contiguous();
    Tensor t = target.detach().contiguous();
    int rows = x.shape[0];
    int cols = x.shape[1];
    DeviceOps ops = Dispatch.ops(device);
    Tensor stats = Tensor.empty(DType.FLOAT32, new int[] {2}, device);
    ops.crossEntropy(Dispatch.view(x), Dispatch.view(t), rows, cols, IGNORE_INDEX, Dispatch.view(stats));
    Tensor loss = stats.narrow(0, 0, 1).view();
    return FunctionNode.record(loss, "NllLossBackward0", new Tensor[] {logits}, new Tensor[0], (g, s) -> {
      Tensor grad = Tensor.empty(DType.FLOAT32, x.shape, device);
      ops.crossEntropyBackward(Dispatch.view(x), Dispatch.view(t), Dispatch.view(g.contiguous()),
          Dispatch.view(stats), rows, cols, IGNORE_INDEX, Dispatch.view(grad));
      return new Tensor[] {grad};
    });
  }
}
