package dev.ddp4j.exchange.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Messages that communicators of one process group send each other: the only part of the
 * {@link Communicator} protocol that may cross a JVM boundary, serialized by
 * {@code dev.ddp4j.exchange.wire.CollectiveSerializer} as the protobuf messages of
 * {@code collective.proto}. Every one carries the generation it belongs to and the rank that sent it.
 *
 * <p>Records here are values, except that a {@link Segment} in one JVM is a view of its sender's
 * buffer: see there.
 */
public sealed interface PeerMessage extends Communicator.Command {

  /** The process-group generation the message belongs to. */
  long generation();

  /** The rank that sent the message. */
  int senderRank();

  /**
   * A slice of one chunk of one collective, sent to the ring successor: elements
   * {@code [elementOffset, elementOffset + elementCount)} of the collective's buffer, carried as
   * {@code data[dataOffset, dataOffset + elementCount)}.
   *
   * <p>In one JVM {@code data} is the sender's own buffer, passed by reference: the receiver reads it
   * when it consumes the segment, and the sender does not write that range again until the segment
   * is acknowledged. After deserialization {@code data} is a fresh array. {@code equals} compares
   * {@code data} by identity.
   *
   * <p>A segment that came over a side channel may instead carry its float32 elements as
   * {@code payload}, a little-endian view of the received frame ({@code data} is then null): the
   * receiver combines or copies straight from the frame, with no decoding copy, and gives the frame
   * back through {@link SegmentLink#recycle} once it has consumed the segment.
   *
   * @param generation process-group generation
   * @param sequence the collective's sequence number in the generation
   * @param kind the collective's kind, which the receiver's must equal
   * @param phase reduce-scatter, all-gather or broadcast
   * @param step ring step within the phase (0 for broadcast)
   * @param chunk chunk index (0 for broadcast)
   * @param segment segment index within the chunk
   * @param elementOffset first element of the segment in the whole buffer
   * @param elementCount number of elements
   * @param totalElements length of the whole buffer, which the receiver's must equal
   * @param senderRank the sender, the receiver's ring predecessor
   * @param format how the elements travel (for BF16 they are already rounded to bfloat16)
   * @param data array holding the elements, or null when {@code payload} holds them
   * @param dataOffset index of the first element in {@code data}
   * @param payload null, or exactly the elements' bytes (float32, little-endian) from its position to
   *     its limit; only the receiver's communicator thread reads it, with absolute reads
   */
  record Segment(
      long generation, long sequence, CollectiveKind kind, RingPhase phase, int step, int chunk,
      int segment, int elementOffset, int elementCount, int totalElements, int senderRank,
      WireFormat format, float[] data, int dataOffset, ByteBuffer payload) implements PeerMessage {

    /** Checks that the slice lies inside {@code data} (or fills {@code payload}); the rest is checked by the receiver. */
    public Segment {
      if (kind == null || phase == null || format == null || data == null && payload == null) {
        throw new IllegalArgumentException("segment with a null kind, phase, format or data");
      }
      if (payload != null) {
        if (format != WireFormat.FLOAT32 || payload.order() != ByteOrder.LITTLE_ENDIAN
            || payload.remaining() != (long) elementCount * Float.BYTES) {
          throw new IllegalArgumentException("segment payload of " + payload.remaining() + " " + payload.order()
              + " bytes does not hold " + elementCount + " elements of " + format);
        }
      } else if (elementCount < 0 || dataOffset < 0 || dataOffset > data.length - elementCount) {
        throw new IllegalArgumentException("segment slice [" + dataOffset + ", +" + elementCount
            + ") outside an array of " + data.length);
      }
    }

    /** A segment whose elements are {@code data[dataOffset, dataOffset + elementCount)}. */
    public Segment(long generation, long sequence, CollectiveKind kind, RingPhase phase, int step, int chunk,
        int segment, int elementOffset, int elementCount, int totalElements, int senderRank,
        WireFormat format, float[] data, int dataOffset) {
      this(generation, sequence, kind, phase, step, chunk, segment, elementOffset, elementCount, totalElements,
          senderRank, format, data, dataOffset, null);
    }

    /** Copies the elements to {@code dst[dstOff, dstOff + elementCount)}. */
    void copyTo(float[] dst, int dstOff) {
      if (payload == null) {
        System.arraycopy(data, dataOffset, dst, dstOff, elementCount);
      } else {
        payload.asFloatBuffer().get(0, dst, dstOff, elementCount);
      }
    }

    /** Combines the elements into {@code dst[dstOff, dstOff + elementCount)} with {@code op}. */
    void combineInto(ReduceOp op, float[] dst, int dstOff) {
      if (payload == null) {
        op.combine(dst, dstOff, data, dataOffset, elementCount);
      } else {
        op.combine(dst, dstOff, payload, elementCount);
      }
    }

    /** Position and size, for log lines and rejection reasons. */
    String describe() {
      return phase + " step " + step + " chunk " + chunk + " segment " + segment + " at offset "
          + elementOffset + " with " + elementCount + " elements";
    }
  }

  /**
   * Credit from the receiver of segments to their sender: it has consumed the first {@code consumed}
   * segments of collective {@code sequence} that the sender sent it.
   */
  record SegmentAck(long generation, long sequence, int senderRank, long consumed) implements PeerMessage {}

  /** Rank {@code senderRank} has reached barrier {@code sequence}; sent to rank 0. */
  record BarrierArrive(long generation, long sequence, int senderRank) implements PeerMessage {}

  /** Rank 0 ({@code senderRank}) has seen every rank arrive at barrier {@code sequence}. */
  record BarrierRelease(long generation, long sequence, int senderRank) implements PeerMessage {}

  /**
   * Rank {@code senderRank} gave up on collective {@code sequence}: the whole generation fails with
   * {@code reason}, blaming {@code culpritRank} (negative when no rank is to blame).
   */
  record Abort(long generation, long sequence, int senderRank, int culpritRank, String reason)
      implements PeerMessage {
    /** Checks that a reason is given. */
    public Abort {
      if (reason == null) {
        throw new IllegalArgumentException("abort without a reason");
      }
    }
  }

  /** Rank {@code senderRank}, stuck in collective {@code sequence}, asks where the receiver is. */
  record LivenessProbe(long generation, long sequence, int senderRank) implements PeerMessage {}

  /**
   * Answer to a {@link LivenessProbe} about collective {@code sequence}: the replying rank's caller has
   * issued {@code issued} collectives in this generation and {@code completed} of them have completed.
   */
  record LivenessReply(long generation, long sequence, int senderRank, long issued, long completed)
      implements PeerMessage {}
}
