package dev.ddp4j.exchange.ddp;

import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.Sampler;

/**
 * One rank's shard of a dataset (PyTorch's {@code DistributedSampler}): every rank draws the same
 * permutation of the whole dataset for an epoch ({@code randperm(size, Generator(seed + epoch))},
 * as {@link dev.ddp4j.tensor.data.RandomSampler}, or {@code 0..size-1} without shuffling), pads it
 * by repeating its first indices (or, with {@code dropLast}, truncates it) to a multiple of the world
 * size, and takes every {@code worldSize}-th index starting at its rank. The shards of one epoch are
 * disjoint apart from the padding, and every rank gets the same number of indices, hence takes the
 * same number of steps. The epoch is the argument of {@link #indices(int)} (the loader's
 * {@code setEpoch}).
 *
 * <p>Immutable; safe from any thread.
 */
public final class DistributedSampler implements Sampler {
  private final int datasetSize;
  private final int worldSize;
  private final int rank;
  private final boolean shuffle;
  private final long seed;
  private final boolean dropLast;
  private final int numSamples;

  /**
   * @throws IllegalArgumentException when {@code rank} is outside {@code [0, worldSize)} or a size is negative
   */
  public DistributedSampler(int datasetSize, int worldSize, int rank, boolean shuffle, long seed, boolean dropLast) {
    if (datasetSize < 0) {
      throw new IllegalArgumentException("DistributedSampler: dataset size must be >= 0, got " + datasetSize);
    }
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("DistributedSampler: invalid rank " + rank + ", rank should be in the "
          + "interval [0, " + (worldSize - 1) + "]");
    }
    this.datasetSize = datasetSize;
    this.worldSize = worldSize;
    this.rank = rank;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    this.numSamples = dropLast ? datasetSize / worldSize : (datasetSize + worldSize - 1) / worldSize;
  }

  /** Shuffled, padded (not dropping the tail), as PyTorch's defaults. */
  public DistributedSampler(int datasetSize, int worldSize, int rank, long seed) {
    this(datasetSize, worldSize, rank, true, seed, false);
  }

  @Override
  public int size() {
    return numSamples;
  }

  @Override
  public int[] indices(int epoch) {
    int[] all = new int[datasetSize];
    if (shuffle) {
      long[] perm = Torch.randperm(datasetSize, new Generator(seed + epoch)).toLongArray();
      for (int i = 0; i < datasetSize; i++) {
        all[i] = (int) perm[i];
      }
    } else {
      for (int i = 0; i < datasetSize; i++) {
        all[i] = i;
      }
    }
    int[] out = new int[numSamples];
    for (int k = 0; k < numSamples; k++) {
      int position = rank + k * worldSize;
      // Padding wraps round to the start of the permutation, as often as needed.
      out[k] = all[position % datasetSize];
    }
    return out;
  }

  public int rank() {
    return rank;
  }

  public int worldSize() {
    return worldSize;
  }

  @Override
  public String toString() {
    return "DistributedSampler(size=" + datasetSize + ", worldSize=" + worldSize + ", rank=" + rank + ", shuffle="
        + shuffle + ", seed=" + seed + ", dropLast=" + dropLast + ")";
  }
}
