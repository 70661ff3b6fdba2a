package dev.ddp4j.exchange.ddp;

import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * "What is reduced, when": the gradient buckets of one rank and their state in the current step.
 *
 * <p>Protocol of one synchronised step (all on the rank's compute thread):
 * <ol type="a">
 *   <li>{@link #prepareForBackward()} (from the DDP forward) clears every parameter's ready mark and
 *       each bucket's pending count. With {@link DdpOptions#gradientAsBucketView()}, a float32 CPU
 *       parameter without a {@code .grad} gets a zeroed view of its bucket slot as {@code .grad}.
 *   <li>During backward, each parameter's post-accumulate-grad hook calls {@link #markReady(int)}:
 *       its final gradient is copied (as float32) into its slot of its bucket's buffer, unless it is
 *       that slot's view already.
 *   <li>When a bucket's last parameter is ready, that bucket and every following bucket that is also
 *       ready are launched in index order through the {@link CommHook}; a ready bucket waits for the
 *       buckets before it. Buckets are launched, hence reduced, in the same order on every rank.
 *       Backward goes on while the collective runs.
 *   <li>{@link #finish()} (after backward, before {@code optimizer.step()}): parameters still not
 *       ready are either an error naming them or, with {@code findUnusedParameters}, ready with what
 *       their {@code .grad} holds (zero if none), and the rest of the buckets are launched; then with
 *       {@code findUnusedParameters} a small allreduce counts which ranks used each parameter.
 *   <li>Buckets are awaited in order and each averaged bucket is written back into its parameters'
 *       {@code .grad} (created if absent; left absent for a parameter no rank used); a {@code .grad}
 *       that is a view of the bucket holds the average already.
 * </ol>
 * Not thread-safe: every method runs on the owning rank's compute thread (the thread that runs
 * backward); only the collectives' completions happen elsewhere, and their results are read here.
 */
final class Reducer {
  /** One bucket: its parameters, their offsets in the flat buffer, and this step's state. */
  private static final class Bucket {
    final int index;
    final int[] params;
    final int[] offsets;
    final float[] buffer;
    final GradBucket view;
    int pending;
    CompletionStage<float[]> stage;
    long launchedAt;
    /** Set on the collective's thread when the stage completes; read after joining it. */
    volatile long completedAt;

    Bucket(int index, int[] params, int[] offsets, float[] buffer, List<String> names) {
      this.index = index;
      this.params = params;
      this.offsets = offsets;
      this.buffer = buffer;
      this.view = new GradBucket(index, buffer, names);
    }
  }

  private final String[] names;
  private final Tensor[] params;
  private final Collective collective;
  private final DdpOptions options;
  private final int rank;
  private final Bucket[] buckets;
  private final int[] bucketOf;
  private final int[] slotOf;
  private final boolean[] ready;
  /** Per parameter: a float32 view of its bucket slot shaped like it, or null when it cannot have one. */
  private final Tensor[] slotViews;
  /** Per parameter: this step's prepareForBackward set its {@code .grad} to its slot view. */
  private final boolean[] viewSetThisStep;
  private final List<Tensor.RemovableHandle> hooks = new ArrayList<>();

  private boolean armed;
  private int readyCount;
  private int nextToLaunch;
  private long step;
  private SyncStats lastStats = new SyncStats(0, 0, 0, 0);

  Reducer(List<String> names, List<Tensor> params, Collective collective, int rank, DdpOptions options) {
    this.names = names.toArray(new String[0]);
    this.params = params.toArray(new Tensor[0]);
    this.collective = collective;
    this.rank = rank;
    this.options = options;
    int[] numels = new int[this.params.length];
    for (int i = 0; i < numels.length; i++) {
      numels[i] = this.params[i].numel();
    }
    List<List<Integer>> assignment =
        BucketAssignment.compute(numels, options.firstBucketCapBytes(), options.bucketCapBytes());
    buckets = new Bucket[assignment.size()];
    bucketOf = new int[numels.length];
    slotOf = new int[numels.length];
    for (int b = 0; b < buckets.length; b++) {
      List<Integer> members = assignment.get(b);
      int[] idx = new int[members.size()];
      int[] offsets = new int[members.size()];
      List<String> bucketNames = new ArrayList<>();
      int length = 0;
      for (int k = 0; k < idx.length; k++) {
        idx[k] = members.get(k);
        offsets[k] = length;
        length += numels[idx[k]];
        bucketOf[idx[k]] = b;
        slotOf[idx[k]] = k;
        bucketNames.add(this.names[idx[k]]);
      }
      buckets[b] = new Bucket(b, idx, offsets, new float[length], List.copyOf(bucketNames));
    }
    ready = new boolean[numels.length];
    slotViews = new Tensor[numels.length];
    viewSetThisStep = new boolean[numels.length];
    for (int p = 0; p < numels.length; p++) {
      Tensor t = this.params[p];
      if (options.gradientAsBucketView() && t.dtype() == DType.FLOAT32 && !t.storage().isOnDevice()) {
        Bucket b = buckets[bucketOf[p]];
        slotViews[p] = Torch.wrap(b.buffer, b.offsets[slotOf[p]], t.shape());
      }
    }
    for (int i = 0; i < this.params.length; i++) {
      int p = i;
      hooks.add(this.params[i].registerPostAccumulateGradHook(t -> markReady(p)));
    }
  }

  /** The parameter names of each bucket, bucket 0 first. */
  List<List<String>> bucketNames() {
    List<List<String>> out = new ArrayList<>();
    for (Bucket b : buckets) {
      out.add(b.view.parameterNames());
    }
    return List.copyOf(out);
  }

  SyncStats lastStats() {
    return lastStats;
  }

  boolean armed() {
    return armed;
  }

  /** Step a: expect one backward whose gradients are to be averaged. */
  void prepareForBackward() {
    if (armed && readyCount > 0) {
      throw new DdpException("rank " + rank + ": a new forward started before finishGradientSync() of step "
          + step + ", whose backward already ran; call finishGradientSync() after every synchronised backward");
    }
    Arrays.fill(ready, false);
    for (int p = 0; p < params.length; p++) {
      viewSetThisStep[p] = slotViews[p] != null && params[p].grad() == null;
      if (viewSetThisStep[p]) {
        Bucket b = buckets[bucketOf[p]];
        int from = b.offsets[slotOf[p]];
        Arrays.fill(b.buffer, from, from + params[p].numel(), 0f);
        params[p].setGrad(slotViews[p]);
      }
    }
    for (Bucket b : buckets) {
      b.pending = b.params.length;
      b.stage = null;
    }
    readyCount = 0;
    nextToLaunch = 0;
    armed = true;
  }

  /** Step b: parameter {@code p}'s gradient for this backward is final. */
  private void markReady(int p) {
    if (!armed) {
      return;
    }
    if (ready[p]) {
      throw new DdpException("rank " + rank + ": parameter " + names[p] + " was marked ready twice in step " + step
          + "; run one backward per synchronised step (use noSync() for the others)");
    }
    Tensor g = params[p].grad();
    Bucket b = buckets[bucketOf[p]];
    if (g == null) {
      Arrays.fill(b.buffer, b.offsets[slotOf[p]], b.offsets[slotOf[p]] + params[p].numel(), 0f);
    } else if (g != slotViews[p]) {
      Flat.gather(g, b.buffer, b.offsets[slotOf[p]]);
    }
    ready[p] = true;
    readyCount++;
    if (--b.pending == 0) {
      launchReady();
    }
  }

  /** Step c: launches, in index order, every bucket whose predecessors are all launched. */
  private void launchReady() {
    while (nextToLaunch < buckets.length && buckets[nextToLaunch].pending == 0) {
      Bucket b = buckets[nextToLaunch++];
      b.launchedAt = System.nanoTime();
      CompletionStage<float[]> stage = options.commHook().reduce(b.view, collective);
      b.stage = stage.whenComplete((r, e) -> b.completedAt = System.nanoTime());
    }
  }

  /** Steps d and e; afterwards every parameter's {@code .grad} holds the average over ranks. */
  void finish() {
    if (!armed) {
      throw new IllegalStateException("rank " + rank + ": finishGradientSync() without a synchronised forward and "
          + "backward through the DistributedDataParallel module");
    }
    int launchedDuringBackward = nextToLaunch;
    long t0 = System.nanoTime();
    float[] used = null;
    try {
      if (readyCount < params.length) {
        List<String> missing = new ArrayList<>();
        for (int p = 0; p < params.length; p++) {
          if (!ready[p]) {
            missing.add(names[p]);
          }
        }
        if (!options.findUnusedParameters()) {
          awaitLaunchedQuietly();
          throw new DdpException("rank " + rank + ": parameter(s) " + missing + " received no gradient in step " + step
              + ": they were not used in producing the loss. Pass DdpOptions.withFindUnusedParameters(true) "
              + "if the forward skips parameters, or make sure every parameter contributes to the loss");
        }
        used = new float[params.length];
        for (int p = 0; p < params.length; p++) {
          used[p] = ready[p] ? 1f : 0f;
        }
        for (int p = 0; p < params.length; p++) {
          if (!ready[p]) {
            markReady(p);
          }
        }
      } else if (options.findUnusedParameters()) {
        used = new float[params.length];
        Arrays.fill(used, 1f);
      }
      CompletionStage<float[]> usedStage = used == null ? null : collective.allReduce(used, ReduceOp.SUM);
      float[] usedBy = usedStage == null ? null : await(usedStage, "the used-parameter count");
      for (Bucket b : buckets) {
        float[] avg = await(b.stage, "bucket " + b.index);
        for (int k = 0; k < b.params.length; k++) {
          int p = b.params[k];
          Tensor g = params[p].grad();
          if (usedBy != null && usedBy[p] == 0f) {
            if (viewSetThisStep[p] && g == slotViews[p]) {
              params[p].setGrad(null);  // no rank used it: it keeps no gradient, as without views
            }
            continue;
          }
          if (g != null && g == slotViews[p]) {
            if (avg != b.buffer) {  // a hook that returned another array
              System.arraycopy(avg, b.offsets[k], b.buffer, b.offsets[k], params[p].numel());
            }
            continue;
          }
          if (g == null) {
            g = Torch.zerosLike(params[p].detach());
            params[p].setGrad(g);
          }
          Flat.scatter(avg, b.offsets[k], g);
        }
      }
    } finally {
      armed = false;
      readyCount = 0;
      step++;
    }
    long exposed = System.nanoTime() - t0;
    // Buckets are reduced one after another: each is busy from its launch, or its predecessor's end, to its own end.
    long busy = 0;
    long previousEnd = Long.MIN_VALUE;
    for (Bucket b : buckets) {
      busy += b.completedAt - Math.max(b.launchedAt, previousEnd);
      previousEnd = b.completedAt;
    }
    lastStats = new SyncStats(buckets.length, launchedDuringBackward, exposed, busy);
  }

  private void awaitLaunchedQuietly() {
    for (Bucket b : buckets) {
      if (b.stage != null) {
        try {
          b.stage.toCompletableFuture().join();
        } catch (CompletionException | java.util.concurrent.CancellationException ignored) {
          // The step fails anyway; this only keeps the buffers out of use until the collective lets go.
        }
      }
    }
  }

  private float[] await(CompletionStage<float[]> stage, String what) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new DdpException("rank " + rank + ": allreduce of " + what + " failed in step " + step + ": "
          + cause.getMessage(), cause);
    }
  }

  /** Removes the gradient hooks; the parameters go back to plain local training. */
  void close() {
    for (Tensor.RemovableHandle h : hooks) {
      h.remove();
    }
    hooks.clear();
    armed = false;
  }
}
