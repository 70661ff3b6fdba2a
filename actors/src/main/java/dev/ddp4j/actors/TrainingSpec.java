package dev.ddp4j.actors;

import akka.actor.typed.ActorRef;
import dev.ddp4j.exchange.ddp.DdpOptions;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Threads;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.data.Dataset;
import dev.ddp4j.tensor.data.Example;
import dev.ddp4j.tensor.nn.Loss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What {@link DistributedTraining} trains and how. The factories are called once per rank, on that
 * rank's compute thread, so each rank owns its model replica, loss and optimizer; the dataset is
 * shared read-only by all ranks (each reads its {@link dev.ddp4j.exchange.ddp.DistributedSampler}
 * shard).
 *
 * @param modelFactory makes one replica (rank 0's initial weights are broadcast to the others)
 * @param optimizerFactory makes a rank's optimizer over its replica's parameters
 * @param lossFactory makes a rank's loss
 * @param dataset the training set, read concurrently by every rank: it must be immutable
 * @param worldSize number of ranks, each with its own compute thread
 * @param batchSizePerRank examples per rank per step (the global batch is worldSize times this)
 * @param epochs passes over the dataset
 * @param seed seed of the sampler's shuffle (epoch e uses seed + e)
 * @param ddpOptions bucket caps, unused parameters, buffer broadcast, comm hook
 * @param progress receives {@link TrainingEvent}s, or null for none
 * @param threadsPerRank intra-op threads of each rank's compute thread ({@link Threads#setThreadLocalNumThreads}),
 *     or 0 to use the process-wide count; ranks sharing a JVM split its cores this way
 * @param evaluator run on rank 0 after each epoch (its figures go into {@link TrainingEvent.EpochCompleted}),
 *     or null for none
 * @param amp the autocast dtype of forward and loss ({@code BFLOAT16}, or {@code FLOAT16} with a
 *     {@link dev.ddp4j.tensor.amp.GradScaler}), or null for float32 throughout
 * @param device where the ranks compute: null or the CPU, or a CUDA device, in which case rank r uses
 *     {@code cuda:(r mod the number of CUDA devices on its host)} (see {@link #deviceFor}); gradients are
 *     staged through host memory for the ring
 */
public record TrainingSpec(Supplier<Module> modelFactory, Function<List<Tensor>, Optimizer> optimizerFactory,
    Supplier<? extends Loss> lossFactory, Dataset<Example> dataset, int worldSize, int batchSizePerRank, int epochs,
    long seed, DdpOptions ddpOptions, ActorRef<TrainingEvent> progress, int threadsPerRank,
    EpochEvaluator evaluator, DType amp, Device device) {

  /**
   * Evaluates rank 0's replica after an epoch, on rank 0's compute thread, while the other ranks wait at
   * their next collective (as a PyTorch script that evaluates on rank 0 between epochs). Switch the model
   * to {@code eval()} inside if needed: the next step puts it back in training mode.
   */
  @FunctionalInterface
  public interface EpochEvaluator {
    /** Figures by name (e.g. {@code test_loss}, {@code test_accuracy}) for epoch {@code epoch} (0-based). */
    Map<String, Double> evaluate(Module model, int epoch);
  }

  /** A spec with the process-wide thread count and no evaluator. */
  public TrainingSpec(Supplier<Module> modelFactory, Function<List<Tensor>, Optimizer> optimizerFactory,
      Supplier<? extends Loss> lossFactory, Dataset<Example> dataset, int worldSize, int batchSizePerRank, int epochs,
      long seed, DdpOptions ddpOptions, ActorRef<TrainingEvent> progress) {
    this(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs, seed, ddpOptions,
        progress, 0, null, null, null);
  }

  /** A spec without a device (the CPU): the form before devices existed. */
  public TrainingSpec(Supplier<Module> modelFactory, Function<List<Tensor>, Optimizer> optimizerFactory,
      Supplier<? extends Loss> lossFactory, Dataset<Example> dataset, int worldSize, int batchSizePerRank, int epochs,
      long seed, DdpOptions ddpOptions, ActorRef<TrainingEvent> progress, int threadsPerRank,
      EpochEvaluator evaluator, DType amp) {
    this(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs, seed, ddpOptions,
        progress, threadsPerRank, evaluator, amp, null);
  }

  /**
   * The device rank {@code rank} computes on: the CPU without a device, else CUDA device
   * {@code rank mod count} of the CUDA devices this host has (PyTorch's {@code LOCAL_RANK} placement when
   * every host runs one rank per GPU).
   *
   * @throws IllegalStateException when the device's kind is unavailable on this host (the probe's reason)
   */
  public Device deviceFor(int rank) {
    if (device == null || device.type() == Device.Type.CPU) {
      return Device.CPU;
    }
    Availability a = Backends.availability(device.type());
    if (!a.available()) {
      throw new IllegalStateException("rank " + rank + " cannot use " + device + ": " + a.description());
    }
    return new Device(device.type(), rank % a.deviceCount());
  }

  /** Checks the arguments. */
  public TrainingSpec {
    Objects.requireNonNull(modelFactory, "modelFactory");
    Objects.requireNonNull(optimizerFactory, "optimizerFactory");
    Objects.requireNonNull(lossFactory, "lossFactory");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(ddpOptions, "ddpOptions");
    if (worldSize < 1) {
      throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
    }
    if (batchSizePerRank < 1) {
      throw new IllegalArgumentException("batchSizePerRank must be >= 1, got " + batchSizePerRank);
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (amp != null && amp != DType.BFLOAT16 && amp != DType.FLOAT16) {
      throw new IllegalArgumentException("amp must be BFLOAT16, FLOAT16 or null, got " + amp);
    }
    if (threadsPerRank < 0) {
      throw new IllegalArgumentException("threadsPerRank must be >= 0 (0 = the process-wide count), got "
          + threadsPerRank);
    }
  }

  /** The same spec with {@code listener} receiving progress events. */
  public TrainingSpec withProgress(ActorRef<TrainingEvent> listener) {
    return new TrainingSpec(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs,
        seed, ddpOptions, listener, threadsPerRank, evaluator, amp, device);
  }

  /** The same spec with {@code n} intra-op threads per rank (0 = the process-wide count). */
  public TrainingSpec withThreadsPerRank(int n) {
    return new TrainingSpec(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs,
        seed, ddpOptions, progress, n, evaluator, amp, device);
  }

  /** The same spec with {@code e} evaluating rank 0's replica after each epoch. */
  public TrainingSpec withEvaluator(EpochEvaluator e) {
    return new TrainingSpec(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs,
        seed, ddpOptions, progress, threadsPerRank, e, amp, device);
  }

  /** The same spec computing on {@code d} (null or the CPU: on the CPU); see {@link #deviceFor}. */
  public TrainingSpec withDevice(Device d) {
    return new TrainingSpec(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs,
        seed, ddpOptions, progress, threadsPerRank, evaluator, amp, d);
  }

  /** The same spec with forward and loss under autocast to {@code dtype} (null: float32 throughout). */
  public TrainingSpec withAmp(DType dtype) {
    return new TrainingSpec(modelFactory, optimizerFactory, lossFactory, dataset, worldSize, batchSizePerRank, epochs,
        seed, ddpOptions, progress, threadsPerRank, evaluator, dtype, device);
  }
}
