package dev.ddp4j.actors;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One rank: owns its communicator (a child actor), and, on its own compute thread
 * ({@code ddp4j-rank-R-compute}, a single-thread executor), its model replica, optimizer and data
 * shard ({@link RankCompute}). Forward, backward and step never run on an Akka dispatcher thread: the
 * actor hands steps to the compute thread and learns of each end by a message, so it answers control
 * messages (pause, resume, stop, report) at once. It keeps the next step queued behind the running one
 * ({@link #MAX_IN_FLIGHT}): the compute thread goes from one step straight into the next instead of
 * idling through two thread hand-offs (its report to this actor, this actor's next order), which took
 * about 0.3 ms (median; 0.7 ms mean) of a 10 ms step between two rank JVMs on two cores.
 *
 * <p>Protocol with its {@link TrainingCoordinator} (the parent):
 * <ol type="a">
 *   <li>On start the rank spawns its communicator and sends {@code RankRegistered}.
 *   <li>{@link JoinGroup} gives it the process group: it starts the group's generation on its
 *       communicator and builds its replica on the compute thread (rank 0's weights are broadcast).
 *   <li>It then runs steps one after another, reporting each ({@code RankStepped}), until the last
 *       step, after which it sends {@code RankFinished} (with the weights on rank 0) and waits to be
 *       stopped.
 *   <li>{@link PauseAt}{@code (s)}: run no step numbered {@code s} or later (0-based); once at such a
 *       boundary it reports {@code RankPaused} with its next step. A later {@code PauseAt} with a larger
 *       step runs it up to that step, which is how the coordinator aligns ranks that paused at
 *       different boundaries. {@link Resume} lifts the pause.
 *   <li>A failed setup or step is sent as {@code RankFailed} with its cause; the rank then idles until
 *       the coordinator ends the run.
 * </ol>
 * Only the actor's thread touches its fields; the compute thread only runs the tasks it is given.
 */
public final class RankActor extends AbstractBehavior<RankActor.Command> {

  /** Steps (and the final snapshot) handed to the compute thread and not yet reported done: the running one and one queued. */
  static final int MAX_IN_FLIGHT = 2;

  /** The messages a rank understands. */
  public sealed interface Command {}

  /** Start generation {@code group} (null when the group exists already) and build the replica. */
  public record JoinGroup(ProcessGroup group) implements Command {}

  /** Start no step numbered {@code step} or later until resumed or given a later step. */
  public record PauseAt(long step) implements Command {}

  /** Lift a pause. */
  public record Resume() implements Command {}

  /** Stop after the step in flight, if any. */
  public record Stop() implements Command {}

  /** Reply with this rank's status, at once, even while a step runs. */
  public record Report(ActorRef<RankStatus> replyTo) implements Command {}

  /**
   * A rank's status.
   *
   * @param rank the rank
   * @param nextStep steps started so far (the 0-based number of the next one)
   * @param totalSteps steps of the whole run (0 until the replica is built)
   * @param stepRunning whether the compute thread is running a step now
   * @param paused whether the rank is held at a step boundary by a pause
   * @param lastLoss loss of the last finished step (NaN before the first)
   */
  public record RankStatus(int rank, long nextStep, long totalSteps, boolean stepRunning, boolean paused,
      double lastLoss) {}

  private record SetupDone(RankCompute compute, Throwable failure) implements Command {}

  private record StepDone(RankCompute.StepResult result, Throwable failure) implements Command {}

  private record SnapshotDone(Map<String, Tensor> state, Throwable failure) implements Command {}

  private final int rank;
  private final TrainingSpec spec;
  private final ActorRef<TrainingCoordinator.Command> coordinator;
  private final ActorRef<Communicator.Command> communicator;
  private final AbortableCollective collective;
  /** Whether this rank's weights are the run's result: rank 0 in process, every rank as a member of a wider group. */
  private final boolean reportsWeights;
  /** Orders replica construction among this JVM's ranks, or null (a member alone in its JVM). */
  private final ReplicaTurns turns;
  private final ExecutorService compute;
  private RankCompute state;
  private long nextStep;
  private long totalSteps;
  private long pauseAt = Long.MAX_VALUE;
  private boolean pauseReported;
  /** Work on the compute thread not yet reported done: setup, steps, the final snapshot. */
  private int inFlight;
  /** Steps handed to the compute thread and not yet reported, oldest first: cancelled on failure or stop. */
  private final ArrayDeque<CompletableFuture<RankCompute.StepResult>> pending = new ArrayDeque<>();
  private boolean snapshotStarted;
  private boolean stopRequested;
  private boolean finished;
  private double lastLoss = Double.NaN;

  /** A rank that reports to {@code coordinator} and spawns its own communicator. */
  public static Behavior<Command> create(int rank, TrainingSpec spec, ActorRef<TrainingCoordinator.Command> coordinator) {
    return Behaviors.setup(ctx -> new RankActor(ctx, rank, spec, coordinator, null, null));
  }

  /** As {@link #create(int, TrainingSpec, ActorRef)}, building its replica in its turn among this JVM's ranks. */
  static Behavior<Command> create(int rank, TrainingSpec spec, ActorRef<TrainingCoordinator.Command> coordinator,
      ReplicaTurns turns) {
    return Behaviors.setup(ctx -> new RankActor(ctx, rank, spec, coordinator, null, turns));
  }

  /**
   * A rank whose process group already exists (e.g. formed across JVMs by a
   * {@link dev.ddp4j.exchange.collective.RingNode}): it uses {@code collective} instead of spawning a
   * communicator, and its {@link JoinGroup} carries no group.
   */
  public static Behavior<Command> create(int rank, TrainingSpec spec, ActorRef<TrainingCoordinator.Command> coordinator,
      Collective collective) {
    java.util.Objects.requireNonNull(collective, "collective");
    return Behaviors.setup(ctx -> new RankActor(ctx, rank, spec, coordinator, collective, null));
  }

  private RankActor(ActorContext<Command> ctx, int rank, TrainingSpec spec,
      ActorRef<TrainingCoordinator.Command> coordinator, Collective external, ReplicaTurns turns) {
    super(ctx);
    this.turns = turns;
    this.rank = rank;
    this.spec = spec;
    this.coordinator = coordinator;
    this.communicator = external == null ? ctx.spawn(Communicator.create(), "communicator") : null;
    this.collective = new AbortableCollective(external != null ? external : Communicator.collective(communicator));
    this.reportsWeights = external != null || rank == 0;
    this.compute = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "ddp4j-rank-" + rank + "-compute");
      // Daemon: a thread blocked in a dead world's collective must not keep the JVM alive.
      t.setDaemon(true);
      return t;
    });
    coordinator.tell(new TrainingCoordinator.RankRegistered(rank, communicator));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(JoinGroup.class, this::onJoinGroup)
        .onMessage(SetupDone.class, this::onSetupDone)
        .onMessage(StepDone.class, this::onStepDone)
        .onMessage(SnapshotDone.class, this::onSnapshotDone)
        .onMessage(PauseAt.class, this::onPauseAt)
        .onMessage(Resume.class, this::onResume)
        .onMessage(Stop.class, this::onStop)
        .onMessage(Report.class, this::onReport)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Command> onJoinGroup(JoinGroup m) {
    if (m.group() != null) {
      communicator.tell(new Communicator.NewGeneration(m.group()));
    }
    inFlight++;
    ActorRef<Command> self = getContext().getSelf();
    CompletableFuture.supplyAsync(() -> new RankCompute(rank, spec, collective, turns, rank), compute)
        .whenComplete((c, e) -> self.tell(new SetupDone(c, e)));
    return this;
  }

  private Behavior<Command> onSetupDone(SetupDone m) {
    inFlight--;
    if (m.failure() != null) {
      return fail(-1, m.failure());
    }
    state = m.compute();
    totalSteps = state.totalSteps();
    return next();
  }

  private Behavior<Command> onStepDone(StepDone m) {
    inFlight--;
    pending.pollFirst();
    boolean cancelled = m.failure() instanceof CancellationException && (stopRequested || finished);
    if (finished || cancelled) {
      // After a failure nothing more is reported; a step cancelled by a stop never ran.
      return stopRequested && inFlight == 0 ? Behaviors.stopped() : this;
    }
    if (m.failure() != null) {
      return fail(nextStep - 1 - pending.size(), m.failure());
    }
    lastLoss = m.result().loss();
    coordinator.tell(new TrainingCoordinator.RankStepped(rank, m.result()));
    return next();
  }

  private Behavior<Command> onSnapshotDone(SnapshotDone m) {
    inFlight--;
    if (m.failure() != null) {
      return fail(nextStep, m.failure());
    }
    finished = true;
    coordinator.tell(new TrainingCoordinator.RankFinished(rank, nextStep, m.state()));
    return stopRequested && inFlight == 0 ? Behaviors.stopped() : this;
  }

  private Behavior<Command> onPauseAt(PauseAt m) {
    pauseAt = m.step();
    pauseReported = false;
    // Where this rank will hold: not before a step it has already handed to the compute thread (it
    // finishes those, the queued one included).
    coordinator.tell(new TrainingCoordinator.RankHolding(rank, Math.max(pauseAt, nextStep)));
    return next();
  }

  private Behavior<Command> onResume(Resume m) {
    pauseAt = Long.MAX_VALUE;
    pauseReported = false;
    return next();
  }

  private Behavior<Command> onStop(Stop m) {
    stopRequested = true;
    cancelPending(1);
    return inFlight == 0 ? Behaviors.stopped() : this;
  }

  /**
   * Cancels the steps handed over after the {@code keep} oldest: the compute thread skips a cancelled step
   * that has not started (its report still comes, and is ignored). A stop keeps the running step, which
   * ends as before; a failure cancels what follows it.
   */
  private void cancelPending(int keep) {
    int i = 0;
    for (CompletableFuture<RankCompute.StepResult> f : pending) {
      if (i++ >= keep) {
        f.cancel(false);
      }
    }
  }

  private Behavior<Command> onReport(Report m) {
    boolean busy = inFlight > 0;
    m.replyTo().tell(new RankStatus(rank, nextStep, totalSteps, busy, !busy && nextStep >= pauseAt, lastLoss));
    return this;
  }

  /** Hands the next pieces of work to the compute thread (up to {@link #MAX_IN_FLIGHT}), or reports why there is none. */
  private Behavior<Command> next() {
    if (state == null || finished) {
      return this;
    }
    if (stopRequested) {
      return inFlight == 0 ? Behaviors.stopped() : this;
    }
    ActorRef<Command> self = getContext().getSelf();
    RankCompute s = state;
    while (inFlight < MAX_IN_FLIGHT) {
      if (nextStep >= totalSteps) {
        if (!snapshotStarted) {
          snapshotStarted = true;
          inFlight++;
          CompletableFuture.supplyAsync(() -> reportsWeights ? s.stateDict() : null, compute)
              .whenComplete((st, e) -> self.tell(new SnapshotDone(st, e)));
        }
        return this;
      }
      if (nextStep >= pauseAt) {
        if (inFlight == 0 && !pauseReported) {
          pauseReported = true;
          coordinator.tell(new TrainingCoordinator.RankPaused(rank, nextStep));
        }
        return this;
      }
      inFlight++;
      nextStep++;
      CompletableFuture<RankCompute.StepResult> step = CompletableFuture.supplyAsync(s::step, compute);
      pending.addLast(step);
      step.whenComplete((r, e) -> self.tell(new StepDone(r, e)));
    }
    return this;
  }

  private Behavior<Command> fail(long step, Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    cancelPending(0);
    coordinator.tell(new TrainingCoordinator.RankFailed(rank, step, cause));
    // Stay (idle) until the coordinator stops the run, so that the failure, not the rank's end, is what it sees.
    finished = true;
    return this;
  }

  private Behavior<Command> onPostStop(PostStop signal) {
    collective.abort("rank " + rank + " stopped");
    RankCompute s = state;
    if (s != null) {
      compute.execute(s::close);
    }
    compute.shutdown();
    return this;
  }
}
