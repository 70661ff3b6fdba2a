package dev.ddp4j.tensor.data;

/**
 * The order in which a {@link DataLoader} visits dataset indices, one epoch at a time (PyTorch's
 * {@code Sampler}, with the epoch passed in rather than set: {@code set_epoch} lives on the loader).
 *
 * <p>A sampler is a pure function of the epoch: the same epoch gives the same indices, on every
 * call and every machine. That is what lets every rank of a distributed run agree on an epoch's
 * order, and lets a distributed sampler hand each rank its own shard of the same permutation.
 * {@link #indices(int)} is called from the loader's thread, so implementations must be immutable or
 * otherwise thread-safe.
 */
public interface Sampler {
  /** The number of indices {@link #indices(int)} returns for every epoch ({@code len(sampler)}). */
  int size();

  /** The dataset indices of {@code epoch}, in visiting order; a fresh array the caller may keep. */
  int[] indices(int epoch);
}
