package dev.ddp4j.actors;

import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.ddp.DistributedDataParallel;
import dev.ddp4j.exchange.ddp.DistributedSampler;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Threads;
import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.amp.GradScaler;
import dev.ddp4j.tensor.data.Batch;
import dev.ddp4j.tensor.data.BatchIterator;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.nn.Loss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The training state of one rank: its replica wrapped in DDP, loss, optimizer and data shard.
 * Only called from the owning rank's compute thread; the actor never touches it.
 */
final class RankCompute implements AutoCloseable {
  /**
   * One finished step of this rank, with the time of each phase in nanoseconds; {@code epochEnd} is set
   * when the step was the last of its epoch.
   */
  record StepResult(int epoch, long step, double loss, int samples, long nanos, long dataNanos, long forwardNanos,
      long backwardNanos, long exposedCommNanos, long optimizerNanos, long communicationNanos,
      TrainingEvent.EpochCompleted epochEnd) {}

  private final Module model;
  /** Where this rank computes (the CPU, or its CUDA device). */
  private final Device device;
  private final DistributedDataParallel ddp;
  private final Loss loss;
  private final Optimizer optimizer;
  private final DataLoader loader;
  private final long totalSteps;
  private final int epochs;
  private final int rank;
  private final int worldSize;
  private final Collective collective;
  private final TrainingSpec.EpochEvaluator evaluator;
  private final DType amp;
  /** Dynamic loss scaling for fp16 autocast; null otherwise. */
  private final GradScaler scaler;
  private int epoch;
  private long epochStartNanos;
  private double epochLossSum;
  private long epochSteps;
  private long epochSamples;
  private BatchIterator batches;
  private long step;

  /** Builds the replica and joins the group: blocks until rank 0's weights have arrived. */
  RankCompute(int rank, TrainingSpec spec, Collective collective) {
    this(rank, spec, collective, null, 0);
  }

  /**
   * As above; with {@code turns}, the model factory runs in its turn ({@code turnIndex}) among the ranks
   * of this JVM, so that seeded initialisation does not depend on how the ranks' threads interleave.
   */
  RankCompute(int rank, TrainingSpec spec, Collective collective, ReplicaTurns turns, int turnIndex) {
    if (spec.threadsPerRank() > 0) {
      Threads.setThreadLocalNumThreads(spec.threadsPerRank());
    }
    this.rank = rank;
    this.worldSize = spec.worldSize();
    this.collective = collective;
    this.evaluator = spec.evaluator();
    this.amp = spec.amp();
    this.scaler = amp == DType.FLOAT16 ? new GradScaler() : null;
    this.model = turns == null ? spec.modelFactory().get() : turns.inTurn(turnIndex, spec.modelFactory());
    this.device = spec.deviceFor(rank);
    model.to(device);
    this.ddp = DistributedDataParallel.wrap(model, collective, rank, spec.worldSize(), spec.ddpOptions());
    this.loss = spec.lossFactory().get();
    this.optimizer = spec.optimizerFactory().apply(model.parameters());
    DistributedSampler sampler = new DistributedSampler(spec.dataset().size(), spec.worldSize(), rank, true,
        spec.seed(), false);
    this.loader = DataLoader.builder(spec.dataset()).batchSize(spec.batchSizePerRank()).sampler(sampler).build();
    this.epochs = spec.epochs();
    this.totalSteps = (long) loader.numBatches() * epochs;
  }

  long totalSteps() {
    return totalSteps;
  }

  /** Runs the next step: forward, backward, gradient sync, optimizer step. */
  StepResult step() {
    long t0 = System.nanoTime();
    while (batches == null || !batches.hasNext()) {
      if (batches != null) {
        batches.close();
        epoch++;
      }
      if (epoch >= epochs) {
        throw new IllegalStateException("no step left: all " + epochs + " epochs ran");
      }
      loader.setEpoch(epoch);
      batches = loader.iterator();
      epochStartNanos = t0;
      epochLossSum = 0;
      epochSteps = 0;
      epochSamples = 0;
    }
    Batch b = batches.next();
    long t1 = System.nanoTime();
    model.train();
    optimizer.zeroGrad();
    Tensor l;
    try (Autocast.Scope ignored = amp == null ? null : Autocast.enable(amp)) {
      l = loss.forward(ddp.forward(b.inputs().to(device)), b.targets().to(device));
    }
    long t2 = System.nanoTime();
    (scaler == null ? l : scaler.scale(l)).backward();
    long t3 = System.nanoTime();
    ddp.finishGradientSync();
    long t4 = System.nanoTime();
    if (scaler == null) {
      optimizer.step();
    } else {
      // The averaged gradients are the same on every rank, so every rank skips the same steps.
      scaler.step(optimizer);
      scaler.update();
    }
    long t5 = System.nanoTime();
    double lv = l.item();
    if (!Double.isFinite(lv)) {
      throw new ArithmeticException("training diverged: loss is " + lv + " at epoch " + epoch + ", step " + (step + 1));
    }
    step++;
    epochLossSum += lv;
    epochSteps++;
    epochSamples += b.size();
    long commNanos = ddp.lastSyncStats().communicationNanos();
    TrainingEvent.EpochCompleted epochEnd = batches.hasNext() ? null : endEpoch(t5);
    return new StepResult(epoch, step, lv, b.size(), t5 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4,
        commNanos, epochEnd);
  }

  /** Sums the epoch's loss, steps and examples over the ranks, then lets rank 0 evaluate. */
  private TrainingEvent.EpochCompleted endEpoch(long endNanos) {
    double seconds = (endNanos - epochStartNanos) / 1e9;
    float[] sums = {(float) epochLossSum, epochSteps, epochSamples};
    try {
      collective.allReduce(sums, ReduceOp.SUM).toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while summing epoch " + epoch + "'s loss over the ranks", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not sum epoch " + epoch + "'s loss over the ranks: "
          + e.getCause().getMessage(), e.getCause());
    }
    Map<String, Double> evaluation = Map.of();
    if (rank == 0 && evaluator != null) {
      evaluation = Map.copyOf(evaluator.evaluate(model, epoch));
    }
    long samples = Math.round(sums[2]);
    return new TrainingEvent.EpochCompleted(epoch, epochSteps, sums[0] / sums[1], samples, seconds,
        samples / seconds, evaluation);
  }

  /** A copy of the replica's parameters and buffers, by name. */
  Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      out.put(e.getKey(), e.getValue().clone());
    }
    return out;
  }

  @Override
  public void close() {
    if (batches != null) {
      batches.close();
    }
    loader.close();
    ddp.close();
  }
}
