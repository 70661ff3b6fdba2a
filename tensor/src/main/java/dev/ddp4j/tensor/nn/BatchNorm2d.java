package dev.ddp4j.tensor.nn;

/** Batch normalisation of [N, C, H, W] inputs. */
public final class BatchNorm2d extends BatchNorm {
  public BatchNorm2d(int numFeatures) {
    this(numFeatures, 1e-5, 0.1, true);
  }

  public BatchNorm2d(int numFeatures, double eps, double momentum, boolean affine) {
    super(numFeatures, eps, momentum, affine, 4);
  }
}
