package dev.ddp4j.supervisor.cli;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.train.Trainer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Throwaway training steps on a scratch model, on a thread of their own, while the caller waits for
 * something else (data loading, the ring of rank JVMs forming): the JIT compiles the step's code then,
 * instead of during the first epoch on the cores that train. The scratch model, optimizer and batch are
 * the warm-up's own and are discarded, so the run's weights, data order and results do not depend on
 * it. {@code --no-warmup} turns it off.
 *
 * <p>Threads: {@link #start} and {@link #finish} from the caller's thread; the steps on the warm-up thread.
 */
final class JitWarmup {
  private static final Logger LOG = LoggerFactory.getLogger(JitWarmup.class);
  /** Most scratch steps, should the wait be long. */
  private static final int MAX_STEPS = 400;

  private final Thread thread;
  private final String during;
  private volatile boolean stop;
  private volatile int steps;
  private volatile Throwable failure;

  private JitWarmup(Supplier<Trainer> trainer, Supplier<Tensor[]> batch, String during) {
    this.during = during;
    thread = new Thread(() -> run(trainer, batch), "ddp4j-warmup");
    thread.setDaemon(true);
  }

  /**
   * Starts the steps unless {@code off}. {@code trainer} and {@code batch} (inputs, targets) are called on
   * the warm-up thread: what they build must not share state with the run (nor draw from its seeded
   * generator). {@code during} names the wait, for the log line.
   */
  static JitWarmup start(boolean off, Supplier<Trainer> trainer, Supplier<Tensor[]> batch, String during) {
    JitWarmup w = new JitWarmup(trainer, batch, during);
    if (!off) {
      w.thread.start();
    }
    return w;
  }

  private void run(Supplier<Trainer> trainer, Supplier<Tensor[]> batch) {
    try {
      Trainer t = trainer.get();
      Tensor[] xy = batch.get();
      for (int i = 0; i < MAX_STEPS && !stop; i++) {
        t.trainStep(xy[0], xy[1]);
        steps = i + 1;
      }
    } catch (RuntimeException | Error e) {
      failure = e;
    }
  }

  /** Stops the scratch steps and waits for the one in flight; a failed warm-up is logged, not thrown. */
  void finish() throws InterruptedException {
    stop = true;
    thread.join();  // returns at once for a warm-up never started
    if (failure != null) {
      LOG.warn("JIT warm-up stopped after {} scratch steps: {}", steps, failure.toString());
    } else if (steps > 0) {
      LOG.debug("JIT warm-up: {} scratch steps while {}", steps, during);
    }
  }

  /** Scratch steps taken so far (for tests). */
  int steps() {
    return steps;
  }
}
