package dev.ddp4j.exchange.collective;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import com.typesafe.config.ConfigException;
import dev.ddp4j.exchange.collective.PeerMessage.Abort;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessProbe;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The actor that runs one rank's collectives, talking to the communicators of the other ranks of the
 * current {@link ProcessGroup}; one per rank. Its caller uses it through {@link #collective}.
 *
 * <p>Protocol, on every rank:
 * <ol type="a">
 *   <li>{@link NewGeneration} gives the group. The communicator finds its rank in it and watches the
 *       other ranks; whatever ran in the previous generation fails ("superseded"). Messages of this
 *       generation that came before it (kept, up to {@link #FUTURE_GENERATION_STASH_CAPACITY}) are
 *       handled now, in their order of arrival.
 *   <li>The caller issues collectives; each gets the next sequence number (0, 1, ...) of the
 *       generation current when the communicator takes it from its mailbox, so every rank must issue
 *       the same collectives in the same order. They run one at a time and complete in issue order;
 *       later ones wait ({@link Generation}).
 *   <li>A ring collective ({@link RingRun}) streams segments to the successor through a bounded
 *       window ({@link OutboundWindow}) and acknowledges each segment it consumes from the
 *       predecessor; a barrier runs as {@link BarrierRun}. Segments for a collective this rank has
 *       not started wait unacknowledged, so the sender's window bounds them.
 *   <li>A collective completes when it has received everything and its own segments are
 *       acknowledged (in one JVM a peer reads them from this rank's buffer until then); the caller's
 *       stage then completes and the next collective starts.
 *   <li>A message of an older generation or a finished collective is dropped (debug log); a malformed
 *       one, or a segment that is not exactly the one expected next, is rejected (warning). Neither
 *       is ever added in.
 *   <li>A peer that stops (death watch), or a collective without progress for the timeout
 *       ({@link StallMonitor} probes, then blames a rank), fails the generation here: all issued
 *       collectives fail with a {@link CollectiveException} naming the culprit, and an {@link Abort}
 *       makes every peer do the same. Later collectives fail at once until the next generation.
 * </ol>
 *
 * <p>Threads: the caller's stages complete on this actor's dispatcher thread, so continuations that
 * do real work belong on the caller's executor ({@code thenApplyAsync(f, executor)}).
 */
public final class Communicator extends AbstractBehavior<Communicator.Command> {
  /** Most messages of a generation not started here that are kept (segments: at most a window); beyond it they are rejected. */
  public static final int FUTURE_GENERATION_STASH_CAPACITY = 4096;
  /** Liveness ticks per timeout: a stall is noticed at most a twentieth of the timeout late. */
  private static final int TICKS_PER_TIMEOUT = 20;

  /** Everything a communicator understands. */
  public sealed interface Command permits NewGeneration, Issue, GetStats, PeerMessage, Tick {}

  /** Start generation {@code group.generation()}, which must be newer than the current one and include this communicator. */
  public record NewGeneration(ProcessGroup group) implements Command, NoSerializationVerificationNeeded {}

  /** A collective from this rank's caller, sent by {@link ActorCollective}. */
  record Issue(Request request) implements Command, NoSerializationVerificationNeeded {}

  /** Asks for the counters, for tests and diagnostics. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command, NoSerializationVerificationNeeded {}

  /**
   * Counters of one communicator.
   *
   * @param generation current generation, -1 before the first
   * @param rank this communicator's rank in it, -1 before the first
   * @param completed collectives completed in this generation
   * @param droppedStale messages dropped, since the start, because their generation or collective was over
   * @param rejected messages rejected, since the start, as malformed or unexpected
   * @param lastRejection what the last rejected message was and why, or null
   */
  public record Stats(long generation, int rank, long completed, long droppedStale, long rejected,
      String lastRejection) implements NoSerializationVerificationNeeded {}

  private enum Tick implements Command { INSTANCE }

  private final ExchangeSettings settings;
  private final SegmentLink link;
  private final TimerScheduler<Command> timers;
  private final StallMonitor stall;
  private final Generation.Events events = new GenerationEvents();
  private final List<PeerMessage> stash = new ArrayList<>();
  private int stashedSegments;
  private Generation current;
  private long droppedStale;
  private long rejected;
  private String lastRejection;

  /**
   * A communicator configured from {@code ddp4j.exchange} in the actor system's configuration. If the
   * settings are invalid (say, segments too large for Artery's frames) it logs the error once and
   * fails every collective with it, rather than stopping and leaving its callers waiting.
   */
  public static Behavior<Command> create() {
    return Behaviors.setup(ctx -> {
      try {
        return create(ExchangeSettings.fromConfig(ctx.getSystem().settings().config()));
      } catch (IllegalArgumentException | ConfigException e) {
        ctx.getLog().error("communicator cannot run: {}", e.getMessage());
        String reason = "communicator cannot run: " + e.getMessage();
        return Behaviors.receive(Command.class)
            .onMessage(Issue.class, m -> {
              m.request().result().completeExceptionally(new CollectiveException(reason, -1));
              return Behaviors.same();
            })
            .build();
      }
    });
  }

  /** A communicator with explicit settings. */
  public static Behavior<Command> create(ExchangeSettings settings) {
    return create(settings, null);
  }

  /**
   * A communicator that sends its segments through {@code link} whenever a generation's ring
   * successor is the link's peer, and as Akka messages otherwise.
   */
  public static Behavior<Command> create(ExchangeSettings settings, SegmentLink link) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Communicator(ctx, timers, settings, link)));
  }

  /** The {@link Collective} through which one rank's caller uses its communicator. */
  public static Collective collective(ActorRef<Command> communicator) {
    return new ActorCollective(communicator);
  }

  private Communicator(ActorContext<Command> ctx, TimerScheduler<Command> timers, ExchangeSettings settings,
      SegmentLink link) {
    super(ctx);
    this.link = link;
    ctx.setLoggerName(Communicator.class);
    this.settings = settings;
    this.timers = timers;
    this.stall = new StallMonitor(settings.timeout());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(PeerMessage.class, this::onPeerMessage)
        .onMessage(Issue.class, this::onIssue)
        .onMessage(Tick.class, this::onTick)
        .onMessage(NewGeneration.class, this::onNewGeneration)
        .onMessage(GetStats.class, this::onGetStats)
        .onSignal(Terminated.class, this::onTerminated)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  // ---- generation lifecycle -------------------------------------------------------------------

  private Behavior<Command> onNewGeneration(NewGeneration m) {
    ProcessGroup g = m.group();
    int me = g.rankOf(getContext().getSelf());
    long now = current == null ? -1 : current.number();
    if (g.generation() <= now || me < 0) {
      getContext().getLog().warn("ignored generation {}: the current one is {} and this communicator {}",
          g.generation(), now, me < 0 ? "is not a member" : "would be rank " + me);
      return this;
    }
    if (current != null) {
      current.fail("superseded by generation " + g.generation(), -1);
      current.group().ranks().forEach(getContext()::unwatch);
    }
    timers.cancel(Tick.INSTANCE);
    current = new Generation(g, me, settings, events, link);
    for (int r = 0; r < g.size(); r++) {
      if (r != me) {
        getContext().watch(g.ref(r));
      }
    }
    // Handled here, not re-sent to self: what is in the mailbox came later from the same senders.
    List<PeerMessage> replay = new ArrayList<>(stash);
    stash.clear();
    stashedSegments = 0;
    replay.forEach(this::onPeerMessage);
    return this;
  }

  private Behavior<Command> onTerminated(Terminated t) {
    int who = current == null ? -1 : current.group().rankOf(t.getRef());
    if (who >= 0) {
      failGeneration("rank " + who + " stopped or became unreachable", who, true);
    }
    return this;
  }

  private Behavior<Command> onPostStop(PostStop s) {
    if (current != null) {
      current.fail("communicator stopped", -1);
    }
    return this;
  }

  /** Fails the current generation (once) and, if {@code tell}, makes every peer fail it too. */
  private void failGeneration(String reason, int culprit, boolean tell) {
    if (current.failure() != null) {
      return;
    }
    if (current.issued() > current.completed()) {
      getContext().getLog().warn("generation {} failed on rank {}: {}", current.number(), current.rank(), reason);
    } else {
      // Nothing in flight: a peer leaving at the end of a job is no failure of anything yet; a later
      // collective of this generation still fails, naming the reason.
      getContext().getLog().debug("generation {} ended on rank {} with no collective in flight: {}",
          current.number(), current.rank(), reason);
    }
    long running = current.completed();
    current.fail(reason, culprit);
    timers.cancel(Tick.INSTANCE);
    if (tell) {
      ProcessGroup g = current.group();
      for (int r = 0; r < g.size(); r++) {
        if (r != current.rank()) {
          g.ref(r).tell(new Abort(current.number(), running, current.rank(), culprit, reason));
        }
      }
    }
  }

  // ---- caller and peers -----------------------------------------------------------------------

  private Behavior<Command> onIssue(Issue m) {
    if (current == null) {
      m.request().result().completeExceptionally(new CollectiveException(
          m.request().kind() + " issued before the communicator joined a process group", -1));
    } else {
      current.issue(m.request());
    }
    return this;
  }

  private Behavior<Command> onPeerMessage(PeerMessage m) {
    if (!isCurrent(m)) {
      return this;
    }
    if (m instanceof Abort a) {
      int culprit = a.culpritRank() < current.group().size() ? a.culpritRank() : -1;
      failGeneration(a.reason() + " (reported by rank " + a.senderRank() + ")", culprit, false);
    } else if (m instanceof LivenessProbe p) {
      current.group().ref(p.senderRank()).tell(new LivenessReply(
          current.number(), p.sequence(), current.rank(), current.issued(), current.completed()));
    } else if (m instanceof LivenessReply r) {
      ActiveCollective active = current.active();
      if (active != null && r.sequence() == active.sequence()) {
        stall.onReply(r);
      }
    } else {
      current.receive(m);
    }
    return this;
  }

  /** True if {@code m} is of the current generation and from a peer in it; otherwise drops, keeps or rejects it. */
  private boolean isCurrent(PeerMessage m) {
    long now = current == null ? -1 : current.number();
    if (m.generation() < now) {
      events.dropped(m, "generation " + m.generation() + " is over (current " + now + ")");
      return false;
    }
    if (m.generation() > now) {
      // A legitimate predecessor has at most a window of unacknowledged segments in flight.
      boolean full = stash.size() >= FUTURE_GENERATION_STASH_CAPACITY
          || m instanceof PeerMessage.Segment && stashedSegments >= settings.window();
      if (full) {
        events.rejected(m, "generation " + m.generation() + " has not started here and the stash is full");
      } else {
        stash.add(m);
        stashedSegments += m instanceof PeerMessage.Segment ? 1 : 0;
      }
      return false;
    }
    int size = current.group().size();
    if (m.senderRank() < 0 || m.senderRank() >= size || m.senderRank() == current.rank()) {
      events.rejected(m, "sender rank " + m.senderRank() + " is not a peer in a group of " + size);
      return false;
    }
    return true;
  }

  // ---- liveness -------------------------------------------------------------------------------

  private Behavior<Command> onTick(Tick t) {
    ActiveCollective active = current == null ? null : current.active();
    if (active == null) {
      timers.cancel(Tick.INSTANCE);
      return this;
    }
    long now = System.nanoTime();
    switch (stall.onTick(now)) {
      case PROBE -> {
        ProcessGroup g = current.group();
        for (int r = 0; r < g.size(); r++) {
          if (r != current.rank()) {
            g.ref(r).tell(new LivenessProbe(current.number(), active.sequence(), current.rank()));
          }
        }
        stall.probed(now);
      }
      case FAIL -> {
        StallMonitor.Blame blame =
            stall.blame(current.rank(), current.group().size(), active.sequence(), active.waitingOn());
        String reason = lastRejection == null ? blame.reason()
            : blame.reason() + " (last rejected: " + lastRejection + ")";
        failGeneration(reason, blame.culpritRank(), true);
      }
      case NONE -> { }
    }
    return this;
  }

  private Behavior<Command> onGetStats(GetStats m) {
    m.replyTo().tell(current == null
        ? new Stats(-1, -1, 0, droppedStale, rejected, lastRejection)
        : new Stats(current.number(), current.rank(), current.completed(), droppedStale, rejected, lastRejection));
    return this;
  }

  /** How the current generation reports to this actor. */
  private final class GenerationEvents implements Generation.Events {
    @Override
    public void dropped(PeerMessage m, String why) {
      droppedStale++;
      getContext().getLog().debug("dropped {} from rank {}: {}", m.getClass().getSimpleName(), m.senderRank(), why);
    }

    @Override
    public void rejected(PeerMessage m, String why) {
      rejected++;
      lastRejection = m.getClass().getSimpleName() + " from rank " + m.senderRank() + ": " + why;
      getContext().getLog().warn("rejected {}", lastRejection);
    }

    @Override
    public void started() {
      stall.progress(System.nanoTime());
      if (!timers.isTimerActive(Tick.INSTANCE)) {
        Duration tick = settings.timeout().dividedBy(TICKS_PER_TIMEOUT);
        timers.startTimerWithFixedDelay(Tick.INSTANCE, tick.isZero() ? Duration.ofMillis(1) : tick);
      }
    }

    @Override
    public void progressed() {
      stall.progress(System.nanoTime());
    }

    @Override
    public void idle() {
      timers.cancel(Tick.INSTANCE);
    }

    @Override
    public void unrunnable(long sequence, String why) {
      failGeneration("rank " + current.rank() + " cannot run collective #" + sequence + ": " + why,
          current.rank(), true);
    }
  }
}
