package dev.ddp4j.exchange.collective;

import dev.ddp4j.exchange.collective.PeerMessage.BarrierArrive;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierRelease;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import akka.actor.typed.ActorRef;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One rank's collectives in one generation: the sequence numbers, the queue of issued collectives,
 * the running one, its send window, and the messages that came for collectives not started yet.
 * A new generation gets a new instance, so nothing of an old one can leak into it.
 *
 * <p>Invariants: collectives run one at a time, in issue order; the running one has sequence number
 * {@link #completed()} and is the head of the queue. A predecessor may be ahead of this rank only
 * through collectives that need nothing from it (empty buffers, broadcasts rooted here) and, over a
 * segment link (where a collective completes once its segments are sent), by the one collective
 * whose last segments it sent here and this rank has not consumed yet; never by more unacknowledged
 * segments than its window, so early segments are bounded by the window.
 *
 * <p>Only the owning communicator's thread touches it.
 */
final class Generation {
  /**
   * How far ahead of this rank a peer's message may be before it counts as an unknown collective: a
   * peer gets ahead only through collectives that need nothing from this rank, and 65536 of those
   * in a row is no real program.
   */
  static final long MAX_SEQUENCE_LEAD = 1 << 16;

  /** What the communicator hears from a generation. */
  interface Events {
    /** {@code m} was dropped: its collective is over or the generation failed. */
    void dropped(PeerMessage m, String why);

    /** {@code m} was rejected: malformed, or not what this rank expects. */
    void rejected(PeerMessage m, String why);

    /** A collective started running. */
    void started();

    /** The running collective moved: a segment, acknowledgement or barrier message was taken. */
    void progressed();

    /** No collective is running or queued. */
    void idle();

    /** Collective {@code sequence} cannot run here (bad arguments); the generation must fail. */
    void unrunnable(long sequence, String why);
  }

  private final ProcessGroup group;
  private final int rank;
  private final ExchangeSettings settings;
  private final Events events;
  private final OutboundWindow window;
  private final SegmentLink link;
  /** The link the running collective's segments take, or null for Akka messages. */
  private SegmentLink runLink;
  /** The link that carries this collective's acknowledgements to the predecessor, or null for Akka messages. */
  private SegmentLink ackLink;
  private final ArrayDeque<Request> queue = new ArrayDeque<>();
  private final ArrayDeque<Segment> early = new ArrayDeque<>();
  private final Map<Long, BitSet> earlyArrivals = new HashMap<>();

  private long issued;
  private long completed;
  private ActiveCollective active;
  private String failure;
  private int failureCulprit = -1;

  Generation(ProcessGroup group, int rank, ExchangeSettings settings, Events events) {
    this(group, rank, settings, events, null);
  }

  /**
   * As above, sending segments through {@code link} (may be null) when it carries them to the
   * successor. That is decided as each collective starts: the previous one's segments are all
   * acknowledged by then, so a switch of path cannot reorder them.
   */
  Generation(ProcessGroup group, int rank, ExchangeSettings settings, Events events, SegmentLink link) {
    this.link = link;
    this.group = group;
    this.rank = rank;
    this.settings = settings;
    this.events = events;
    this.window = new OutboundWindow(settings.window());
  }

  ProcessGroup group() {
    return group;
  }

  long number() {
    return group.generation();
  }

  int rank() {
    return rank;
  }

  long issued() {
    return issued;
  }

  long completed() {
    return completed;
  }

  /** The running collective, or null. */
  ActiveCollective active() {
    return active;
  }

  /** Why the generation failed, or null while it is healthy. */
  String failure() {
    return failure;
  }

  /** Queues a collective from the caller (it gets the next sequence number) and runs what can run. */
  void issue(Request r) {
    long seq = issued++;
    if (failure != null) {
      r.result().completeExceptionally(failureOf(seq, r.kind(), failure, failureCulprit));
      return;
    }
    queue.addLast(r);
    advance();
  }

  /**
   * Fails every issued collective with {@code reason}, and every later one on issue.
   *
   * @param culprit the rank to blame, negative for none
   */
  void fail(String reason, int culprit) {
    if (failure != null) {
      return;
    }
    failure = reason;
    failureCulprit = culprit;
    long seq = completed;
    for (Request r : queue) {
      r.result().completeExceptionally(failureOf(seq++, r.kind(), reason, culprit));
    }
    queue.clear();
    active = null;
    window.clear();
    early.clear();
    earlyArrivals.clear();
  }

  /** Handles a data-plane or barrier message whose generation and sender are already checked. */
  void receive(PeerMessage m) {
    if (m instanceof Segment s) {
      onSegment(s);
    } else if (m instanceof SegmentAck a) {
      onAck(a);
    } else if (m instanceof BarrierArrive a) {
      onArrive(a);
    } else if (m instanceof BarrierRelease r) {
      onRelease(r);
    } else {
      throw new IllegalArgumentException("not a collective message: " + m);
    }
  }

  // ---- running collectives in order -----------------------------------------------------------

  /** Completes what is finished and starts what can start, until neither applies. */
  private void advance() {
    while (failure == null) {
      if (active != null) {
        // A link copies a segment out of the buffer when it sends it, so once everything is sent the buffer
        // is the caller's again; segments sent by reference (in this JVM) or through Artery (serialized
        // later, on Artery's thread) are read until acknowledged.
        boolean released = runLink != null ? window.allSent() : window.drained();
        if (!active.receivedAll() || !released) {
          return;
        }
        Request done = queue.pollFirst();
        float[] result = active.result();
        active = null;
        completed++;
        done.result().complete(result);
      } else if (!queue.isEmpty()) {
        start(queue.peekFirst());
      } else {
        events.idle();
        return;
      }
    }
  }

  private void start(Request r) {
    long seq = completed;
    try {
      if (r.kind() == CollectiveKind.BARRIER && link != null) {
        // Across JVMs a barrier runs as a ring allreduce of one element per rank (no rank can finish it
        // before every rank has entered it), so that it travels the side channel (~30 µs a hop here)
        // rather than Artery (~0.5 ms a hop). Every rank of such a ring has a link, so all agree.
        Request ring = new Request(CollectiveKind.ALL_REDUCE, new float[group.size()], ReduceOp.SUM, 0,
            WireFormat.FLOAT32, r.result());
        active = new RingRun(number(), seq, rank, group.size(), ring, settings.segmentElements(),
            s -> window.offer(s, this::transmit));
      } else if (r.kind() == CollectiveKind.BARRIER) {
        BitSet arrived = earlyArrivals.remove(seq);
        active = new BarrierRun(number(), seq, rank, group.size(), r,
            arrived == null ? new BitSet() : arrived, (to, msg) -> group.ref(to).tell(msg));
      } else {
        active = new RingRun(number(), seq, rank, group.size(), r, settings.segmentElements(),
            s -> window.offer(s, this::transmit));
      }
    } catch (IllegalArgumentException e) {
      events.unrunnable(seq, e.getMessage());
      return;
    }
    window.begin(seq);
    ActorRef<Communicator.Command> successor = group.ref(group.successor(rank));
    runLink = link != null && link.carries(successor) ? link : null;
    ackLink = link != null && link.carriesAcks(group.ref(group.predecessor(rank))) ? link : null;
    events.started();
    active.start();
    if (active instanceof RingRun ring) {
      consumeEarlySegments(ring);
    }
  }

  private void consumeEarlySegments(RingRun ring) {
    long before = ring.consumed();
    for (Iterator<Segment> it = early.iterator(); it.hasNext(); ) {
      Segment s = it.next();
      if (s.sequence() == ring.sequence()) {
        it.remove();
        String why = ring.accept(s);
        if (why != null) {
          events.rejected(s, why);
        } else if (link != null) {
          link.recycle(s);
        }
      }
    }
    if (ring.consumed() > before) {
      acknowledge(ring);
    }
  }

  private void transmit(Segment s) {
    if (runLink != null) {
      runLink.send(s);
    } else {
      group.ref(group.successor(rank)).tell(s);
    }
  }

  private void acknowledge(RingRun ring) {
    SegmentAck ack = new SegmentAck(number(), ring.sequence(), rank, ring.consumed());
    if (ackLink != null) {
      ackLink.sendAck(ack);
    } else {
      group.ref(group.predecessor(rank)).tell(ack);
    }
  }

  // ---- inbound --------------------------------------------------------------------------------

  /** True (after telling why) if {@code m}, about collective {@code seq}, must not be used. */
  private boolean unusable(PeerMessage m, long seq) {
    if (failure != null) {
      events.dropped(m, "generation " + number() + " failed");
    } else if (seq < completed) {
      events.dropped(m, "collective #" + seq + " has finished");
    } else if (seq - completed > MAX_SEQUENCE_LEAD) {
      events.rejected(m, "unknown collective #" + seq + ": this rank has completed " + completed);
    } else {
      return false;
    }
    return true;
  }

  private void onSegment(Segment s) {
    if (unusable(s, s.sequence())) {
      return;
    }
    if (s.kind() == CollectiveKind.BARRIER) {
      events.rejected(s, "a BARRIER has no segments");
    } else if (active != null && s.sequence() == active.sequence()) {
      String why = active instanceof RingRun ring ? ring.accept(s) : "collective #" + s.sequence() + " is a BARRIER";
      if (why != null) {
        events.rejected(s, why);
      } else {
        if (link != null) {
          link.recycle(s);
        }
        acknowledge((RingRun) active);
        events.progressed();
        advance();
      }
    } else if (s.senderRank() != group.predecessor(rank)) {
      events.rejected(s, "rank " + s.senderRank() + " is not the ring predecessor (rank "
          + group.predecessor(rank) + ")");
    } else if (early.size() >= settings.window()) {
      events.rejected(s, "more early segments than the window of " + settings.window());
    } else {
      early.addLast(s);
    }
  }

  private void onAck(SegmentAck a) {
    if (link != null && failure == null && a.sequence() < completed) {
      return;  // expected: over a link a collective completes before its last segments are acknowledged
    }
    if (unusable(a, a.sequence())) {
      return;
    }
    String why = a.senderRank() != group.successor(rank)
        ? "rank " + a.senderRank() + " is not the ring successor (rank " + group.successor(rank) + ")"
        : window.onAck(a, this::transmit);
    if (why != null) {
      events.rejected(a, why);
    } else {
      events.progressed();
      advance();
    }
  }

  private void onArrive(BarrierArrive a) {
    long seq = a.sequence();
    if (unusable(a, seq)) {
      return;
    }
    if (rank != 0) {
      events.rejected(a, "barrier arrivals go to rank 0");
    } else if (active != null && seq == active.sequence()) {
      if (active instanceof BarrierRun barrier) {
        barrier.onArrive(a.senderRank());
        events.progressed();
        advance();
      } else {
        events.rejected(a, "collective #" + seq + " is a " + active.request().kind());
      }
    } else if (!earlyArrivals.containsKey(seq) && earlyArrivals.size() >= group.size()) {
      events.rejected(a, "more barriers ahead of this rank than ranks");
    } else {
      earlyArrivals.computeIfAbsent(seq, k -> new BitSet()).set(a.senderRank());
    }
  }

  private void onRelease(BarrierRelease r) {
    if (unusable(r, r.sequence())) {
      return;
    }
    if (r.senderRank() != 0 || !(active instanceof BarrierRun barrier) || r.sequence() != barrier.sequence()) {
      events.rejected(r, "no barrier #" + r.sequence() + " released by rank 0 is running here");
    } else {
      barrier.onRelease();
      events.progressed();
      advance();
    }
  }

  private CollectiveException failureOf(long seq, CollectiveKind kind, String reason, int culprit) {
    return new CollectiveException("collective #" + seq + " " + kind + " (generation " + number()
        + ") failed on rank " + rank + ": " + reason, culprit);
  }
}
