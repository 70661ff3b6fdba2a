package dev.ddp4j.exchange.collective;

import akka.actor.typed.ActorRef;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;

/**
 * A data path other than Akka messages: a side channel that carries the segments to one ring successor
 * and the acknowledgements back to one predecessor, while the control messages stay on Artery. A
 * communicator given one sends a segment through it whenever the generation's successor is the link's
 * peer, and an acknowledgement whenever the predecessor is.
 *
 * <p>Contract: segments sent through a link arrive at the peer communicator in the order sent, as
 * {@link Segment} messages, each exactly once or not at all (a broken link loses the rest, and the
 * collective then fails through the communicators' timeout). {@link #send} is called from the
 * communicator's thread and returns once the segment's elements are copied out of the sender's array
 * (into the kernel's socket buffer): the sender may write them again at once, so a collective whose
 * segments go through a link completes without waiting for the acknowledgement of its last ones. It
 * may block while the peer takes the bytes, but not indefinitely: a link that cannot write for longer
 * than its stall limit closes itself.
 */
public interface SegmentLink {

  /** True if this link carries segments to {@code successor}. */
  boolean carries(ActorRef<?> successor);

  /** Writes {@code segment} to the peer; returns once its elements are copied out (see above). */
  void send(Segment segment);

  /**
   * True if this link also carries acknowledgements back to {@code predecessor}, the rank whose
   * segments it receives. Acknowledgements decide when a collective completes (its last segments must
   * be consumed before the caller may touch the buffer again), so their latency is the collective's.
   */
  boolean carriesAcks(ActorRef<?> predecessor);

  /**
   * The communicator has consumed {@code segment} (combined or copied its elements) and holds no
   * reference to its array any more: a link that decoded it into a pooled array may reuse the array.
   * Called from the communicator's thread for every consumed segment, whatever its path.
   */
  void recycle(Segment segment);

  /** Sends {@code ack} to the predecessor; called from the communicator's thread, returns at once. */
  void sendAck(SegmentAck ack);
}
