package dev.ddp4j.exchange.collective;

/**
 * The collective a communicator is running: at most one at a time, the one whose sequence number
 * equals the number of collectives the rank has completed. Only its communicator's thread touches it.
 */
sealed interface ActiveCollective permits RingRun, BarrierRun {

  /** The collective's sequence number in its generation. */
  long sequence();

  /** The request being served. */
  Request request();

  /** Sends what this rank can send before receiving anything. */
  void start();

  /** True once everything this rank has to receive has arrived (its own sends are tracked elsewhere). */
  boolean receivedAll();

  /** The rank this one is waiting for now, for the error message when nothing moves. */
  int waitingOn();

  /** The value the caller's stage completes with; called once, after {@link #receivedAll()}. */
  float[] result();
}
