package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.autograd.GradMode;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background half of one epoch's iterator: a daemon thread, {@code ddp4j-loader-N}, that builds
 * the epoch's batches in order and puts them into a bounded queue, so that up to {@code capacity}
 * batches wait ready while the consumer trains (one more may be in assembly).
 *
 * <p>It holds no reference to the iterator that reads it, so an abandoned iterator can be collected
 * and its cleaner can call {@link #stop()}. The queue carries {@link Batch}es and at most one {@link
 * Failure}, after which the thread ends.
 */
final class Prefetcher implements Runnable {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();
  /** How often a waiting consumer re-checks whether the prefetcher was stopped from another thread. */
  private static final long STOP_CHECK_INTERVAL_MILLIS = 50;

  /** Builds batch {@code batchIndex} of the epoch; called only from the prefetch thread. */
  @FunctionalInterface
  interface BatchSource {
    Batch build(int batchIndex);
  }

  /** The exception that ended the thread while it built batch {@code batchIndex}. */
  record Failure(int batchIndex, Throwable cause) {}

  private final BatchSource source;
  private final int numBatches;
  private final BlockingQueue<Object> queue;
  private final Runnable onExit;
  private final Thread thread;
  private volatile boolean stopped;

  Prefetcher(BatchSource source, int numBatches, int capacity, Runnable onExit) {
    this.source = source;
    this.numBatches = numBatches;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.onExit = onExit;
    this.thread = new Thread(this, "ddp4j-loader-" + THREAD_IDS.getAndIncrement());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  Thread thread() {
    return thread;
  }

  @Override
  public void run() {
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (int b = 0; b < numBatches && !stopped; b++) {
        Object item;
        try {
          item = source.build(b);
        } catch (Throwable t) {
          item = new Failure(b, t);
        }
        if (stopped) {
          return;
        }
        queue.put(item);
        if (item instanceof Failure) {
          return;
        }
      }
    } catch (InterruptedException e) {
      // Interrupted by stop(): the consumer no longer wants batches.
    } finally {
      onExit.run();
    }
  }

  /**
   * The next item ({@link Batch} or {@link Failure}), waiting for it; null when the prefetcher was
   * stopped (or its thread ended) before producing one. Called only from the consumer thread.
   */
  Object take() throws InterruptedException {
    while (true) {
      Object item = queue.poll(STOP_CHECK_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
      if (item != null) {
        return item;
      }
      // A thread that has ended has put everything it will ever put (termination happens-before isAlive()).
      if (stopped || (!thread.isAlive() && queue.isEmpty())) {
        return null;
      }
    }
  }

  /** Asks the thread to end and drops the batches it built; returns at once. Any thread may call it. */
  void stop() {
    stopped = true;
    thread.interrupt();
    queue.clear();
  }

  /** Waits up to {@code millis} for the thread to end; true when it has. */
  boolean awaitTermination(long millis) {
    if (Thread.currentThread() == thread) {
      return false;
    }
    try {
      thread.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }
}
