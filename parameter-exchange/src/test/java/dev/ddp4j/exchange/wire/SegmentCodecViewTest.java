package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.ddp4j.exchange.collective.CollectiveKind;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.RingPhase;
import dev.ddp4j.exchange.collective.WireFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The side channel's reading: float32 elements stay in the frame as a view; bf16 ones are decoded. */
class SegmentCodecViewTest {
  private static Segment segment(WireFormat format, float[] data) {
    return new Segment(3, 9, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 1, 2, 0, 40, data.length - 1,
        100, 1, format, data, 1);
  }

  private static ByteBuffer frame(Segment s) throws Exception {
    ByteBuffer frame = ByteBuffer.allocateDirect(SegmentCodec.encodedSize(s));
    SegmentCodec.write(s, frame);
    return frame.flip();
  }

  @Test
  void float32PayloadIsALittleEndianViewOfTheFrame() throws Exception {
    ByteBuffer frame = frame(segment(WireFormat.FLOAT32, new float[] {9f, 1.5f, -2f, 3.25f}));
    Segment s = SegmentCodec.readView(frame, n -> {
      throw new AssertionError("no array for float32");
    });
    assertNull(s.data());
    assertNotNull(s.payload());
    assertEquals(ByteOrder.LITTLE_ENDIAN, s.payload().order());
    assertEquals(3 * Float.BYTES, s.payload().remaining());
    float[] got = new float[3];
    s.payload().asFloatBuffer().get(got);
    assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, got);
    assertEquals(40, s.elementOffset());
    int at = frame.limit() - Float.BYTES;  // the last element's bytes: the view reads the frame itself
    frame.order(ByteOrder.LITTLE_ENDIAN).putFloat(at, 7f);
    assertEquals(7f, s.payload().getFloat(2 * Float.BYTES));
  }

  @Test
  void bf16PayloadIsDecodedIntoAnArray() throws Exception {
    Segment s = SegmentCodec.readView(frame(segment(WireFormat.BF16, new float[] {0f, 1f, 2f, -4f})), float[]::new);
    assertNull(s.payload());
    assertArrayEquals(new float[] {1f, 2f, -4f}, s.data());
  }

  @Test
  void aPayloadOfTheWrongLengthIsStillRejected() throws Exception {
    Segment lying = new Segment(3, 9, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 1, 2, 0, 40, 2, 100, 1,
        WireFormat.FLOAT32, new float[] {0f, 1f, 2f}, 1);
    ByteBuffer bytes = frame(lying);
    bytes.put(bytes.limit() - 2 * Float.BYTES - 1, (byte) 12);  // the payload's length byte: 12 bytes for 2 elements
    ByteBuffer longer = ByteBuffer.allocateDirect(bytes.limit() + 4);
    longer.put(bytes).putFloat(0f).flip();
    InvalidProtocolBufferException e = assertThrows(InvalidProtocolBufferException.class,
        () -> SegmentCodec.readView(longer, float[]::new));
    assertEquals("malformed DataSegment (generation 3, collective #9): 2 elements of FLOAT32 do not make 12 payload bytes",
        e.getMessage());
  }
}
