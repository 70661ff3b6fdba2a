package dev.ddp4j.exchange.collective;

import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Credit-based flow control of the data a rank sends to its ring successor: at most
 * {@code capacity} segments are in flight (sent, not yet acknowledged); the others wait here in
 * order. Artery drops messages when its send queue is full, so a bounded window is what makes a
 * lost segment impossible by design: the queue never holds more than the window.
 *
 * <p>Collectives run one at a time, so the window serves one collective ({@link #begin}) and a
 * collective is finished only when its window is {@link #drained()}. Only the owning communicator's
 * thread touches it.
 */
final class OutboundWindow {
  private final int capacity;
  private final ArrayDeque<Segment> waiting = new ArrayDeque<>();
  private long sequence = -1;
  private long sent;
  private long acknowledged;

  OutboundWindow(int capacity) {
    this.capacity = capacity;
  }

  /** Starts serving collective {@code sequence}; anything left of the previous one is forgotten. */
  void begin(long sequence) {
    this.sequence = sequence;
    waiting.clear();
    sent = 0;
    acknowledged = 0;
  }

  /** Sends {@code segment} now if the window has room, else as soon as acknowledgements make room. */
  void offer(Segment segment, Consumer<Segment> transmit) {
    waiting.addLast(segment);
    pump(transmit);
  }

  /**
   * Takes the credit an acknowledgement returns and sends what now fits.
   *
   * @return null if the acknowledgement was accepted, else why it was rejected
   */
  String onAck(SegmentAck ack, Consumer<Segment> transmit) {
    if (ack.sequence() != sequence) {
      return "acknowledges collective #" + ack.sequence() + " but #" + sequence + " is running";
    }
    if (ack.consumed() <= acknowledged || ack.consumed() > sent) {
      return "acknowledges " + ack.consumed() + " segments; " + acknowledged + " of the " + sent
          + " sent were already acknowledged";
    }
    acknowledged = ack.consumed();
    pump(transmit);
    return null;
  }

  /** True when every segment of the current collective has been sent and acknowledged. */
  boolean drained() {
    return waiting.isEmpty() && acknowledged == sent;
  }

  /** True when every segment of the current collective has been sent (acknowledged or not). */
  boolean allSent() {
    return waiting.isEmpty();
  }

  /** Forgets everything (the generation failed or was replaced). */
  void clear() {
    begin(-1);
  }

  private void pump(Consumer<Segment> transmit) {
    while (!waiting.isEmpty() && sent - acknowledged < capacity) {
      transmit.accept(waiting.pollFirst());
      sent++;
    }
  }
}
