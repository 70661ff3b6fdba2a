package dev.ddp4j.exchange.collective;

import java.util.OptionalInt;

/**
 * A collective that could not complete: a peer stopped, did not answer within the timeout, had not
 * issued the collective, or another rank gave up for one of these reasons; or the process group was
 * replaced or the communicator stopped. The message names the collective, the rank that failed it
 * and the cause; {@link #culpritRank()} is the rank held responsible, when there is one.
 *
 * <p>After such a failure the generation is unusable: every later collective of that generation
 * fails at once with the same cause, until the communicator is given a new {@link ProcessGroup}.
 */
public final class CollectiveException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int culpritRank;

  /** A failure blamed on {@code culpritRank}, or on no rank when it is negative. */
  public CollectiveException(String message, int culpritRank) {
    super(message);
    this.culpritRank = culpritRank;
  }

  /** The rank held responsible (stopped, silent or lagging), or empty if none is (e.g. a new generation). */
  public OptionalInt culpritRank() {
    return culpritRank < 0 ? OptionalInt.empty() : OptionalInt.of(culpritRank);
  }
}
