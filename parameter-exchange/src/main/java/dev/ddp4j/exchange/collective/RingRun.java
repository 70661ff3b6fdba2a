package dev.ddp4j.exchange.collective;

import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One data collective (allreduce, reduce-scatter, all-gather, broadcast) on one rank: what it sends
 * first, what it expects next from its ring predecessor, and what each arriving segment triggers.
 *
 * <p>Ring schedule on rank r of N (chunks as in {@link ChunkLayout}, indices mod N):
 * <ol type="a">
 *   <li>Reduce-scatter step s (0 .. N-2): r sends chunk r-s-1 and receives chunk r-s-2, which it
 *       combines into its own copy. After step N-2, chunk r is complete on rank r.
 *   <li>All-gather step t (0 .. N-2): r sends chunk r-t and receives chunk r-t-1, which it copies.
 *   <li>Broadcast: the root sends the whole buffer (one chunk); every other rank copies what it
 *       receives and passes it on unless its successor is the root.
 * </ol>
 * Segment by segment, each arrival triggers at most one send of the same segment index: combining
 * segment j of reduce-scatter step s lets r send segment j of step s+1 at once, so data streams
 * round the ring without waiting for whole chunks. Because the predecessor sends in exactly this
 * order and a link delivers in order, the receiver knows the one segment that may come next and
 * rejects any other (a duplicate, a gap, a stranger's, a mismatched call).
 *
 * <p>Only the owning communicator's thread touches a run.
 */
final class RingRun implements ActiveCollective {
  private final long generation;
  private final long sequence;
  private final Request request;
  private final int rank;
  private final int size;
  private final float[] buffer;
  private final ChunkLayout layout;
  private final Consumer<Segment> send;

  private RingPhase phase;
  private int step;
  private int segment;
  private boolean receivedAll;
  private long consumed;

  /**
   * Prepares the run; {@link #start()} sends.
   *
   * @throws IllegalArgumentException if the request does not fit the group (a root out of range, an
   *     all-gather result longer than an array can be)
   */
  RingRun(long generation, long sequence, int rank, int size, Request request, int segmentElements,
      Consumer<Segment> send) {
    this.generation = generation;
    this.sequence = sequence;
    this.request = request;
    this.rank = rank;
    this.size = size;
    this.send = send;
    switch (request.kind()) {
      case ALL_GATHER -> {
        float[] mine = request.buffer();
        long total = (long) mine.length * size;
        if (total > Integer.MAX_VALUE - 8) {
          throw new IllegalArgumentException(
              "all-gather of " + size + " x " + mine.length + " elements does not fit one array");
        }
        buffer = new float[(int) total];
        System.arraycopy(mine, 0, buffer, rank * mine.length, mine.length);
        layout = new ChunkLayout(buffer.length, size, segmentElements);
      }
      case BROADCAST -> {
        if (request.root() < 0 || request.root() >= size) {
          throw new IllegalArgumentException(
              "broadcast root " + request.root() + " is not a rank of a group of " + size);
        }
        buffer = request.buffer();
        layout = new ChunkLayout(buffer.length, 1, segmentElements);
      }
      case ALL_REDUCE, REDUCE_SCATTER -> {
        buffer = request.buffer();
        layout = new ChunkLayout(buffer.length, size, segmentElements);
      }
      default -> throw new IllegalArgumentException(request.kind() + " is not a ring collective");
    }
    phase = firstPhase();
    receivedAll = phase == null;
    skipEmptyPositions();
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
    if (size == 1) {
      return;
    }
    switch (request.kind()) {
      case ALL_REDUCE, REDUCE_SCATTER -> sendChunk(RingPhase.REDUCE_SCATTER, 0, mod(rank - 1));
      case ALL_GATHER -> sendChunk(RingPhase.ALL_GATHER, 0, rank);
      case BROADCAST -> {
        if (rank == request.root()) {
          sendChunk(RingPhase.BROADCAST, 0, 0);
        }
      }
      default -> throw new IllegalStateException(request.kind().toString());
    }
  }

  @Override
  public boolean receivedAll() {
    return receivedAll;
  }

  @Override
  public int waitingOn() {
    return receivedAll ? mod(rank + 1) : mod(rank - 1);
  }

  /** Number of segments consumed so far: the cumulative count an acknowledgement carries. */
  long consumed() {
    return consumed;
  }

  /**
   * Applies {@code s} if it is exactly the segment expected next, and sends what it triggers.
   *
   * @return null if consumed (the caller acknowledges it), else why it was rejected (nothing changed)
   */
  String accept(Segment s) {
    if (receivedAll) {
      return "collective #" + sequence + " expects no more segments";
    }
    if (s.senderRank() != mod(rank - 1)) {
      return "rank " + s.senderRank() + " is not the ring predecessor (rank " + mod(rank - 1) + ")";
    }
    if (s.kind() != request.kind()) {
      return "kind " + s.kind() + " does not match this rank's " + request.kind();
    }
    if (s.format() != request.format()) {
      return "dtype " + s.format() + " does not match this rank's " + request.format();
    }
    if (s.totalElements() != layout.length()) {
      return "buffer of " + s.totalElements() + " elements does not match this rank's " + layout.length();
    }
    int c = expectedChunk();
    int offset = layout.segmentOffset(c, segment);
    int count = layout.segmentLength(c, segment);
    if (s.phase() != phase || s.step() != step || s.chunk() != c || s.segment() != segment
        || s.elementOffset() != offset || s.elementCount() != count) {
      return "expected " + phase + " step " + step + " chunk " + c + " segment " + segment
          + " at offset " + offset + " with " + count + " elements, got " + s.describe();
    }
    apply(s, c, offset, count);
    consumed++;
    segment++;
    skipEmptyPositions();
    return null;
  }

  @Override
  public float[] result() {
    if (request.kind() == CollectiveKind.REDUCE_SCATTER) {
      int offset = layout.chunkOffset(rank);
      return Arrays.copyOfRange(buffer, offset, offset + layout.chunkLength(rank));
    }
    return buffer;
  }

  private void apply(Segment s, int c, int offset, int count) {
    int last = size - 2;
    switch (phase) {
      case REDUCE_SCATTER -> {
        s.combineInto(request.op(), buffer, offset);
        if (step < last) {
          sendSegment(RingPhase.REDUCE_SCATTER, step + 1, c, segment);
        } else {
          request.op().finish(buffer, offset, count, size);
          if (request.kind() == CollectiveKind.ALL_REDUCE) {
            sendSegment(RingPhase.ALL_GATHER, 0, c, segment);
          }
        }
      }
      case ALL_GATHER -> {
        s.copyTo(buffer, offset);
        if (step < last) {
          sendSegment(RingPhase.ALL_GATHER, step + 1, c, segment);
        }
      }
      case BROADCAST -> {
        s.copyTo(buffer, offset);
        if (mod(rank + 1) != request.root()) {
          sendSegment(RingPhase.BROADCAST, 0, 0, segment);
        }
      }
    }
  }

  private void sendChunk(RingPhase p, int st, int c) {
    for (int j = 0, n = layout.segmentCount(c); j < n; j++) {
      sendSegment(p, st, c, j);
    }
  }

  private void sendSegment(RingPhase p, int st, int c, int j) {
    int offset = layout.segmentOffset(c, j);
    int count = layout.segmentLength(c, j);
    if (request.format() == WireFormat.BF16) {
      Bf16.roundInPlace(buffer, offset, count);
    }
    send.accept(new Segment(generation, sequence, request.kind(), p, st, c, j, offset, count,
        layout.length(), rank, request.format(), buffer, offset));
  }

  private RingPhase firstPhase() {
    if (size == 1) {
      return null;
    }
    return switch (request.kind()) {
      case ALL_REDUCE, REDUCE_SCATTER -> RingPhase.REDUCE_SCATTER;
      case ALL_GATHER -> RingPhase.ALL_GATHER;
      case BROADCAST -> rank == request.root() ? null : RingPhase.BROADCAST;
      default -> throw new IllegalStateException(request.kind().toString());
    };
  }

  /** The chunk the predecessor sends at the current phase and step. */
  private int expectedChunk() {
    return switch (phase) {
      case REDUCE_SCATTER -> mod(rank - step - 2);
      case ALL_GATHER -> mod(rank - step - 1);
      case BROADCAST -> 0;
    };
  }

  /** Moves the receive cursor past exhausted chunks (and empty ones, which nobody sends). */
  private void skipEmptyPositions() {
    while (!receivedAll && segment >= layout.segmentCount(expectedChunk())) {
      segment = 0;
      step++;
      int steps = phase == RingPhase.BROADCAST ? 1 : size - 1;
      if (step < steps) {
        continue;
      }
      step = 0;
      if (phase == RingPhase.REDUCE_SCATTER && request.kind() == CollectiveKind.ALL_REDUCE) {
        phase = RingPhase.ALL_GATHER;
      } else {
        receivedAll = true;
      }
    }
  }

  private int mod(int r) {
    return Math.floorMod(r, size);
  }
}
