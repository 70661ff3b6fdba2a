package dev.ddp4j.exchange.collective;

import akka.actor.typed.ActorRef;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;

/**
 * A data path for segments to one ring successor other than Akka messages: a side channel that
 * carries the bulk data while acknowledgements and control messages stay on Artery. A communicator
 * given one sends a segment through it whenever the generation's successor is the link's peer.
 *
 * <p>Contract: segments sent through a link arrive at the peer communicator in the order sent, as
 * {@link Segment} messages, each exactly once or not at all (a broken link loses the rest, and the
 * collective then fails through the communicators' timeout). {@link #send} is called from the
 * communicator's thread and must not block it; the link reads the segment's elements later, which is
 * safe because the sender does not write them again until the receiver has acknowledged them.
 */
public interface SegmentLink {

  /** True if this link carries segments to {@code successor}. */
  boolean carries(ActorRef<?> successor);

  /** Queues {@code segment} for the peer; never blocks. */
  void send(Segment segment);
}
