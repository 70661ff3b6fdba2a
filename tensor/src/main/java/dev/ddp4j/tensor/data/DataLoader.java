package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Batches a dataset in the order of a {@link Sampler}, one epoch per {@link #iterator()} (PyTorch's
 * {@code DataLoader}). Each call to {@code iterator()} starts the next epoch, so a shuffling loader
 * gives a new permutation every epoch; {@link #setEpoch(int)} picks the epoch explicitly, and the
 * same seed and epoch always give the same order.
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(true).seed(42).build()) {
 *   for (int epoch = 0; epoch < 10; epoch++) {
 *     loader.setEpoch(epoch);
 *     for (Batch b : loader) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>With {@code prefetch > 0} (the default) each epoch's batches are built on a daemon thread,
 * {@code ddp4j-loader-N}, up to {@code prefetch} batches ahead of the consumer. A {@link
 * TensorDataset} is batched by copying rows of its backing arrays; any other dataset by stacking
 * the examples' tensors.
 *
 * <p>Only the consumer thread configures the loader, calls {@code iterator()} and {@code setEpoch};
 * {@link #close()} (which stops every iterator's thread) may be called from any thread.
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {
  public static final int DEFAULT_BATCH_SIZE = 1;
  /** Batches built ahead of the consumer by default. */
  public static final int DEFAULT_PREFETCH_BATCHES = 2;
  public static final long DEFAULT_SEED = 0;

  private final Dataset<Example> dataset;
  private final Sampler sampler;
  private final int batchSize;
  private final boolean dropLast;
  private final int prefetch;
  private final UnaryOperator<Tensor> inputTransform;
  private final Set<Prefetcher> running = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private int nextEpoch;

  private DataLoader(Builder b) {
    this.dataset = b.dataset;
    this.sampler = b.sampler != null ? b.sampler
        : b.shuffle ? new RandomSampler(b.dataset.size(), b.seed) : new SequentialSampler(b.dataset.size());
    this.batchSize = b.batchSize;
    this.dropLast = b.dropLast;
    this.prefetch = b.prefetch;
    this.inputTransform = b.inputTransform;
  }

  /** A builder for a loader over {@code dataset}: batch size 1, in order, prefetching 2 batches. */
  public static Builder builder(Dataset<Example> dataset) {
    return new Builder(dataset);
  }

  /**
   * Starts the next epoch (the one {@link #epoch()} names, which then advances by one) and returns
   * its batches; with prefetching, its thread starts building at once.
   *
   * @throws IllegalStateException when the loader is closed
   */
  @Override
  public BatchIterator iterator() {
    if (closed) {
      throw new IllegalStateException("DataLoader is closed");
    }
    int epoch = nextEpoch++;
    int[] order = sampler.indices(epoch);
    int batches = numBatches(order.length);
    Prefetcher.BatchSource source = b -> assemble(order, b);
    if (prefetch == 0) {
      return new BatchIterator(this, epoch, batches, source, null);
    }
    Prefetcher[] self = new Prefetcher[1];
    Prefetcher prefetcher = new Prefetcher(source, batches, prefetch, () -> running.remove(self[0]));
    self[0] = prefetcher;
    running.add(prefetcher);
    BatchIterator it = new BatchIterator(this, epoch, batches, source, prefetcher);
    prefetcher.start();
    if (closed) {
      it.close();
    }
    return it;
  }

  /** Builds batch {@code b} of an epoch whose order is {@code order}; runs on the loader's thread. */
  private Batch assemble(int[] order, int b) {
    int from = b * batchSize;
    int count = Math.min(batchSize, order.length - from);
    Batch batch;
    if (dataset instanceof TensorDataset td) {
      batch = td.batch(order, from, count);
    } else {
      batch = stack(order, from, count);
    }
    return inputTransform == null ? batch : new Batch(inputTransform.apply(batch.inputs()), batch.targets());
  }

  private Batch stack(int[] order, int from, int count) {
    List<Tensor> inputs = new ArrayList<>(count);
    List<Tensor> targets = new ArrayList<>(count);
    for (int k = from; k < from + count; k++) {
      Example e = dataset.get(order[k]);
      inputs.add(e.input());
      targets.add(e.target());
    }
    return new Batch(Torch.stack(inputs).contiguous(), Torch.stack(targets).contiguous());
  }

  private int numBatches(int samples) {
    return samples / batchSize + (!dropLast && samples % batchSize != 0 ? 1 : 0);
  }

  /** The number of batches per epoch ({@code len(loader)}): the sampler's size over the batch size. */
  public int numBatches() {
    return numBatches(sampler.size());
  }

  /** Same as {@link #numBatches()}. */
  public int size() {
    return numBatches();
  }

  /** Sets the epoch the next {@link #iterator()} starts; its order depends only on the seed and this epoch. */
  public void setEpoch(int epoch) {
    if (epoch < 0) {
      throw new IllegalArgumentException("DataLoader: epoch must be >= 0, got " + epoch);
    }
    this.nextEpoch = epoch;
  }

  /** The epoch the next {@link #iterator()} will start. */
  public int epoch() {
    return nextEpoch;
  }

  public Dataset<Example> dataset() {
    return dataset;
  }

  public Sampler sampler() {
    return sampler;
  }

  public int batchSize() {
    return batchSize;
  }

  public boolean dropLast() {
    return dropLast;
  }

  /** How many batches are built ahead of the consumer; 0 builds each batch in {@code next()}. */
  public int prefetch() {
    return prefetch;
  }

  boolean isClosed() {
    return closed;
  }

  /** Stops the threads of all iterators, waiting for each to finish the batch in hand; idempotent. */
  @Override
  public void close() {
    closed = true;
    for (Prefetcher p : running) {
      p.stop();
    }
    for (Prefetcher p : running) {
      p.awaitTermination(BatchIterator.CLOSE_WAIT_MILLIS);
    }
  }

  @Override
  public String toString() {
    return "DataLoader(batchSize=" + batchSize + ", numBatches=" + numBatches() + ", sampler=" + sampler
        + ", dropLast=" + dropLast + ", prefetch=" + prefetch + ")";
  }

  /** Configures a {@link DataLoader}; not thread-safe. */
  public static final class Builder {
    private final Dataset<Example> dataset;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private boolean shuffle;
    private long seed = DEFAULT_SEED;
    private boolean dropLast;
    private Sampler sampler;
    private int prefetch = DEFAULT_PREFETCH_BATCHES;
    private UnaryOperator<Tensor> inputTransform;

    private Builder(Dataset<Example> dataset) {
      this.dataset = Objects.requireNonNull(dataset, "dataset");
    }

    /** Examples per batch (default 1). */
    public Builder batchSize(int batchSize) {
      if (batchSize <= 0) {
        throw new IllegalArgumentException(
            "batch_size should be a positive integer value, but got batch_size=" + batchSize);
      }
      this.batchSize = batchSize;
      return this;
    }

    /** Visit the examples in a new random order every epoch (a {@link RandomSampler}); default false. */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** The seed of the shuffling order; epoch {@code e} uses {@code seed + e} (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Drop the last batch of an epoch when it is smaller than the batch size (default false). */
    public Builder dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Visit indices in this sampler's order instead (a distributed sampler, say); excludes {@code shuffle}. */
    public Builder sampler(Sampler sampler) {
      this.sampler = Objects.requireNonNull(sampler, "sampler");
      return this;
    }

    /** Batches built ahead on the loader thread (default 2); 0 builds each batch on the consumer thread. */
    public Builder prefetch(int batches) {
      if (batches < 0) {
        throw new IllegalArgumentException("DataLoader: prefetch must be >= 0 batches, got " + batches);
      }
      this.prefetch = batches;
      return this;
    }

    /** Applied to every batch's inputs on the loader thread, e.g. a {@link Normalize}; must be thread-safe. */
    public Builder inputTransform(UnaryOperator<Tensor> transform) {
      this.inputTransform = Objects.requireNonNull(transform, "transform");
      return this;
    }

    /**
     * The loader.
     *
     * @throws IllegalArgumentException when both a sampler and shuffle were set
     */
    public DataLoader build() {
      if (sampler != null && shuffle) {
        throw new IllegalArgumentException("DataLoader: sampler option is mutually exclusive with shuffle");
      }
      return new DataLoader(this);
    }
  }
}
