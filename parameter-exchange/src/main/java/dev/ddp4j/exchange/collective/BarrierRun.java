package dev.ddp4j.exchange.collective;

import dev.ddp4j.exchange.collective.PeerMessage.BarrierArrive;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierRelease;
import java.util.BitSet;
import java.util.function.BiConsumer;

/**
 * One barrier on one rank. Protocol:
 * <ol type="a">
 *   <li>Every rank other than 0 sends {@link BarrierArrive} to rank 0 when the barrier starts.
 *   <li>Rank 0, once its own barrier has started and all N-1 others have arrived (arrivals may come
 *       before rank 0 starts; the communicator keeps them), sends {@link BarrierRelease} to each
 *       and completes.
 *   <li>A rank other than 0 completes when the release comes.
 * </ol>
 * Two message delays, 2(N-1) messages, and no rank leaves before all have arrived.
 *
 * <p>Only the owning communicator's thread touches a run.
 */
final class BarrierRun implements ActiveCollective {
  private static final float[] NO_DATA = new float[0];

  private final long generation;
  private final long sequence;
  private final Request request;
  private final int rank;
  private final int size;
  private final BitSet arrived;
  private final BiConsumer<Integer, PeerMessage> sendTo;
  private boolean receivedAll;

  /**
   * @param arrived ranks that arrived before this run started (rank 0 only); taken over, not copied
   * @param sendTo sends a message to a rank of the group
   */
  BarrierRun(long generation, long sequence, int rank, int size, Request request, BitSet arrived,
      BiConsumer<Integer, PeerMessage> sendTo) {
    this.generation = generation;
    this.sequence = sequence;
    this.request = request;
    this.rank = rank;
    this.size = size;
    this.arrived = arrived;
    this.sendTo = sendTo;
  }

  @Override
  public long sequence() {
    return sequence;
  }

  @Override
  public Request request() {
    return request;
  }

  @Override
  public void start() {
    if (rank != 0) {
      sendTo.accept(0, new BarrierArrive(generation, sequence, rank));
    } else {
      releaseIfAllArrived();
    }
  }

  /** Rank 0: {@code from} has arrived. */
  void onArrive(int from) {
    arrived.set(from);
    releaseIfAllArrived();
  }

  /** A rank other than 0: rank 0 has released the barrier. */
  void onRelease() {
    receivedAll = true;
  }

  @Override
  public boolean receivedAll() {
    return receivedAll;
  }

  @Override
  public int waitingOn() {
    if (rank != 0) {
      return 0;
    }
    int missing = arrived.nextClearBit(1);
    return missing < size ? missing : 0;
  }

  @Override
  public float[] result() {
    return NO_DATA;
  }

  private void releaseIfAllArrived() {
    if (arrived.cardinality() < size - 1) {
      return;
    }
    for (int r = 1; r < size; r++) {
      sendTo.accept(r, new BarrierRelease(generation, sequence, 0));
    }
    receivedAll = true;
  }
}
