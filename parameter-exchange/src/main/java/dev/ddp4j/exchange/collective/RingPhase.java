package dev.ddp4j.exchange.collective;

/** The part of a collective a {@link PeerMessage.Segment} belongs to; it decides what the receiver does with the payload. */
public enum RingPhase {
  /** The receiver combines the payload into its chunk with the collective's {@link ReduceOp}. */
  REDUCE_SCATTER,
  /** The receiver copies the payload: the chunk is final. */
  ALL_GATHER,
  /** The receiver copies the payload and passes it on unless its successor is the root. */
  BROADCAST
}
