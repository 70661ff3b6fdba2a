package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.ddp4j.exchange.collective.Bf16;
import dev.ddp4j.exchange.collective.CollectiveKind;
import dev.ddp4j.exchange.collective.PeerMessage;
import dev.ddp4j.exchange.collective.PeerMessage.Abort;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierArrive;
import dev.ddp4j.exchange.collective.PeerMessage.BarrierRelease;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessProbe;
import dev.ddp4j.exchange.collective.PeerMessage.LivenessReply;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import dev.ddp4j.exchange.collective.RingPhase;
import dev.ddp4j.exchange.collective.WireFormat;
import dev.ddp4j.proto.msg.DataSegment;
import dev.ddp4j.proto.msg.SegmentPhase;
import dev.ddp4j.proto.msg.WireDType;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The wire serializer: registered, round-trips every message, writes standard protobuf, rejects junk. */
class CollectiveSerializerTest {
  private static final ActorTestKit KIT = ActorTestKit.create("CollectiveSerializerTest");
  private static final Serialization SERIALIZATION = SerializationExtension.get(KIT.system().classicSystem());
  private static final CollectiveSerializer SERIALIZER =
      (CollectiveSerializer) SERIALIZATION.findSerializerFor(new SegmentAck(0, 0, 0, 0));

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  /** A segment viewing elements 3.. of a larger array, as a sender's buffer slice. */
  private static Segment segment(WireFormat format, float... values) {
    float[] buffer = new float[values.length + 5];
    System.arraycopy(values, 0, buffer, 3, values.length);
    return new Segment(7, 123_456_789_012L, CollectiveKind.ALL_REDUCE, RingPhase.ALL_GATHER, 2, 3, 4, 1_000_000,
        values.length, 5_000_000, 1, format, buffer, 3);
  }

  private static void assertSameSegment(Segment expected, Segment actual) {
    assertEquals(withoutData(expected), withoutData(actual));
    assertEquals(0, actual.dataOffset());
    assertEquals(expected.elementCount(), actual.data().length);
  }

  private static List<Object> withoutData(Segment s) {
    return List.of(s.generation(), s.sequence(), s.kind(), s.phase(), s.step(), s.chunk(), s.segment(),
        s.elementOffset(), s.elementCount(), s.totalElements(), s.senderRank(), s.format());
  }

  @Test
  void peerMessagesAreBoundToThisSerializerAndJavaSerializationIsOff() throws Exception {
    for (Class<?> c : List.of(Segment.class, SegmentAck.class, BarrierArrive.class, BarrierRelease.class,
        Abort.class, LivenessProbe.class, LivenessReply.class)) {
      assertSame(SERIALIZER, SERIALIZATION.serializerFor(c), c.getName());
    }
    assertEquals(CollectiveSerializer.IDENTIFIER, SERIALIZER.identifier());
    assertEquals(false, KIT.system().settings().config().getBoolean("akka.actor.allow-java-serialization"));
  }

  @Test
  void float32SegmentRoundTripsBitExactThroughSerializationExtension() throws Exception {
    Segment s = segment(WireFormat.FLOAT32, 1.5f, -0.0f, Float.NaN, Float.intBitsToFloat(0x7fc01234),
        Float.POSITIVE_INFINITY, Float.MIN_VALUE, -3.4e38f, 1e-40f);
    byte[] bytes = SERIALIZATION.serialize(s).get();
    Serializer ser = SERIALIZATION.findSerializerFor(s);
    Segment back = (Segment) SERIALIZATION.deserialize(bytes, ser.identifier(), Serializers.manifestFor(ser, s)).get();
    assertSameSegment(s, back);
    for (int i = 0; i < s.elementCount(); i++) {
      assertEquals(Float.floatToRawIntBits(s.data()[3 + i]), Float.floatToRawIntBits(back.data()[i]), "element " + i);
    }
  }

  @Test
  void bf16SegmentCarriesTheRoundedValuesInHalfTheBytes() throws Exception {
    float[] values = {1.0f, 1.00390625f, 1.01171875f, -2.5e-3f, 3.4e38f, Float.NaN, 65504f, 0f};
    Segment bf = segment(WireFormat.BF16, values);
    Segment f32 = segment(WireFormat.FLOAT32, values);
    byte[] bytes = SERIALIZER.toBinary(bf);
    assertEquals(SERIALIZER.toBinary(f32).length - 2 * values.length, bytes.length);
    Segment back = (Segment) SERIALIZER.fromBinary(bytes, SERIALIZER.manifest(bf));
    assertSameSegment(bf, back);
    float[] rounded = values.clone();
    Bf16.roundInPlace(rounded, 0, rounded.length);
    assertArrayEquals(rounded, back.data());
    assertEquals(1.0f, back.data()[1], "1 + 2^-8 is a tie and rounds to even");
    assertEquals(1.015625f, back.data()[2], "1 + 3 * 2^-8 is a tie and rounds up to even");
    assertEquals(Float.POSITIVE_INFINITY, back.data()[4], "beyond the largest bfloat16");
  }

  @Test
  void encodingIsByteForByteWhatTheGeneratedClassWrites() throws Exception {
    Segment s = segment(WireFormat.FLOAT32, 1f, 2f, -3f);
    ByteBuffer payload = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    payload.putFloat(1f).putFloat(2f).putFloat(-3f);
    DataSegment proto = DataSegment.newBuilder().setGeneration(7).setSequence(123_456_789_012L)
        .setKind(dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_ALL_REDUCE)
        .setPhase(SegmentPhase.SEGMENT_PHASE_ALL_GATHER).setStep(2).setChunk(3).setSegment(4)
        .setElementOffset(1_000_000).setElementCount(3).setTotalElements(5_000_000).setSenderRank(1)
        .setDtype(WireDType.FLOAT32).setPayload(ByteString.copyFrom(payload.array())).build();
    assertArrayEquals(proto.toByteArray(), SERIALIZER.toBinary(s));
    assertEquals(proto, DataSegment.parseFrom(SERIALIZER.toBinary(s)));

    Segment zeros = new Segment(0, 0, CollectiveKind.BROADCAST, RingPhase.BROADCAST, 0, 0, 0, 0, 0, 0, 0,
        WireFormat.FLOAT32, new float[0], 0);
    DataSegment zerosProto = DataSegment.newBuilder()
        .setKind(dev.ddp4j.proto.msg.CollectiveKind.COLLECTIVE_KIND_BROADCAST)
        .setPhase(SegmentPhase.SEGMENT_PHASE_BROADCAST).setDtype(WireDType.FLOAT32).build();
    assertArrayEquals(zerosProto.toByteArray(), SERIALIZER.toBinary(zeros));
    assertSameSegment(zeros, (Segment) SERIALIZER.fromBinary(zerosProto.toByteArray(), "S"));
  }

  @Test
  void decodingSkipsFieldsFromANewerSchema() throws Exception {
    Segment s = segment(WireFormat.FLOAT32, 4f, 5f);
    DataSegment newer = DataSegment.parseFrom(SERIALIZER.toBinary(s)).toBuilder()
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(13, UnknownFieldSet.Field.newBuilder().addVarint(99).build())
            .addField(40, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build())
            .build())
        .build();
    Segment back = (Segment) SERIALIZER.fromBinary(newer.toByteArray(), "S");
    assertSameSegment(s, back);
    assertArrayEquals(new float[] {4f, 5f}, back.data());
  }

  @Test
  void byteBufferPathWritesAndReadsAtTheBufferPositionInDirectAndHeapBuffers() throws Exception {
    Segment s = segment(WireFormat.FLOAT32, 9f, 8f, 7f);
    Segment b = segment(WireFormat.BF16, 9f, 8f, 7f);
    for (ByteBuffer buf : List.of(ByteBuffer.allocateDirect(1024), ByteBuffer.allocate(1024))) {
      buf.order(ByteOrder.BIG_ENDIAN).position(17);
      SERIALIZER.toBinary(s, buf);
      int end = buf.position();
      assertEquals(17 + SERIALIZER.toBinary(s).length, end);
      SERIALIZER.toBinary(b, buf);
      assertEquals(ByteOrder.BIG_ENDIAN, buf.order(), "the caller's byte order is left alone");
      ByteBuffer read = buf.duplicate().limit(end).position(17);
      Segment back = (Segment) SERIALIZER.fromBinary(read, "S");
      assertEquals(end, read.position());
      assertArrayEquals(new float[] {9f, 8f, 7f}, back.data());
      Segment backBf = (Segment) SERIALIZER.fromBinary(buf.duplicate().limit(buf.position()).position(end), "S");
      assertArrayEquals(new float[] {9f, 8f, 7f}, backBf.data());
    }
  }

  @Test
  void controlMessagesRoundTrip() throws Exception {
    List<PeerMessage> all = List.of(
        new SegmentAck(3, 9, 2, 1_000_000_000_000L),
        new BarrierArrive(3, 10, 5),
        new BarrierRelease(3, 10, 0),
        new Abort(3, 11, 1, 4, "rank 4 did not answer within 30000 ms"),
        new Abort(3, 11, 1, -1, "superseded"),
        new LivenessProbe(3, 12, 6),
        new LivenessReply(3, 12, 2, 13, 12));
    for (PeerMessage m : all) {
      byte[] bytes = SERIALIZATION.serialize(m).get();
      Object back = SERIALIZATION.deserialize(bytes, SERIALIZER.identifier(), SERIALIZER.manifest(m)).get();
      assertEquals(m, back);
      ByteBuffer direct = ByteBuffer.allocateDirect(256);
      SERIALIZER.toBinary(m, direct);
      direct.flip();
      assertEquals(m, SERIALIZER.fromBinary(direct, SERIALIZER.manifest(m)));
    }
  }

  @Test
  void malformedBytesAreRejectedWithAClearError() throws Exception {
    DataSegment good = DataSegment.parseFrom(SERIALIZER.toBinary(segment(WireFormat.FLOAT32, 1f, 2f)));
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
        () -> SERIALIZER.fromBinary(good.toBuilder().setElementCount(3).build().toByteArray(), "S"));
    assertEquals("malformed DataSegment (generation 7, collective #123456789012): 3 elements of FLOAT32 do not"
        + " make 8 payload bytes", count.getMessage());
    IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
        () -> SERIALIZER.fromBinary(good.toBuilder().setDtype(WireDType.FLOAT64).build().toByteArray(), "S"));
    assertEquals("malformed DataSegment (generation 7, collective #123456789012): kind 1, phase 2 or dtype 2"
        + " is not supported", dtype.getMessage());
    IllegalArgumentException offset = assertThrows(IllegalArgumentException.class,
        () -> SERIALIZER.fromBinary(good.toBuilder().setElementOffset(1L << 40).build().toByteArray(), "S"));
    assertEquals("malformed DataSegment (generation 7, collective #123456789012): a field is out of range",
        offset.getMessage());
    byte[] truncated = Arrays.copyOf(good.toByteArray(), good.getSerializedSize() - 1);
    assertThrows(IllegalArgumentException.class, () -> SERIALIZER.fromBinary(truncated, "S"));
    NotSerializableException manifest = assertThrows(NotSerializableException.class,
        () -> SERIALIZER.fromBinary(new byte[0], "Q"));
    assertEquals("unknown manifest 'Q' for serializer 4400001", manifest.getMessage());
    assertInstanceOf(IllegalArgumentException.class,
        assertThrows(RuntimeException.class, () -> SERIALIZER.manifest("not a peer message")));
  }
}
