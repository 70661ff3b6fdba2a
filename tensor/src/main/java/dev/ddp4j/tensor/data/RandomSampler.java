package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Torch;

/**
 * Visits every index of {@code [0, size)} exactly once per epoch in a random order that depends only
 * on {@code seed + epoch} (PyTorch's {@code RandomSampler} seeded as {@code DistributedSampler} seeds
 * its generator): {@code Torch.randperm(size, new Generator(seed + epoch))}.
 */
public final class RandomSampler implements Sampler {
  private final int size;
  private final long seed;

  public RandomSampler(int size, long seed) {
    if (size < 0) {
      throw new IllegalArgumentException("RandomSampler: size must be >= 0, got " + size);
    }
    this.size = size;
    this.seed = seed;
  }

  @Override
  public int size() {
    return size;
  }

  /** The seed that, plus the epoch, seeds each epoch's permutation. */
  public long seed() {
    return seed;
  }

  @Override
  public int[] indices(int epoch) {
    long[] perm = Torch.randperm(size, new Generator(seed + epoch)).toLongArray();
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = (int) perm[i];
    }
    return out;
  }

  @Override
  public String toString() {
    return "RandomSampler(size=" + size + ", seed=" + seed + ")";
  }
}
