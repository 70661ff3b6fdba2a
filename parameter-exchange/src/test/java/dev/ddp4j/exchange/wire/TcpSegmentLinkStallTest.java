package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.exchange.collective.CollectiveKind;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.RingPhase;
import dev.ddp4j.exchange.collective.WireFormat;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Segments are written on the caller's thread; a successor that takes no data (a stopped process whose
 * socket buffer is full) must not hold that thread beyond the stall limit.
 */
class TcpSegmentLinkStallTest {

  @Test
  @Timeout(60)  // without the watchdog the first blocked write never returns
  void aWriteToAPeerThatReadsNothingIsLetGoAfterTheStallLimit() throws Exception {
    int elements = 1 << 20;  // 4 MiB a segment
    try (ServerSocketChannel silent = ServerSocketChannel.open();
        TcpSegmentLink link = TcpSegmentLink.listen("127.0.0.1", elements * Float.BYTES, Duration.ofMillis(300))) {
      silent.bind(new InetSocketAddress("127.0.0.1", 0));
      link.connect("127.0.0.1", ((InetSocketAddress) silent.getLocalAddress()).getPort(), 0, null);
      try (SocketChannel accepted = silent.accept()) {  // connected, never read
        float[] data = new float[elements];
        int sends = 64;  // 256 MiB: far more than the two socket buffers hold
        long t0 = System.nanoTime();
        for (int i = 0; i < sends; i++) {
          link.send(new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 0, i, 0, elements,
              elements, 0, WireFormat.FLOAT32, data, 0));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(link.segmentsWritten() < sends,
            "every segment was written although the peer read nothing: " + link.segmentsWritten());
        assertTrue(ms < 10_000, "the sends took " + ms + " ms with a stall limit of 300 ms");
      }
    }
  }
}
