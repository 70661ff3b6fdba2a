package dev.ddp4j.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.ddp4j.proto.msg.WireDType;
import dev.ddp4j.proto.msg.WireTensor;
import org.junit.jupiter.api.Test;

class WireTensorTest {
  @Test
  void generatedMessageRoundTripsThroughBytes() throws Exception {
    WireTensor t = WireTensor.newBuilder()
        .setDtype(WireDType.FLOAT32)
        .addShape(2).addShape(3)
        .setData(ByteString.copyFrom(new byte[24]))
        .build();
    WireTensor back = WireTensor.parseFrom(t.toByteArray());
    assertEquals(t, back);
    assertEquals(java.util.List.of(2L, 3L), back.getShapeList());
  }
}
