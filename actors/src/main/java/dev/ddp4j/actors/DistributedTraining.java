package dev.ddp4j.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.ActorContext;
import dev.ddp4j.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Data-parallel training inside a caller's own actor system, in one JVM: one {@link RankActor}
 * (with its communicator and compute thread) per rank under a {@link TrainingCoordinator}.
 *
 * <pre>{@code
 * TrainingSpec spec = new TrainingSpec(Models::mlp, p -> new SGD(p, 0.05, 0.9), CrossEntropyLoss::new,
 *     trainSet, 2, 32, 1, 42, DdpOptions.defaults(), progressListener);
 * TrainingHandle run = DistributedTraining.start(system, spec, "mnist");
 * run.result().thenAccept(weights -> SafeTensors.save(...));
 * }</pre>
 *
 * <p>The coordinator is a child of the system's guardian (or of the caller's actor); stopping it
 * stops the ranks.
 */
public final class DistributedTraining {
  private DistributedTraining() {}

  /** Starts a run as a system actor named {@code name} (unique in the system). */
  public static TrainingHandle start(ActorSystem<?> system, TrainingSpec spec, String name) {
    CompletableFuture<Map<String, Tensor>> result = new CompletableFuture<>();
    ActorRef<TrainingCoordinator.Command> ref =
        system.systemActorOf(TrainingCoordinator.create(spec, result), name, Props.empty());
    return new TrainingHandle(ref, result, system.scheduler());
  }

  /**
   * Starts rank {@code rank} of a run whose process group was formed elsewhere, typically one rank per
   * JVM joined by a {@link dev.ddp4j.exchange.collective.RingNode}: this JVM runs that one
   * {@link RankActor} over {@code collective}, and every member JVM starts the same spec with its own
   * rank. Progress events describe the whole world (samples scaled by the world size; epoch figures
   * summed over the ranks). The result holds this rank's weights, equal on every rank. Pausing holds only
   * this JVM's rank, which the others then wait for in their next collective.
   */
  public static TrainingHandle startMember(ActorSystem<?> system, TrainingSpec spec, int rank,
      dev.ddp4j.exchange.collective.Collective collective, String name) {
    CompletableFuture<Map<String, Tensor>> result = new CompletableFuture<>();
    ActorRef<TrainingCoordinator.Command> ref = system.systemActorOf(
        TrainingCoordinator.createMember(spec, rank, collective, result), name, Props.empty());
    return new TrainingHandle(ref, result, system.scheduler());
  }

  /** Starts a run as a child named {@code name} of the caller's actor; call it on that actor's thread. */
  public static TrainingHandle start(ActorContext<?> context, TrainingSpec spec, String name) {
    CompletableFuture<Map<String, Tensor>> result = new CompletableFuture<>();
    ActorRef<TrainingCoordinator.Command> ref = context.spawn(TrainingCoordinator.create(spec, result), name);
    return new TrainingHandle(ref, result, context.getSystem().scheduler());
  }
}
