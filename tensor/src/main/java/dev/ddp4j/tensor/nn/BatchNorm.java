package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.autograd.GradMode;

/**
 * Batch normalisation over the channel dim 1 (PyTorch's BatchNorm1d for [N, C] / [N, C, L] and
 * BatchNorm2d for [N, C, H, W]): batch statistics in training (biased variance to normalise,
 * unbiased to update the running variance), running statistics in eval.
 */
public class BatchNorm extends Module {
  private final int numFeatures;
  private final double eps;
  private final double momentum;
  private final int[] allowedDims;
  public final Tensor weight;
  public final Tensor bias;
  public final Tensor runningMean;
  public final Tensor runningVar;
  public final Tensor numBatchesTracked;

  protected BatchNorm(int numFeatures, double eps, double momentum, boolean affine, int... allowedDims) {
    if (numFeatures <= 0) {
      throw new IllegalArgumentException("BatchNorm: num_features must be positive, got " + numFeatures);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.allowedDims = allowedDims;
    this.weight = affine ? registerParameter("weight", Torch.ones(numFeatures)) : null;
    this.bias = affine ? registerParameter("bias", Torch.zeros(numFeatures)) : null;
    this.runningMean = registerBuffer("running_mean", Torch.zeros(numFeatures));
    this.runningVar = registerBuffer("running_var", Torch.ones(numFeatures));
    this.numBatchesTracked = registerBuffer("num_batches_tracked", Torch.zeros(DType.INT64));
  }

  @Override
  public Tensor forward(Tensor input) {
    boolean ok = false;
    for (int d : allowedDims) {
      ok |= input.dim() == d;
    }
    if (!ok) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": expected " + allowedDims.length
          + " possible input ranks " + java.util.Arrays.toString(allowedDims) + ", got input of shape "
          + java.util.Arrays.toString(input.shape()));
    }
    if (input.size(1) != numFeatures) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": expected " + numFeatures
          + " channels in dim 1, got input of shape " + java.util.Arrays.toString(input.shape()));
    }
    int[] reduceDims = new int[input.dim() - 1];
    reduceDims[0] = 0;
    for (int i = 2; i < input.dim(); i++) {
      reduceDims[i - 1] = i;
    }
    int[] statShape = new int[input.dim()];
    java.util.Arrays.fill(statShape, 1);
    statShape[1] = numFeatures;
    Tensor mean;
    Tensor var;
    if (isTraining()) {
      int count = input.numel() / numFeatures;
      if (count <= 1) {
        throw new IllegalArgumentException(getClass().getSimpleName() + ": expected more than 1 value per channel "
            + "when training, got input size " + java.util.Arrays.toString(input.shape()));
      }
      mean = input.mean(reduceDims, true);
      Tensor centered = input.sub(mean);
      var = centered.mul(centered).mean(reduceDims, true);
      try (GradMode.Scope ignored = GradMode.noGrad()) {
        Tensor unbiased = var.detach().reshape(numFeatures).mul((double) count / (count - 1));
        runningMean.mul_(1 - momentum).add_(mean.detach().reshape(numFeatures), momentum);
        runningVar.mul_(1 - momentum).add_(unbiased, momentum);
        numBatchesTracked.add_(1);
      }
    } else {
      mean = runningMean.view(statShape);
      var = runningVar.view(statShape);
    }
    Tensor y = input.sub(mean).div(var.add(eps).sqrt());
    if (weight != null) {
      y = y.mul(weight.view(statShape)).add(bias.view(statShape));
    }
    return y;
  }

  @Override
  protected String extraRepr() {
    return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null ? "True" : "False");
  }
}
