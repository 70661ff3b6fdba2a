package dev.ddp4j.exchange.ddp;

import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * One rank's replica of a model in data-parallel training, as PyTorch's
 * {@code DistributedDataParallel}: the wrapped module's gradients are averaged across the ranks of
 * a group, so that N ranks train as one process would on the concatenation of their batches.
 *
 * <p>A training step on every rank:
 * <pre>{@code
 * DistributedDataParallel ddp = DistributedDataParallel.wrap(model, group, rank, DdpOptions.defaults());
 * optimizer.zeroGrad();
 * Tensor loss = lossFn.forward(ddp.forward(x), y);
 * loss.backward();            // full buckets start their allreduce while backward goes on
 * ddp.finishGradientSync();   // waits for the buckets in order; each .grad now holds the average
 * optimizer.step();
 * }</pre>
 * {@link #finishGradientSync()} is explicit rather than hidden in a hook on the last bucket: the
 * loop decides where the rank blocks, and a missing call fails the next forward with a clear error
 * instead of stepping on unaveraged gradients. Gradient accumulation runs the first micro-batches
 * inside {@code try (var s = ddp.noSync()) { ... }}, where nothing is communicated, and the last
 * one outside it.
 *
 * <p>On construction rank 0's parameters and buffers are broadcast (bit-exact for every dtype), so
 * every replica starts identical; with {@link DdpOptions#broadcastBuffers()} rank 0's buffers are
 * broadcast again before each training forward. Buckets are described in {@link BucketAssignment}
 * and the per-step protocol in {@link Reducer}.
 *
 * <p>Threads: construction, {@link #forward}, backward, {@link #finishGradientSync()} and
 * {@link #noSync()} all run on the rank's one compute thread, which issues the collectives in the
 * same order on every rank. Every rank of the group must wrap the same architecture with equal options.
 */
public final class DistributedDataParallel extends Module implements AutoCloseable {
  private final Module module;
  private final Collective collective;
  private final int rank;
  private final int worldSize;
  private final DdpOptions options;
  private final Reducer reducer;
  private final List<Tensor> buffers;
  private boolean syncGradients = true;

  private DistributedDataParallel(Module module, Collective collective, int rank, int worldSize, DdpOptions options) {
    this.module = registerModule("module", Objects.requireNonNull(module, "module"));
    this.collective = Objects.requireNonNull(collective, "collective");
    this.options = Objects.requireNonNull(options, "options");
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank " + rank + " is not a rank of a world of " + worldSize);
    }
    this.rank = rank;
    this.worldSize = worldSize;
    this.buffers = new ArrayList<>(module.namedBuffers().values());
    List<String> names = new ArrayList<>();
    List<Tensor> params = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : module.namedParameters().entrySet()) {
      if (e.getValue().requiresGrad()) {
        names.add(e.getKey());
        params.add(e.getValue());
      }
    }
    if (worldSize > 1) {
      checkSameModel();
      broadcastFromRank0(module.stateDict().values(), "initial parameters and buffers");
    }
    this.reducer = new Reducer(names, params, collective, rank, options);
  }

  /**
   * Wraps {@code module} as rank {@code rank} of a world of {@code worldSize} ranks reached through
   * {@code collective}; blocks until rank 0's state has reached this replica.
   *
   * @throws DdpException if the ranks' models differ or the broadcast fails
   */
  public static DistributedDataParallel wrap(Module module, Collective collective, int rank, int worldSize,
      DdpOptions options) {
    return new DistributedDataParallel(module, collective, rank, worldSize, options);
  }

  /** Wraps {@code module} as rank {@code rank} of {@code group}, through that rank's communicator. */
  public static DistributedDataParallel wrap(Module module, ProcessGroup group, int rank, DdpOptions options) {
    return wrap(module, Communicator.collective(group.ref(rank)), rank, group.size(), options);
  }

  /** The wrapped module (whose state is the replica's). */
  public Module module() {
    return module;
  }

  public int rank() {
    return rank;
  }

  public int worldSize() {
    return worldSize;
  }

  public DdpOptions options() {
    return options;
  }

  /**
   * Runs the wrapped module. In a training forward with grad enabled, first broadcasts rank 0's
   * buffers (if configured), and afterwards, unless inside {@link #noSync()}, arms the reducer for
   * the backward that follows.
   */
  @Override
  public Tensor forward(Tensor input) {
    boolean training = isTraining() && GradMode.isEnabled();
    if (training && options.broadcastBuffers() && worldSize > 1 && !buffers.isEmpty()) {
      broadcastFromRank0(buffers, "buffers");
    }
    Tensor out = module.forward(input);
    if (training && syncGradients) {
      reducer.prepareForBackward();
    }
    return out;
  }

  /**
   * Completes the gradient averaging of the step whose backward just ran: blocks until every
   * bucket is reduced (in order) and writes the averages into the parameters' {@code .grad}. Call it
   * after {@code backward()} and before {@code optimizer.step()}. Does nothing for a backward run
   * inside {@link #noSync()}.
   *
   * @throws DdpException naming the parameters that got no gradient (without
   *     {@code findUnusedParameters}), or when a collective fails (its cause attached)
   */
  public void finishGradientSync() {
    if (!syncGradients && !reducer.armed()) {
      return;
    }
    reducer.finish();
  }

  /**
   * A scope in which forward and backward do not communicate: gradients accumulate locally in
   * {@code .grad} and are averaged with the next synchronised step's. Close it on the compute thread.
   */
  public NoSync noSync() {
    return new NoSync(this);
  }

  /** The parameter names of each bucket, bucket 0 (the last-registered parameters) first. */
  public List<List<String>> bucketParameterNames() {
    return reducer.bucketNames();
  }

  /** The communication figures of the last synchronised step (zeros before the first). */
  public SyncStats lastSyncStats() {
    return reducer.lastStats();
  }

  /** Removes the gradient hooks; the module trains locally afterwards. */
  @Override
  public void close() {
    reducer.close();
  }

  /** The scope returned by {@link #noSync()}; restores the previous setting when closed. */
  public static final class NoSync implements AutoCloseable {
    private final DistributedDataParallel ddp;
    private final boolean previous;

    private NoSync(DistributedDataParallel ddp) {
      this.ddp = ddp;
      this.previous = ddp.syncGradients;
      ddp.syncGradients = false;
    }

    @Override
    public void close() {
      ddp.syncGradients = previous;
    }
  }

  /** Compares a 64-bit hash of the model's structure and the options across ranks (an allgather). */
  private void checkSameModel() {
    long fp = fingerprint();
    float[] mine = new float[3];
    splitBits(fp, mine);
    float[] all = join(collective.allGather(mine), "model fingerprints");
    float[] root = Arrays.copyOfRange(all, 0, 3);
    for (int r = 1; r < worldSize; r++) {
      if (!Arrays.equals(root, Arrays.copyOfRange(all, 3 * r, 3 * r + 3))) {
        throw new DdpException("rank " + r + "'s model or options differ from rank 0's (parameter and buffer names, "
            + "shapes, dtypes, bucket caps, findUnusedParameters, broadcastBuffers, comm hook); every rank must wrap "
            + "the same architecture with equal options");
      }
    }
  }

  private long fingerprint() {
    StringBuilder sb = new StringBuilder().append(options.firstBucketCapBytes()).append('/')
        .append(options.bucketCapBytes()).append('/').append(options.findUnusedParameters()).append('/')
        .append(options.broadcastBuffers()).append('/')
        // Built-in hooks by name; a custom hook's identity differs between JVMs, so only its presence counts.
        .append(options.commHook() instanceof Enum<?> builtIn ? builtIn.toString() : "custom").append(';');
    for (Map.Entry<String, Tensor> e : module.stateDict().entrySet()) {
      sb.append(e.getKey()).append(Arrays.toString(e.getValue().shape())).append(e.getValue().dtype()).append(';');
    }
    long h = 1125899906842597L;
    for (int i = 0; i < sb.length(); i++) {
      h = 31 * h + sb.charAt(i);
    }
    return h;
  }

  private static void splitBits(long bits, float[] dst) {
    dst[0] = (float) (bits >>> 42);
    dst[1] = (float) ((bits >>> 21) & ((1L << 21) - 1));
    dst[2] = (float) (bits & ((1L << 21) - 1));
  }

  /** Copies rank 0's values of {@code tensors} into this replica's, bit-exact. */
  private void broadcastFromRank0(java.util.Collection<Tensor> tensors, String what) {
    int length = 0;
    for (Tensor t : tensors) {
      length += Flat.exactLength(t);
    }
    float[] flat = new float[length];
    if (rank == 0) {
      int off = 0;
      for (Tensor t : tensors) {
        off += Flat.encodeExact(t, flat, off);
      }
    }
    join(collective.broadcast(flat, 0), what);
    if (rank != 0) {
      int off = 0;
      for (Tensor t : tensors) {
        off += Flat.decodeExact(flat, off, t);
      }
    }
  }

  private float[] join(java.util.concurrent.CompletionStage<float[]> stage, String what) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new DdpException("rank " + rank + ": " + what + " could not be exchanged: " + cause.getMessage(), cause);
    }
  }
}
