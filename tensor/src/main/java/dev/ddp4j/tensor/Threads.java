package dev.ddp4j.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The intra-op thread count and the shared pool that CPU kernels split their work over, like
 * PyTorch's {@code torch.set_num_threads} and {@code at::parallel_for}.
 *
 * <p>The pool is process-wide: daemon threads named {@code ddp4j-intra-op-N}, started lazily when
 * the thread count first needs them. Any thread may call {@link #parallelFor}, also several at
 * once; the calling thread always runs a chunk itself and claims further chunks while the workers
 * are busy, so a call never waits for a worker that has not started its chunk. Calls made from
 * inside a parallel region (from a pool thread, or from a caller while it runs its own chunk) run
 * inline, so nested parallelism cannot deadlock or oversubscribe the cores.
 */
public final class Threads {

  /** System property that sets the initial thread count (default: the available processors). */
  public static final String THREADS_PROPERTY = "ddp4j.threads";

  /** Jobs waiting for a worker; a caller that finds it full runs the chunks itself. */
  private static final int JOB_QUEUE_CAPACITY = 1024;

  /** Spins of the waiting caller before it parks; chunks usually finish within microseconds of each other. */
  private static final int WAIT_SPINS = 2_000;

  private static final Logger LOG = LoggerFactory.getLogger(Threads.class);

  /** System property: how long an idle pool worker looks for the next job before it parks, in microseconds. */
  public static final String SPIN_PROPERTY = "ddp4j.threads.spin-us";

  /** Default of {@link #SPIN_PROPERTY}. */
  private static final long DEFAULT_SPIN_MICROS = 50;

  private static final long WORKER_SPIN_NANOS = spinNanos();

  private static final ArrayBlockingQueue<Job> QUEUE = new ArrayBlockingQueue<>(JOB_QUEUE_CAPACITY);
  private static final ThreadLocal<Local> LOCAL = ThreadLocal.withInitial(Local::new);
  private static final Object POOL_LOCK = new Object();

  private static volatile int numThreads = initialThreads();
  /** Workers started so far; only grows (surplus workers after a shrink stay idle). */
  private static volatile int workers;

  private Threads() {}

  /** Body of a {@link #parallelFor}: processes the indices {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    /** Processes indices {@code from} (inclusive) to {@code to} (exclusive). */
    void run(int from, int to);
  }

  /**
   * Sets the number of threads intra-op parallelism may use, the calling thread included.
   * Takes effect for the next {@link #parallelFor}; may be called at any time from any thread.
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public static void setNumThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("number of threads must be >= 1, got " + n);
    }
    numThreads = n;
  }

  /**
   * Returns the number of threads intra-op parallelism may use when called from this thread, the
   * calling thread included: this thread's own limit if {@link #setThreadLocalNumThreads} set one,
   * else the process-wide count.
   */
  public static int getNumThreads() {
    int own = LOCAL.get().limit;
    return own > 0 ? own : numThreads;
  }

  /**
   * Sets a thread count for {@link #parallelFor} calls made by the calling thread only, overriding
   * {@link #setNumThreads}; 0 removes the override. Ranks that share a JVM use it to split the cores
   * between them (each rank's compute thread takes its share), as separate processes would.
   *
   * @throws IllegalArgumentException if {@code n < 0}
   */
  public static void setThreadLocalNumThreads(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("number of threads must be >= 0 (0 = no override), got " + n);
    }
    LOCAL.get().limit = n;
  }

  /**
   * Runs {@code body} over {@code [begin, end)} split into at most {@link #getNumThreads()}
   * contiguous chunks of at least {@code grain} indices each, in parallel, and returns when all
   * chunks are done. The calling thread runs a chunk itself. Runs {@code body.run(begin, end)}
   * inline when one chunk suffices or when called from inside a parallel region. If chunks throw,
   * the first exception is rethrown after every started chunk has finished; chunks not yet started
   * by then are skipped. Does nothing when {@code begin >= end}.
   *
   * @param grain the smallest chunk worth a thread, in indices; values below 1 count as 1
   * @throws IllegalArgumentException if {@code grain < 0}
   */
  public static void parallelFor(int begin, int end, int grain, RangeBody body) {
    if (grain < 0) {
      throw new IllegalArgumentException("grain must be >= 0, got " + grain);
    }
    if (begin >= end) {
      return;
    }
    long len = (long) end - begin;
    long byGrain = len / Math.max(1, grain);
    Local local = LOCAL.get();
    int threads = local.limit > 0 ? local.limit : numThreads;
    int chunks = (int) Math.max(1, Math.min(threads, byGrain));
    if (chunks == 1 || local.inRegion) {
      body.run(begin, end);
      return;
    }
    ensureWorkers(chunks - 1);
    Job job = new Job(body, begin, len, chunks, Thread.currentThread());
    for (int i = 1; i < chunks; i++) {
      if (!QUEUE.offer(job)) {
        break;
      }
    }
    local.inRegion = true;
    try {
      job.work();
    } finally {
      local.inRegion = false;
    }
    job.awaitDone();
    Throwable error = job.error;
    if (error != null) {
      if (error instanceof RuntimeException) {
        throw (RuntimeException) error;
      }
      if (error instanceof Error) {
        throw (Error) error;
      }
      throw new IllegalStateException("parallelFor chunk failed", error);
    }
  }

  private static void ensureWorkers(int wanted) {
    if (workers >= wanted) {
      return;
    }
    synchronized (POOL_LOCK) {
      for (int i = workers; i < wanted; i++) {
        Worker w = new Worker(i + 1);
        w.start();
        workers = i + 1;
      }
    }
  }

  private static long spinNanos() {
    String prop = System.getProperty(SPIN_PROPERTY);
    if (prop == null || prop.isBlank()) {
      return DEFAULT_SPIN_MICROS * 1000;
    }
    try {
      long us = Long.parseLong(prop.trim());
      if (us >= 0) {
        return us * 1000;
      }
    } catch (NumberFormatException e) {
      // fall through to the warning
    }
    LOG.warn("Ignoring -D{}={}: not an integer >= 0; workers spin {} us", SPIN_PROPERTY, prop, DEFAULT_SPIN_MICROS);
    return DEFAULT_SPIN_MICROS * 1000;
  }

  private static int initialThreads() {
    int cores = Runtime.getRuntime().availableProcessors();
    String prop = System.getProperty(THREADS_PROPERTY);
    if (prop == null || prop.isBlank()) {
      return cores;
    }
    try {
      int n = Integer.parseInt(prop.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // fall through to the warning
    }
    LOG.warn("Ignoring -D{}={}: not an integer >= 1; using {} threads", THREADS_PROPERTY, prop, cores);
    return cores;
  }

  /** Per-thread state: whether the thread runs inside a parallel region, and its own thread limit (0 = none). */
  private static final class Local {
    boolean inRegion;
    int limit;
  }

  /** One parallelFor call: its chunks are claimed by index, by the caller and by any worker that dequeues it. */
  private static final class Job {
    private static final VarHandle NEXT;
    private static final VarHandle REMAINING;
    private static final VarHandle ERROR;

    static {
      try {
        MethodHandles.Lookup l = MethodHandles.lookup();
        NEXT = l.findVarHandle(Job.class, "next", int.class);
        REMAINING = l.findVarHandle(Job.class, "remaining", int.class);
        ERROR = l.findVarHandle(Job.class, "error", Throwable.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private final RangeBody body;
    private final int begin;
    private final long len;
    private final int chunks;
    private final Thread caller;
    @SuppressWarnings("unused") // accessed through NEXT
    private volatile int next;
    private volatile int remaining;
    private volatile Throwable error;

    Job(RangeBody body, int begin, long len, int chunks, Thread caller) {
      this.body = body;
      this.begin = begin;
      this.len = len;
      this.chunks = chunks;
      this.caller = caller;
      this.remaining = chunks;
    }

    /** Claims and runs chunks until none is left. */
    void work() {
      int i;
      while ((i = (int) NEXT.getAndAdd(this, 1)) < chunks) {
        if (error == null) {
          int from = begin + (int) (len * i / chunks);
          int to = begin + (int) (len * (i + 1) / chunks);
          try {
            body.run(from, to);
          } catch (Throwable t) {
            ERROR.compareAndSet(this, null, t);
          }
        }
        if ((int) REMAINING.getAndAdd(this, -1) == 1) {
          LockSupport.unpark(caller);
        }
      }
    }

    /** Waits, on the caller's thread, until every chunk has finished. */
    void awaitDone() {
      for (int spin = 0; remaining != 0 && spin < WAIT_SPINS; spin++) {
        Thread.onSpinWait();
      }
      while (remaining != 0) {
        LockSupport.park(this);
      }
    }
  }

  /** A pool thread: runs chunks of queued jobs, forever. */
  private static final class Worker extends Thread {
    Worker(int id) {
      super("ddp4j-intra-op-" + id);
      setDaemon(true);
    }

    @Override
    public void run() {
      LOCAL.get().inRegion = true;
      while (true) {
        Job job = poll();
        if (job == null) {
          try {
            job = QUEUE.take();
          } catch (InterruptedException e) {
            continue; // pool threads live as long as the JVM; nobody should interrupt them
          }
        }
        job.work();
      }
    }

    /**
     * Looks for a job for {@link #WORKER_SPIN_NANOS} before the worker parks: a training step runs
     * parallel regions microseconds apart (one per GEMM or elementwise kernel), and waking a parked
     * thread costs tens of microseconds each time, as much as a small region's work.
     */
    private static Job poll() {
      Job job = QUEUE.poll();
      if (job != null || WORKER_SPIN_NANOS <= 0) {
        return job;
      }
      long deadline = System.nanoTime() + WORKER_SPIN_NANOS;
      do {
        Thread.onSpinWait();
        job = QUEUE.poll();
      } while (job == null && System.nanoTime() < deadline);
      return job;
    }
  }
}
