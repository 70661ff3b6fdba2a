package dev.ddp4j.tensor.nn;

/** Batch normalisation of [N, C] or [N, C, L] inputs. */
public final class BatchNorm1d extends BatchNorm {
  public BatchNorm1d(int numFeatures) {
    this(numFeatures, 1e-5, 0.1, true);
  }

  public BatchNorm1d(int numFeatures, double eps, double momentum, boolean affine) {
    super(numFeatures, eps, momentum, affine, 2, 3);
  }
}
