package dev.ddp4j.exchange.wire;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.ddp4j.exchange.collective.Bf16;
import dev.ddp4j.exchange.collective.CollectiveKind;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.RingPhase;
import dev.ddp4j.proto.msg.DataSegment;
import dev.ddp4j.proto.msg.WireDType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes a {@link Segment} as a {@code ddp4j.DataSegment} protobuf message straight into a
 * {@link ByteBuffer}, and decodes one straight into a fresh {@code float[]}: the header fields go
 * through protobuf's {@link CodedOutputStream}/{@link CodedInputStream}, the payload is one bulk
 * little-endian copy (or a bf16 encode/decode loop) between the float array and the buffer, with no
 * intermediate {@code ByteString} or generated message object.
 *
 * <p>The bytes are exactly what the generated {@link DataSegment#toByteArray()} gives for the same
 * values (fields in number order, proto3 zero values left out, payload last), so any protobuf decoder
 * reads them; decoding skips unknown fields, so newer senders may add some. Field numbers come from
 * the generated class. Stateless; any thread.
 */
final class SegmentCodec {
  private static final int GENERATION = DataSegment.GENERATION_FIELD_NUMBER;
  private static final int SEQUENCE = DataSegment.SEQUENCE_FIELD_NUMBER;
  private static final int KIND = DataSegment.KIND_FIELD_NUMBER;
  private static final int PHASE = DataSegment.PHASE_FIELD_NUMBER;
  private static final int STEP = DataSegment.STEP_FIELD_NUMBER;
  private static final int CHUNK = DataSegment.CHUNK_FIELD_NUMBER;
  private static final int SEGMENT = DataSegment.SEGMENT_FIELD_NUMBER;
  private static final int ELEMENT_OFFSET = DataSegment.ELEMENT_OFFSET_FIELD_NUMBER;
  private static final int ELEMENT_COUNT = DataSegment.ELEMENT_COUNT_FIELD_NUMBER;
  private static final int TOTAL_ELEMENTS = DataSegment.TOTAL_ELEMENTS_FIELD_NUMBER;
  private static final int SENDER_RANK = DataSegment.SENDER_RANK_FIELD_NUMBER;
  private static final int DTYPE = DataSegment.DTYPE_FIELD_NUMBER;
  private static final int PAYLOAD = DataSegment.PAYLOAD_FIELD_NUMBER;

  private SegmentCodec() {}

  /** Exact number of bytes {@link #write} puts into the buffer. */
  static int encodedSize(Segment s) {
    int payload = payloadBytes(s);
    int size = uint64Size(GENERATION, s.generation()) + uint64Size(SEQUENCE, s.sequence())
        + CodedOutputStream.computeEnumSize(KIND, Enums.kind(s.kind()).getNumber())
        + CodedOutputStream.computeEnumSize(PHASE, Enums.phase(s.phase()).getNumber())
        + uint32Size(STEP, s.step()) + uint32Size(CHUNK, s.chunk()) + uint32Size(SEGMENT, s.segment())
        + uint64Size(ELEMENT_OFFSET, s.elementOffset()) + uint32Size(ELEMENT_COUNT, s.elementCount())
        + uint64Size(TOTAL_ELEMENTS, s.totalElements()) + uint32Size(SENDER_RANK, s.senderRank())
        + CodedOutputStream.computeEnumSize(DTYPE, Enums.dtype(s.format()).getNumber());
    if (payload > 0) {
      size += CodedOutputStream.computeTagSize(PAYLOAD) + CodedOutputStream.computeUInt32SizeNoTag(payload) + payload;
    }
    return size;
  }

  /**
   * Writes {@code s} into {@code buf} from its position on and advances the position past it.
   *
   * @throws java.nio.BufferOverflowException if {@code buf} has less room than {@link #encodedSize}
   */
  static void write(Segment s, ByteBuffer buf) throws IOException {
    int payload = payloadBytes(s);
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    writeUInt64(out, GENERATION, s.generation());
    writeUInt64(out, SEQUENCE, s.sequence());
    out.writeEnum(KIND, Enums.kind(s.kind()).getNumber());
    out.writeEnum(PHASE, Enums.phase(s.phase()).getNumber());
    writeUInt32(out, STEP, s.step());
    writeUInt32(out, CHUNK, s.chunk());
    writeUInt32(out, SEGMENT, s.segment());
    writeUInt64(out, ELEMENT_OFFSET, s.elementOffset());
    writeUInt32(out, ELEMENT_COUNT, s.elementCount());
    writeUInt64(out, TOTAL_ELEMENTS, s.totalElements());
    writeUInt32(out, SENDER_RANK, s.senderRank());
    out.writeEnum(DTYPE, Enums.dtype(s.format()).getNumber());
    if (payload > 0) {
      out.writeTag(PAYLOAD, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(payload);
    }
    out.flush();  // moves buf's position past the header
    if (buf.remaining() < payload) {
      throw new java.nio.BufferOverflowException();
    }
    ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (s.payload() != null) {
      le.put(s.payload().duplicate());
    } else if (s.format() == dev.ddp4j.exchange.collective.WireFormat.FLOAT32) {
      le.asFloatBuffer().put(s.data(), s.dataOffset(), s.elementCount());
    } else {
      Bf16.encode(s.data(), s.dataOffset(), s.elementCount(), le.asShortBuffer());
    }
    buf.position(buf.position() + payload);
  }

  /**
   * Reads one segment from {@code buf}'s position to its limit and moves the position to the limit.
   *
   * @throws InvalidProtocolBufferException if the bytes are not a well-formed, self-consistent segment
   */
  static Segment read(ByteBuffer buf) throws IOException {
    return read(buf, float[]::new);
  }

  /**
   * {@link #read(ByteBuffer)} with the elements decoded into {@code arrays.apply(count)}, an array of at
   * least {@code count} elements (a pooled one, say); the segment's slice starts at its index 0.
   */
  static Segment read(ByteBuffer buf, java.util.function.IntFunction<float[]> arrays) throws IOException {
    return read(buf, arrays, false);
  }

  /**
   * {@link #read(ByteBuffer, java.util.function.IntFunction)}, except that float32 elements are not
   * decoded: the segment's {@code payload} is a little-endian view of them in {@code buf}, valid while
   * {@code buf}'s bytes are (bf16 elements, which need converting, still go into {@code arrays}).
   */
  static Segment readView(ByteBuffer buf, java.util.function.IntFunction<float[]> arrays) throws IOException {
    return read(buf, arrays, true);
  }

  private static Segment read(ByteBuffer buf, java.util.function.IntFunction<float[]> arrays, boolean view)
      throws IOException {
    int start = buf.position();
    CodedInputStream in = CodedInputStream.newInstance(buf);
    long generation = 0;
    long sequence = 0;
    long offset = 0;
    long total = 0;
    int kind = 0;
    int phase = 0;
    int dtype = 0;
    int step = 0;
    int chunk = 0;
    int segment = 0;
    int count = 0;
    int sender = 0;
    int payloadAt = -1;
    int payloadBytes = 0;
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      int field = WireFormat.getTagFieldNumber(tag);
      if (field == PAYLOAD) {
        expect(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        payloadBytes = in.readRawVarint32();
        payloadAt = start + in.getTotalBytesRead();
        in.skipRawBytes(payloadBytes);
        continue;
      }
      if (field > DTYPE) {
        in.skipField(tag);
        continue;
      }
      expect(tag, WireFormat.WIRETYPE_VARINT);
      switch (field) {
        case GENERATION -> generation = in.readUInt64();
        case SEQUENCE -> sequence = in.readUInt64();
        case KIND -> kind = in.readEnum();
        case PHASE -> phase = in.readEnum();
        case STEP -> step = in.readUInt32();
        case CHUNK -> chunk = in.readUInt32();
        case SEGMENT -> segment = in.readUInt32();
        case ELEMENT_OFFSET -> offset = in.readUInt64();
        case ELEMENT_COUNT -> count = in.readUInt32();
        case TOTAL_ELEMENTS -> total = in.readUInt64();
        case SENDER_RANK -> sender = in.readUInt32();
        case DTYPE -> dtype = in.readEnum();
        default -> in.skipField(tag);
      }
    }
    buf.position(start + in.getTotalBytesRead());

    if (generation < 0 || sequence < 0 || step < 0 || chunk < 0 || segment < 0 || count < 0 || sender < 0
        || offset < 0 || offset > Integer.MAX_VALUE || total < 0 || total > Integer.MAX_VALUE) {
      throw malformed("a field is out of range", generation, sequence);
    }
    CollectiveKind k = Enums.kind(dev.ddp4j.proto.msg.CollectiveKind.forNumber(kind));
    RingPhase p = Enums.phase(dev.ddp4j.proto.msg.SegmentPhase.forNumber(phase));
    dev.ddp4j.exchange.collective.WireFormat f = Enums.format(WireDType.forNumber(dtype));
    if (k == null || p == null || f == null) {
      throw malformed("kind " + kind + ", phase " + phase + " or dtype " + dtype + " is not supported",
          generation, sequence);
    }
    if ((long) count * f.bytesPerElement() != payloadBytes) {
      throw malformed(count + " elements of " + f + " do not make " + payloadBytes + " payload bytes",
          generation, sequence);
    }
    if (view && count > 0 && f == dev.ddp4j.exchange.collective.WireFormat.FLOAT32) {
      ByteBuffer payload = buf.duplicate();
      payload.limit(payloadAt + payloadBytes).position(payloadAt);
      return new Segment(generation, sequence, k, p, step, chunk, segment, (int) offset, count, (int) total,
          sender, f, null, 0, payload.slice().order(ByteOrder.LITTLE_ENDIAN));
    }
    float[] data = arrays.apply(count);
    if (count > 0) {
      ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      le.limit(payloadAt + payloadBytes).position(payloadAt);
      if (f == dev.ddp4j.exchange.collective.WireFormat.FLOAT32) {
        le.asFloatBuffer().get(data, 0, count);
      } else {
        Bf16.decode(le.asShortBuffer(), data, 0, count);
      }
    }
    return new Segment(generation, sequence, k, p, step, chunk, segment, (int) offset, count, (int) total,
        sender, f, data, 0);
  }

  private static int payloadBytes(Segment s) {
    return s.elementCount() * s.format().bytesPerElement();
  }

  private static void expect(int tag, int wireType) throws InvalidProtocolBufferException {
    if (WireFormat.getTagWireType(tag) != wireType) {
      throw new InvalidProtocolBufferException("malformed DataSegment: field "
          + WireFormat.getTagFieldNumber(tag) + " has wire type " + WireFormat.getTagWireType(tag));
    }
  }

  private static InvalidProtocolBufferException malformed(String why, long generation, long sequence) {
    return new InvalidProtocolBufferException(
        "malformed DataSegment (generation " + generation + ", collective #" + sequence + "): " + why);
  }

  private static int uint64Size(int field, long v) {
    return v == 0 ? 0 : CodedOutputStream.computeUInt64Size(field, v);
  }

  private static int uint32Size(int field, int v) {
    return v == 0 ? 0 : CodedOutputStream.computeUInt32Size(field, v);
  }

  private static void writeUInt64(CodedOutputStream out, int field, long v) throws IOException {
    if (v != 0) {
      out.writeUInt64(field, v);
    }
  }

  private static void writeUInt32(CodedOutputStream out, int field, int v) throws IOException {
    if (v != 0) {
      out.writeUInt32(field, v);
    }
  }
}
