package dev.ddp4j.tensor.data;

/** Visits {@code 0, 1, ..., size-1} in order, the same every epoch (PyTorch's {@code SequentialSampler}). */
public final class SequentialSampler implements Sampler {
  private final int size;

  public SequentialSampler(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("SequentialSampler: size must be >= 0, got " + size);
    }
    this.size = size;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int[] indices(int epoch) {
    int[] out = new int[size];
    for (int i = 0; i < size; i++) {
      out[i] = i;
    }
    return out;
  }

  @Override
  public String toString() {
    return "SequentialSampler(size=" + size + ")";
  }
}
