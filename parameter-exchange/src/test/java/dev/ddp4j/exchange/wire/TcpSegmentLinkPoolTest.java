package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.ddp4j.exchange.collective.CollectiveKind;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.RingPhase;
import dev.ddp4j.exchange.collective.WireFormat;
import org.junit.jupiter.api.Test;

/** Decoded segments borrow pooled arrays; only arrays the link lent come back into the pool. */
class TcpSegmentLinkPoolTest {
  private static Segment over(float[] data, int count) {
    return new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 0, 0, 0, count, count, 0,
        WireFormat.FLOAT32, data, 0);
  }

  @Test
  void lentArraysAreReusedAndForeignOnesNever() throws Exception {
    try (TcpSegmentLink link = TcpSegmentLink.listen("127.0.0.1", 1024)) {  // 256 floats a segment
      float[] a = link.borrow(100);
      assertEquals(256, a.length);
      link.recycle(over(new float[256], 256));  // a sender's buffer or an Artery-decoded array: not the link's
      assertEquals(0, link.pooledArrays());
      link.recycle(over(a, 100));
      assertEquals(1, link.pooledArrays());
      link.recycle(over(a, 100));  // given back twice: pooled once
      assertEquals(1, link.pooledArrays());
      assertSame(a, link.borrow(256));
      assertEquals(0, link.pooledArrays());
      float[] big = link.borrow(300);  // larger than a segment: a fresh array, never pooled
      assertEquals(300, big.length);
      link.recycle(over(big, 300));
      assertEquals(0, link.pooledArrays());
      assertNotSame(a, link.borrow(10));
    }
  }
}
