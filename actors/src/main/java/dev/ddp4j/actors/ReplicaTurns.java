package dev.ddp4j.actors;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Makes the ranks of one JVM call their model factory one at a time, in rank order. A factory that
 * initialises weights from the process-wide generator ({@code Torch.manualSeed}) then gives rank 0
 * exactly the weights a single process would get after the same seed, run after run — rank 0's weights
 * are the ones DDP broadcasts — instead of whatever the interleaving of concurrent factories draws.
 */
final class ReplicaTurns {
  /** How long a rank waits for the ranks before it to build their replicas. */
  static final Duration WAIT = Duration.ofSeconds(120);

  private final CountDownLatch[] done;

  ReplicaTurns(int ranks) {
    done = new CountDownLatch[ranks];
    for (int i = 0; i < ranks; i++) {
      done[i] = new CountDownLatch(1);
    }
  }

  /** Runs {@code factory} for local rank {@code index} once every lower index has run its own. */
  <T> T inTurn(int index, Supplier<T> factory) {
    try {
      if (index > 0 && !done[index - 1].await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("rank " + index + ": rank " + (index - 1) + " did not build its replica within "
            + WAIT.toSeconds() + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("rank " + index + ": interrupted while waiting for its turn to build a replica",
          e);
    }
    try {
      return factory.get();
    } finally {
      done[index].countDown();
    }
  }
}
