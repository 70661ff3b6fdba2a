package dev.ddp4j.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One training run in one JVM: spawns the {@link RankActor}s, forms their process group, turns
 * their step reports into {@link TrainingEvent}s, aligns pauses, and completes the run's result
 * with rank 0's weights (or with the failure that ended it).
 *
 * <p>Rank actors are spawned under a supervisor that stops a rank on any exception thrown in its
 * message handling (a rank is never restarted: its replica would no longer match the others'); the
 * coordinator watches each rank, so a rank that stops before finishing fails the run. Failures of a
 * step do not throw in the actor: the rank reports them with their cause ({@code RankFailed}).
 *
 * <p>Pausing (the ranks must stop at the same step boundary, or the ranks ahead would wait in a
 * collective for the ones held back): every rank is asked to pause at its next boundary and answers
 * at once where that is (after a step it has already started); the ranks that would hold earlier than
 * the furthest are run up to it, so no rank is left inside a step whose collective another rank will
 * not join; when all report they are paused at one boundary, the pause is settled.
 */
public final class TrainingCoordinator extends AbstractBehavior<TrainingCoordinator.Command> {

  /** The messages of a training run. */
  public sealed interface Command {}

  /** Pause every rank at one step boundary; {@code replyTo} gets the 0-based number of the next step. */
  public record PauseAll(ActorRef<Long> replyTo) implements Command {}

  /** Resume every rank after a pause. */
  public record ResumeAll() implements Command {}

  /** Pause every rank at one boundary, then end the run without weights. */
  public record StopAll() implements Command {}

  /** Every rank replies with its status to {@code replyTo}. */
  public record ReportAll(ActorRef<RankActor.RankStatus> replyTo) implements Command {}

  record RankRegistered(int rank, ActorRef<Communicator.Command> communicator) implements Command {}

  record RankStepped(int rank, RankCompute.StepResult result) implements Command {}

  record RankPaused(int rank, long nextStep) implements Command {}

  /** The boundary a rank will hold at after a {@code PauseAt}: never before a step it has already started. */
  record RankHolding(int rank, long boundary) implements Command {}

  record RankFinished(int rank, long steps, Map<String, Tensor> state) implements Command {}

  record RankFailed(int rank, long step, Throwable cause) implements Command {}

  /** One global step's reports so far. */
  private static final class StepAggregate {
    int reports;
    double lossSum;
    long samples;
    long maxNanos;
    final long[] maxPhaseNanos = new long[6];
    int epoch;
    TrainingEvent.EpochCompleted epochEnd;
  }

  private final TrainingSpec spec;
  /** Rank of the first local rank actor: 0 in process; a member's own rank. */
  private final int firstRank;
  private final CompletableFuture<Map<String, Tensor>> result;
  private final List<ActorRef<RankActor.Command>> ranks = new ArrayList<>();
  private final List<ActorRef<Communicator.Command>> communicators;
  /** The group's collective when it was formed elsewhere (a member), else null. */
  private final Collective external;
  private final Map<Long, StepAggregate> steps = new HashMap<>();
  private final Map<Integer, Long> pausedAt = new HashMap<>();
  /** Where each rank said it will hold during the current pause. */
  private final Map<Integer, Long> holding = new HashMap<>();
  private final List<ActorRef<Long>> pauseWaiters = new ArrayList<>();
  private int registered;
  private int finishedRanks;
  private Map<String, Tensor> rank0State;
  private long lastStepNanos = System.nanoTime();
  private boolean pausing;
  private boolean stopping;

  static Behavior<Command> create(TrainingSpec spec, CompletableFuture<Map<String, Tensor>> result) {
    return Behaviors.setup(ctx -> new TrainingCoordinator(ctx, spec, 0, spec.worldSize(), null, result));
  }

  /** Coordinates the one rank {@code rank} of a group formed elsewhere, which it reaches through {@code collective}. */
  static Behavior<Command> createMember(TrainingSpec spec, int rank, Collective collective,
      CompletableFuture<Map<String, Tensor>> result) {
    if (rank < 0 || rank >= spec.worldSize()) {
      throw new IllegalArgumentException("rank " + rank + " is outside a world of " + spec.worldSize());
    }
    return Behaviors.setup(ctx -> new TrainingCoordinator(ctx, spec, rank, 1, collective, result));
  }

  private TrainingCoordinator(ActorContext<Command> ctx, TrainingSpec spec, int firstRank, int localRanks,
      Collective external, CompletableFuture<Map<String, Tensor>> result) {
    super(ctx);
    this.spec = spec;
    this.firstRank = firstRank;
    this.external = external;
    this.result = result;
    this.communicators = new ArrayList<>(java.util.Collections.nCopies(localRanks, null));
    ReplicaTurns turns = new ReplicaTurns(localRanks);
    for (int r = firstRank; r < firstRank + localRanks; r++) {
      Behavior<RankActor.Command> behavior = external == null ? RankActor.create(r, spec, ctx.getSelf(), turns)
          : RankActor.create(r, spec, ctx.getSelf(), external);
      Behavior<RankActor.Command> rank = Behaviors.supervise(behavior)
          .onFailure(RuntimeException.class, SupervisorStrategy.stop());
      ActorRef<RankActor.Command> ref = ctx.spawn(rank, "rank-" + r);
      ctx.watch(ref);
      ranks.add(ref);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(RankRegistered.class, this::onRegistered)
        .onMessage(RankStepped.class, this::onStepped)
        .onMessage(RankPaused.class, this::onPaused)
        .onMessage(RankHolding.class, this::onHolding)
        .onMessage(RankFinished.class, this::onFinished)
        .onMessage(RankFailed.class, this::onFailed)
        .onMessage(PauseAll.class, this::onPauseAll)
        .onMessage(ResumeAll.class, this::onResumeAll)
        .onMessage(StopAll.class, this::onStopAll)
        .onMessage(ReportAll.class, this::onReportAll)
        .onSignal(Terminated.class, this::onRankTerminated)
        .build();
  }

  private Behavior<Command> onRegistered(RankRegistered m) {
    if (external != null) {
      ranks.get(m.rank() - firstRank).tell(new RankActor.JoinGroup(null));
      return this;
    }
    communicators.set(m.rank(), m.communicator());
    if (++registered == communicators.size()) {
      ProcessGroup group = new ProcessGroup(0, communicators);
      for (ActorRef<RankActor.Command> r : ranks) {
        r.tell(new RankActor.JoinGroup(group));
      }
    }
    return this;
  }

  private Behavior<Command> onStepped(RankStepped m) {
    RankCompute.StepResult s = m.result();
    StepAggregate a = steps.computeIfAbsent(s.step(), k -> new StepAggregate());
    a.reports++;
    a.lossSum += s.loss();
    a.samples += s.samples();
    a.maxNanos = Math.max(a.maxNanos, s.nanos());
    long[] phases = {s.dataNanos(), s.forwardNanos(), s.backwardNanos(), s.exposedCommNanos(), s.optimizerNanos(),
        s.communicationNanos()};
    for (int i = 0; i < phases.length; i++) {
      a.maxPhaseNanos[i] = Math.max(a.maxPhaseNanos[i], phases[i]);
    }
    a.epoch = s.epoch();
    if (s.epochEnd() != null && m.rank() == firstRank) {
      a.epochEnd = s.epochEnd();
    }
    if (a.reports == ranks.size()) {
      steps.remove(s.step());
      long now = System.nanoTime();
      long wall = s.step() == 1 ? a.maxNanos : Math.max(1, now - lastStepNanos);
      lastStepNanos = now;
      long[] p = a.maxPhaseNanos;
      TrainingEvent.StepTimeline timeline = new TrainingEvent.StepTimeline(p[0] / 1e6, p[1] / 1e6, p[2] / 1e6,
          p[3] / 1e6, p[4] / 1e6, p[5] / 1e6);
      // A member sees only its own rank; every rank takes batches of the same size (the sampler pads).
      long samples = a.samples * spec.worldSize() / ranks.size();
      if (a.epochEnd != null) {
        wall = a.maxNanos; // the epoch's end (sums over the ranks, evaluation) is not part of the step
      }
      emit(new TrainingEvent.StepCompleted(a.epoch, s.step(), a.lossSum / a.reports, samples,
          samples / (wall / 1e9), timeline));
      if (a.epochEnd != null) {
        emit(a.epochEnd);
        lastStepNanos = System.nanoTime();
      }
    }
    return this;
  }

  private Behavior<Command> onPauseAll(PauseAll m) {
    pauseWaiters.add(m.replyTo());
    startPause();
    return this;
  }

  private void startPause() {
    if (pausing) {
      return;
    }
    pausing = true;
    pausedAt.clear();
    holding.clear();
    for (ActorRef<RankActor.Command> r : ranks) {
      r.tell(new RankActor.PauseAt(0));
    }
  }

  /**
   * Once every rank has said where it will hold, the ones that would hold earlier than the furthest
   * run up to it. Without this a rank held at boundary s would leave another rank that had already
   * started step s waiting in that step's collective, unable to report its pause.
   */
  private Behavior<Command> onHolding(RankHolding m) {
    if (!pausing) {
      return this;
    }
    holding.put(m.rank(), m.boundary());
    if (holding.size() == ranks.size()) {
      long furthest = holding.values().stream().mapToLong(Long::longValue).max().orElse(0);
      for (Map.Entry<Integer, Long> e : new ArrayList<>(holding.entrySet())) {
        if (e.getValue() < furthest) {
          holding.put(e.getKey(), furthest);
          ranks.get(e.getKey() - firstRank).tell(new RankActor.PauseAt(furthest));
        }
      }
    }
    return this;
  }

  private Behavior<Command> onPaused(RankPaused m) {
    if (!pausing) {
      return this;
    }
    pausedAt.put(m.rank(), m.nextStep());
    return pausedAt.size() == ranks.size() ? alignPause() : this;
  }

  /** All ranks are at a boundary: run those behind up to the furthest, or settle the pause. */
  private Behavior<Command> alignPause() {
    long furthest = pausedAt.values().stream().mapToLong(Long::longValue).max().orElse(0);
    boolean aligned = true;
    for (Map.Entry<Integer, Long> e : new ArrayList<>(pausedAt.entrySet())) {
      if (e.getValue() < furthest) {
        aligned = false;
        pausedAt.remove(e.getKey());
        ranks.get(e.getKey() - firstRank).tell(new RankActor.PauseAt(furthest));
      }
    }
    if (!aligned) {
      return this;
    }
    if (stopping) {
      String reason = "training stopped at the caller's request before step " + furthest;
      emit(new TrainingEvent.Failed(reason));
      result.completeExceptionally(new TrainingFailedException(reason, null));
      return Behaviors.stopped();
    }
    for (ActorRef<Long> w : pauseWaiters) {
      w.tell(furthest);
    }
    pauseWaiters.clear();
    emit(new TrainingEvent.Paused(furthest));
    return this;
  }

  private Behavior<Command> onResumeAll(ResumeAll m) {
    if (stopping) {
      return this;
    }
    pausing = false;
    pausedAt.clear();
    holding.clear();
    for (ActorRef<RankActor.Command> r : ranks) {
      r.tell(new RankActor.Resume());
    }
    emit(new TrainingEvent.Resumed());
    return this;
  }

  private Behavior<Command> onStopAll(StopAll m) {
    stopping = true;
    if (pausing && pausedAt.size() == ranks.size()) {
      return alignPause();
    }
    startPause();
    return this;
  }

  private Behavior<Command> onReportAll(ReportAll m) {
    for (ActorRef<RankActor.Command> r : ranks) {
      r.tell(new RankActor.Report(m.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onFinished(RankFinished m) {
    finishedRanks++;
    if (m.state() != null) {
      rank0State = m.state();
    }
    if (pausing) {
      pausedAt.put(m.rank(), m.steps());
    }
    if (finishedRanks == ranks.size()) {
      emit(new TrainingEvent.Finished(m.steps()));
      result.complete(rank0State);
      return Behaviors.stopped();
    }
    return this;
  }

  private Behavior<Command> onFailed(RankFailed m) {
    String where = m.step() < 0 ? "while building its replica" : "in step " + (m.step() + 1);
    String reason = "rank " + m.rank() + " failed " + where + ": " + m.cause();
    emit(new TrainingEvent.Failed(reason));
    result.completeExceptionally(new TrainingFailedException(reason, m.cause()));
    return Behaviors.stopped();
  }

  private Behavior<Command> onRankTerminated(Terminated t) {
    if (result.isDone()) {
      return this;
    }
    String reason = "rank actor " + t.getRef().path().name() + " stopped before training finished";
    emit(new TrainingEvent.Failed(reason));
    result.completeExceptionally(new TrainingFailedException(reason, null));
    return Behaviors.stopped();
  }

  private void emit(TrainingEvent e) {
    if (spec.progress() != null) {
      spec.progress().tell(e);
    }
  }
}
