package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Fused;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.autograd.GradMode;

/**
 * Functional forms of the layers and losses (PyTorch's {@code torch.nn.functional}). Inside an enabled
 * {@link Autocast} scope every loss first casts bfloat16/float16 inputs and targets to float32, as
 * PyTorch's autocast runs losses in float32.
 */
public final class F {
  private F() {}

  /** How a loss reduces over the batch. */
  public enum Reduction { NONE, MEAN, SUM }

  public static Tensor relu(Tensor x) {
    return x.relu();
  }

  public static Tensor sigmoid(Tensor x) {
    return x.sigmoid();
  }

  public static Tensor tanh(Tensor x) {
    return x.tanh();
  }

  public static Tensor softmax(Tensor x, int dim) {
    return x.softmax(dim);
  }

  public static Tensor logSoftmax(Tensor x, int dim) {
    return x.logSoftmax(dim);
  }

  /** {@code x · weightᵀ + bias}; bias may be null. */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    return Torch.linear(x, weight, bias);
  }

  /** 2-D convolution with square kernel parameters (groups = 1); bias may be null. */
  public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation) {
    return Torch.conv2d(x, weight, bias, new int[] {stride}, new int[] {padding}, new int[] {dilation});
  }

  /** 2-D max pooling with a square window. */
  public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding, int dilation, boolean ceilMode) {
    return Torch.maxPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, new int[] {dilation},
        ceilMode);
  }

  /** 2-D max pooling with stride = kernel (the seeds' {@code F.max_pool2d(x, 2)}). */
  public static Tensor maxPool2d(Tensor x, int kernel) {
    return Torch.maxPool2d(x, kernel);
  }

  /** 2-D average pooling with a square window. */
  public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding, boolean ceilMode,
      boolean countIncludePad) {
    return Torch.avgPool2d(x, new int[] {kernel}, new int[] {stride}, new int[] {padding}, ceilMode,
        countIncludePad);
  }

  public static Tensor avgPool2d(Tensor x, int kernel) {
    return Torch.avgPool2d(x, kernel);
  }

  /** Flattens every dim but the batch. */
  public static Tensor flatten(Tensor x) {
    return x.flatten(1, -1);
  }

  /** Zeroes elements with probability p and scales the rest by 1/(1-p) when training. */
  public static Tensor dropout(Tensor x, double p, boolean training, Generator gen) {
    if (p < 0 || p > 1) {
      throw new IllegalArgumentException("dropout: dropout probability has to be between 0 and 1, but got " + p);
    }
    if (!training || p == 0) {
      return x;
    }
    if (p == 1) {
      return x.mul(0.0);
    }
    Tensor keep;
    synchronized (gen) {
      keep = Torch.rand(gen, x.dtype().isHalf() ? DType.FLOAT32 : x.dtype(), x.shape()).ge(p);
    }
    return x.mul(keep).div(1 - p);
  }

  // ---------------------------------------------------------------- losses

  private static Tensor reduce(Tensor perElement, Reduction r) {
    return switch (r) {
      case NONE -> perElement;
      case MEAN -> perElement.mean();
      case SUM -> perElement.sum();
    };
  }

  private static void sameShape(String op, Tensor input, Tensor target) {
    if (!java.util.Arrays.equals(input.shape(), target.shape())) {
      throw new IllegalArgumentException(op + ": Using a target size (" + java.util.Arrays.toString(target.shape())
          + ") that is different to the input size (" + java.util.Arrays.toString(input.shape()) + ")");
    }
  }

  public static Tensor mseLoss(Tensor input, Tensor target, Reduction r) {
    if (Autocast.isEnabled()) {
      input = Autocast.toFloat32(input);
      target = Autocast.toFloat32(target);
    }
    sameShape("mseLoss", input, target);
    Tensor d = input.sub(target);
    return reduce(d.mul(d), r);
  }

  /** PyTorch's floor on x·(1 - x) in the gradient of the binary cross-entropy. */
  private static final double BCE_GRAD_EPS = 1e-12;

  /**
   * Binary cross-entropy of probabilities; logs are clamped at -100 as PyTorch does, and the input
   * gradient is PyTorch's {@code (x - t) / max(x·(1 - x), 1e-12)}: finite at x = 0 and x = 1, where
   * differentiating the clamped logs would give 0·∞ = NaN.
   */
  public static Tensor bceLoss(Tensor input, Tensor target, Reduction r) {
    if (Autocast.isEnabled()) {
      input = Autocast.toFloat32(input);
      target = Autocast.toFloat32(target);
    }
    sameShape("bceLoss", input, target);
    Tensor x = input.detach();
    Tensor logP = x.log().clampMin(-100);
    Tensor log1mP = x.rsub(1.0).log().clampMin(-100);
    Tensor perElement = target.mul(logP).add(target.rsub(1.0).mul(log1mP)).neg();
    if (input.requiresGrad() && GradMode.isEnabled()) {
      // The input gradient enters through input·c - (input·c), a term worth exactly zero whose
      // recorded first half has derivative c.
      Tensor c = x.sub(target.detach()).div(x.mul(x.rsub(1.0)).clampMin(BCE_GRAD_EPS));
      Tensor inputTimesC = input.mul(c);
      perElement = perElement.add(inputTimesC.sub(inputTimesC.detach()));
    }
    return reduce(perElement, r);
  }

  /**
   * Binary cross-entropy on logits, stable for any magnitude: {@code (1 - t)·x + log(e^0 + e^-x)}
   * with a max-shifted log-sum-exp, whose gradient is {@code sigmoid(x) - t} everywhere (a form
   * with max(x, 0) and |x| would get the kink at x = 0 wrong).
   */
  public static Tensor bceWithLogits(Tensor input, Tensor target, Reduction r) {
    if (Autocast.isEnabled()) {
      input = Autocast.toFloat32(input);
      target = Autocast.toFloat32(target);
    }
    sameShape("bceWithLogits", input, target);
    Tensor softplusOfMinusX = Torch.stack(java.util.List.of(Torch.zerosLike(input), input.neg()), -1)
        .logSumExp(-1, false);
    return reduce(target.rsub(1.0).mul(input).add(softplusOfMinusX), r);
  }

  /** Negative log-likelihood of int64 class indices given log-probabilities [N, C] (or [C]). */
  public static Tensor nllLoss(Tensor logProbs, Tensor target, Reduction r) {
    if (Autocast.isEnabled()) {
      logProbs = Autocast.toFloat32(logProbs);
    }
    checkClassTarget("nllLoss", logProbs, target);
    Tensor lp = logProbs.dim() == 1 ? logProbs.unsqueeze(0) : logProbs;
    Tensor t = target.dim() == 0 ? target.unsqueeze(0) : target;
    Tensor picked = lp.gather(1, t.unsqueeze(1)).squeeze(1).neg();
    Tensor out = reduce(picked, r);
    return logProbs.dim() == 1 && r == Reduction.NONE ? out.squeeze(0) : out;
  }

  /** Cross-entropy of logits [N, C] against int64 class indices [N], with optional label smoothing. */
  public static Tensor crossEntropy(Tensor logits, Tensor target, double labelSmoothing, Reduction r) {
    if (labelSmoothing < 0 || labelSmoothing > 1) {
      throw new IllegalArgumentException("crossEntropy: label_smoothing must be between 0.0 and 1.0. Got: "
          + labelSmoothing);
    }
    if (Autocast.isEnabled()) {
      logits = Autocast.toFloat32(logits);
    }
    checkClassTarget("crossEntropy", logits, target);
    if (logits.device().type() != Device.Type.CPU && logits.dim() == 2 && labelSmoothing == 0
        && r != Reduction.NONE) {
      // One kernel on the device; the general path below needs gather, which has no device kernel.
      Tensor mean = Fused.crossEntropyMeanOnDevice(logits, target);
      return r == Reduction.MEAN ? mean : mean.mul(logits.size(0));
    }
    int classDim = logits.dim() == 1 ? 0 : 1;
    Tensor logP = logits.logSoftmax(classDim);
    Tensor nll = nllLoss(logP, target, Reduction.NONE);
    if (labelSmoothing == 0) {
      return reduce(nll, r);
    }
    Tensor smooth = logP.mean(classDim).neg();
    return reduce(nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing)), r);
  }

  public static Tensor crossEntropy(Tensor logits, Tensor target) {
    return crossEntropy(logits, target, 0, Reduction.MEAN);
  }

  private static void checkClassTarget(String op, Tensor input, Tensor target) {
    if (target.dtype() != DType.INT64) {
      throw new IllegalArgumentException(op + ": expected target of dtype int64 (class indices), got "
          + target.dtype());
    }
    if (input.dim() != 1 && input.dim() != 2) {
      throw new IllegalArgumentException(op + ": expected input of shape [N, C] or [C], got "
          + java.util.Arrays.toString(input.shape()));
    }
    int n = input.dim() == 2 ? input.size(0) : 1;
    if (target.numel() != n || target.dim() > 1) {
      throw new IllegalArgumentException(op + ": Expected input batch_size (" + n + ") to match target batch_size ("
          + (target.dim() == 0 ? 1 : target.size(0)) + ")");
    }
    int classes = input.size(-1);
    for (long t : target.toLongArray()) {
      if (t < 0 || t >= classes) {
        throw new IndexOutOfBoundsException(op + ": Target " + t + " is out of bounds for " + classes + " classes");
      }
    }
  }
}
