package dev.ddp4j.tensor.data;

import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * One epoch of a {@link DataLoader}: the batches in the order the sampler gave for that epoch.
 * With prefetching, a background thread builds the batches ahead; {@link #close()} stops it, and an
 * iterator abandoned without closing stops it when garbage collected. Close it (try-with-resources)
 * when leaving an epoch early.
 *
 * <p>Only the consumer thread calls {@link #hasNext()} and {@link #next()}; {@link #close()} may be
 * called from any thread.
 */
public final class BatchIterator implements Iterator<Batch>, AutoCloseable {
  /** How long {@link #close()} waits for the prefetch thread to finish the batch it is building. */
  static final long CLOSE_WAIT_MILLIS = 10_000;

  private static final Cleaner CLEANER = Cleaner.create(r -> {
    Thread t = new Thread(r, "ddp4j-loader-cleaner");
    t.setDaemon(true);
    return t;
  });

  private final DataLoader loader;
  private final int epoch;
  private final int numBatches;
  private final Prefetcher.BatchSource source;
  private final Prefetcher prefetcher;
  private final Cleaner.Cleanable cleanable;
  private int nextBatch;
  private volatile boolean closed;

  /** A synchronous iterator ({@code prefetcher == null}) or one reading a started prefetcher. */
  BatchIterator(DataLoader loader, int epoch, int numBatches, Prefetcher.BatchSource source, Prefetcher prefetcher) {
    this.loader = loader;
    this.epoch = epoch;
    this.numBatches = numBatches;
    this.source = source;
    this.prefetcher = prefetcher;
    // The cleaning action must not reach this iterator, or the iterator could never become unreachable.
    this.cleanable = prefetcher == null ? null : CLEANER.register(this, prefetcher::stop);
  }

  /** The epoch whose order this iterator follows. */
  public int epoch() {
    return epoch;
  }

  /** The number of batches this epoch yields in all. */
  public int numBatches() {
    return numBatches;
  }

  /** False once every batch was returned, after a failure, or once this iterator or its loader is closed. */
  @Override
  public boolean hasNext() {
    return !closed && !loader.isClosed() && nextBatch < numBatches;
  }

  /**
   * The next batch, waiting for the prefetch thread if it is not ready yet.
   *
   * @throws DataLoaderException when building this batch failed (the cause is the original exception)
   *     or the wait was interrupted
   * @throws NoSuchElementException when {@link #hasNext()} is false
   */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException(closed || loader.isClosed()
          ? "the data loader iterator for epoch " + epoch + " is closed"
          : "epoch " + epoch + " has no more batches (it had " + numBatches + ")");
    }
    int b = nextBatch++;
    return prefetcher == null ? buildHere(b) : takePrefetched(b);
  }

  private Batch buildHere(int b) {
    try {
      return source.build(b);
    } catch (RuntimeException | Error e) {
      close();
      throw new DataLoaderException("data loader failed while building batch " + b + " of epoch " + epoch + ": "
          + e, e);
    }
  }

  private Batch takePrefetched(int b) {
    Object item;
    try {
      item = prefetcher.take();
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new DataLoaderException("interrupted while waiting for batch " + b + " of epoch " + epoch
          + " from data loader thread " + prefetcher.thread().getName(), e);
    }
    if (item instanceof Batch batch) {
      return batch;
    }
    close();
    if (item instanceof Prefetcher.Failure failure) {
      throw new DataLoaderException("data loader thread " + prefetcher.thread().getName()
          + " failed while building batch " + failure.batchIndex() + " of epoch " + epoch + ": " + failure.cause(),
          failure.cause());
    }
    throw new NoSuchElementException("the data loader iterator for epoch " + epoch
        + " was closed while waiting for batch " + b);
  }

  /** Stops the prefetch thread (waiting for it to finish the batch in hand) and ends this iterator. */
  @Override
  public void close() {
    closed = true;
    if (prefetcher != null) {
      cleanable.clean();
      prefetcher.awaitTermination(CLOSE_WAIT_MILLIS);
    }
  }

  /** The prefetch thread, or null for a synchronous iterator (for tests). */
  Thread thread() {
    return prefetcher == null ? null : prefetcher.thread();
  }
}
