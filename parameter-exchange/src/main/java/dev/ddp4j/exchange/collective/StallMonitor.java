package dev.ddp4j.exchange.collective;

import dev.ddp4j.exchange.collective.PeerMessage.LivenessReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Decides when the running collective has made no progress for too long, and whom to blame.
 *
 * <p>A rank only sees its ring neighbours, and when one rank is gone every other rank stalls too, so
 * "my predecessor is silent" would blame the wrong rank. Instead, at three quarters of the timeout
 * the stuck rank probes every peer ({@link PeerMessage.LivenessProbe}); at the timeout (and at least a
 * quarter of it after the probe) it blames, in this order: the peers that did not answer the probe;
 * else the peers that have not issued this collective; else the rank it is waiting on. Every stuck
 * rank reaches the same verdict from the same answers.
 *
 * <p>Only the owning communicator's thread touches it; times are {@link System#nanoTime()} values.
 */
final class StallMonitor {
  /** What the communicator should do after a tick. */
  enum Action { NONE, PROBE, FAIL }

  /** A verdict: the rank held responsible (negative if none) and the reason naming it. */
  record Blame(int culpritRank, String reason) {}

  private final Duration timeout;
  private final long timeoutNanos;
  private long lastProgress;
  private long probedAt;
  private boolean probing;
  private final Map<Integer, LivenessReply> replies = new TreeMap<>();

  StallMonitor(Duration timeout) {
    this.timeout = timeout;
    this.timeoutNanos = timeout.toNanos();
  }

  /** The running collective moved (started, or a segment, acknowledgement or barrier message came). */
  void progress(long now) {
    lastProgress = now;
    if (probing) {
      probing = false;
      replies.clear();
    }
  }

  /** Called on every tick while a collective runs. */
  Action onTick(long now) {
    long stalled = now - lastProgress;
    if (!probing) {
      return stalled >= timeoutNanos - timeoutNanos / 4 ? Action.PROBE : Action.NONE;
    }
    return stalled >= timeoutNanos && now - probedAt >= timeoutNanos / 4 ? Action.FAIL : Action.NONE;
  }

  /** The probe went out to every peer. */
  void probed(long now) {
    probing = true;
    probedAt = now;
    replies.clear();
  }

  /** A peer answered the probe about the running collective. */
  void onReply(LivenessReply reply) {
    if (probing) {
      replies.put(reply.senderRank(), reply);
    }
  }

  /** The verdict for rank {@code rank} of {@code size}, stuck in {@code sequence} and waiting on {@code waitingOn}. */
  Blame blame(int rank, int size, long sequence, int waitingOn) {
    String within = " within " + timeout.toMillis() + " ms";
    List<Integer> silent = new ArrayList<>();
    List<Integer> lagging = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      if (r == rank) {
        continue;
      }
      LivenessReply reply = replies.get(r);
      if (reply == null) {
        silent.add(r);
      } else if (reply.issued() <= sequence) {
        lagging.add(r);
      }
    }
    if (!silent.isEmpty()) {
      return new Blame(silent.get(0), ranks(silent) + " did not answer" + within);
    }
    if (!lagging.isEmpty()) {
      return new Blame(lagging.get(0),
          ranks(lagging) + " had not issued collective #" + sequence + within);
    }
    return new Blame(waitingOn, "no progress" + within + " waiting for rank " + waitingOn);
  }

  private static String ranks(List<Integer> ranks) {
    return (ranks.size() == 1 ? "rank " : "ranks ")
        + ranks.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }
}
