package dev.ddp4j.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Scheduler;
import akka.actor.typed.javadsl.AskPattern;
import dev.ddp4j.tensor.Tensor;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * A running training job, returned by {@link DistributedTraining}. Every method may be called from
 * any thread; none blocks.
 */
public final class TrainingHandle {
  private final ActorRef<TrainingCoordinator.Command> coordinator;
  private final CompletionStage<Map<String, Tensor>> result;
  private final Scheduler scheduler;

  TrainingHandle(ActorRef<TrainingCoordinator.Command> coordinator, CompletionStage<Map<String, Tensor>> result,
      Scheduler scheduler) {
    this.coordinator = coordinator;
    this.result = result;
    this.scheduler = scheduler;
  }

  /**
   * Completes with rank 0's trained parameters and buffers by name (copies the caller owns), or
   * exceptionally with a {@link TrainingFailedException} naming the rank, step and cause.
   */
  public CompletionStage<Map<String, Tensor>> result() {
    return result;
  }

  /** Holds every rank at one step boundary; completes with the 0-based number of the next step. */
  public CompletionStage<Long> pause(Duration timeout) {
    return AskPattern.ask(coordinator, TrainingCoordinator.PauseAll::new, timeout, scheduler);
  }

  /** Lets the ranks go on after {@link #pause}. */
  public void resume() {
    coordinator.tell(new TrainingCoordinator.ResumeAll());
  }

  /** Ends the run at a step boundary common to all ranks; the result fails with {@link TrainingFailedException}. */
  public void stop() {
    coordinator.tell(new TrainingCoordinator.StopAll());
  }

  /** Asks every rank for its status; each replies to {@code replyTo} at once, even mid-step. */
  public void report(ActorRef<RankActor.RankStatus> replyTo) {
    coordinator.tell(new TrainingCoordinator.ReportAll(replyTo));
  }

  /** The run's coordinator, to watch it or send it commands directly. */
  public ActorRef<TrainingCoordinator.Command> coordinator() {
    return coordinator;
  }
}
