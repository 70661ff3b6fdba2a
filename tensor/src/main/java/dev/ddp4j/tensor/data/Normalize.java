package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Normalises images channel by channel, {@code out[..., c, h, w] = (in[..., c, h, w] - mean[c]) /
 * std[c]}, as torchvision's {@code transforms.Normalize}: float32 inputs are computed in float32
 * with the constants rounded to float32, so the results equal torchvision's bit for bit. A single
 * mean and std apply to every channel.
 *
 * <p>Immutable and thread-safe, so it can run on a loader thread ({@link
 * DataLoader.Builder#inputTransform}). It never modifies its input.
 */
public final class Normalize implements UnaryOperator<Tensor> {
  /** Fashion-MNIST's training-set pixel mean and standard deviation (of pixels scaled to [0, 1]). */
  public static final Normalize FASHION_MNIST = new Normalize(new double[] {0.2860}, new double[] {0.3530});
  /** MNIST's training-set pixel mean and standard deviation (of pixels scaled to [0, 1]). */
  public static final Normalize MNIST = new Normalize(new double[] {0.1307}, new double[] {0.3081});

  private final double[] mean;
  private final double[] std;

  /**
   * Per-channel {@code mean} and {@code std}, of equal length.
   *
   * @throws IllegalArgumentException when the lengths differ or are 0, or a std is 0
   */
  public Normalize(double[] mean, double[] std) {
    if (mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException("Normalize: expected one mean and one std per channel, got "
          + mean.length + " means and " + std.length + " stds");
    }
    for (int c = 0; c < std.length; c++) {
      if ((float) std[c] == 0f) {
        throw new IllegalArgumentException("Normalize: std[" + c + "] evaluated to zero after conversion to "
            + "torch.float32, leading to division by zero");
      }
    }
    this.mean = mean.clone();
    this.std = std.clone();
  }

  /** One mean and std for every channel. */
  public static Normalize of(double mean, double std) {
    return new Normalize(new double[] {mean}, new double[] {std});
  }

  public double[] mean() {
    return mean.clone();
  }

  public double[] std() {
    return std.clone();
  }

  /**
   * The normalised copy of floating-point images {@code [..., C, H, W]} (a batch {@code [N, C, H, W]}
   * or one image {@code [C, H, W]}).
   *
   * @throws IllegalArgumentException when the images are not floating point, have fewer than 3
   *     dimensions, or their channel count does not match
   */
  @Override
  public Tensor apply(Tensor images) {
    if (!images.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("Normalize: expected a floating point tensor, got " + images.dtype()
          + "; scale the images to [0, 1] first");
    }
    if (images.dim() < 3) {
      throw new IllegalArgumentException("Normalize: expected images [..., C, H, W] with at least 3 dimensions, "
          + "got shape " + Arrays.toString(images.shape()));
    }
    int channelDim = images.dim() - 3;
    int channels = images.size(channelDim);
    if (mean.length != 1 && mean.length != channels) {
      throw new IllegalArgumentException("Normalize: " + mean.length + " means and stds for images with "
          + channels + " channels at dimension " + channelDim + " (shape " + Arrays.toString(images.shape()) + ")");
    }
    if (images.dtype() == DType.FLOAT32 && !images.requiresGrad()) {
      return applyFloat32(images.contiguous(), channels);
    }
    int n = mean.length;
    Tensor m = Torch.fromArray(mean, n, 1, 1).to(images.dtype());
    Tensor s = Torch.fromArray(std, n, 1, 1).to(images.dtype());
    return images.sub(m).div(s);
  }

  private Tensor applyFloat32(Tensor images, int channels) {
    float[] in = images.storage().floats();
    int base = images.storageOffset();
    Tensor out = Torch.zeros(DType.FLOAT32, images.shape());
    float[] o = out.storage().floats();
    int plane = images.size(-1) * images.size(-2);
    int planes = plane == 0 ? 0 : images.numel() / plane;
    for (int p = 0; p < planes; p++) {
      int c = mean.length == 1 ? 0 : p % channels;
      float m = (float) mean[c];
      float s = (float) std[c];
      int from = p * plane;
      for (int i = from; i < from + plane; i++) {
        o[i] = (in[base + i] - m) / s;
      }
    }
    return out;
  }

  /** A dataset whose inputs are normalised once, up front (the targets are shared). */
  public TensorDataset apply(TensorDataset dataset) {
    return new TensorDataset(apply(dataset.inputs()), dataset.targets());
  }

  @Override
  public String toString() {
    return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
  }
}
