package dev.ddp4j.exchange.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The cross-JVM bootstrap with its ranks as actor systems of one JVM: the rendezvous forms the group
 * over the cluster, the group itself travels through the serializer, and the ring then reduces over
 * Artery. (The {@code test} module runs the same bootstrap in separate JVMs.)
 */
class RingNodeTest {
  private static final Config OVERRIDES = ConfigFactory.parseString("""
      ddp4j.exchange.segment-bytes = 64KiB
      ddp4j.exchange.timeout = 20s
      """);

  @Test
  void threeRanksFormOneGroupAndAllReduceOverArtery() throws Exception {
    threeRanksAllReduce(ConfigFactory.parseString(RingNode.BULK_TRANSPORT_KEY + " = artery").withFallback(OVERRIDES),
        false);
  }

  @Test
  void threeRanksAllReduceOverTheTcpSideChannel() throws Exception {
    threeRanksAllReduce(ConfigFactory.parseString(RingNode.BULK_TRANSPORT_KEY + " = tcp").withFallback(OVERRIDES), true);
  }

  private void threeRanksAllReduce(Config overrides, boolean sideChannel) throws Exception {
    int world = 3;
    int seedPort = freePort();
    ExecutorService starters = Executors.newFixedThreadPool(world);
    List<RingNode> nodes = new ArrayList<>();
    try {
      List<Future<RingNode>> started = new ArrayList<>();
      for (int r = world - 1; r >= 0; r--) {  // rank 0, the seed, last: the others must wait for it
        int rank = r;
        started.add(0, starters.submit(() -> RingNode.start(rank, world, "127.0.0.1", rank == 0 ? seedPort : 0,
            seedPort, overrides, Duration.ofSeconds(60))));
      }
      for (Future<RingNode> f : started) {
        nodes.add(f.get(90, TimeUnit.SECONDS));
      }
      int length = 100_003;
      float[][] in = Rings.inputs(world, length);
      float[] expected = new float[length];
      for (float[] x : in) {
        for (int i = 0; i < length; i++) {
          expected[i] += x[i];
        }
      }
      List<Collective> ranks = nodes.stream().map(RingNode::collective).toList();
      for (int round = 0; round < 2; round++) {  // the second reuses the links and sequence numbers go on
        float[][] copies = new float[world][];
        for (int r = 0; r < world; r++) {
          copies[r] = in[r].clone();
        }
        List<float[]> out = Rings.onAll(ranks, (r, c) -> c.allReduce(copies[r], ReduceOp.SUM));
        for (int r = 0; r < world; r++) {
          assertEquals(r, nodes.get(r).rank());
          assertArrayEquals(expected, out.get(r), "rank " + r + " round " + round);
        }
      }
      // Across JVMs with the side channel a barrier is a ring allreduce of one element per rank.
      Rings.onAll(ranks, (r, c) -> c.barrier().thenApply(v -> new float[0]));
      for (RingNode node : nodes) {
        akka.actor.testkit.typed.javadsl.TestProbe<Communicator.Stats> probe =
            akka.actor.testkit.typed.javadsl.TestProbe.create(node.system());
        node.communicator().tell(new Communicator.GetStats(probe.getRef()));
        Communicator.Stats stats = probe.receiveMessage(Duration.ofSeconds(30));
        assertEquals(0, stats.rejected(), String.valueOf(stats.lastRejection()));
        assertEquals(3, stats.completed());
        // 100_003 elements in 3 chunks of 64 KiB segments: 3 segments a chunk, 4 steps, 2 rounds; the
        // barrier: 1 segment a step
        assertEquals(sideChannel ? 2 * 4 * 3 + 4 : 0, node.sideChannelSegmentsSent());
        long acks = node.sideChannelAcksSent();
        assertTrue(sideChannel ? acks > 0 && acks <= 2 * 4 * 3 + 4 : acks == 0, "acknowledgements: " + acks);
      }
    } finally {
      nodes.forEach(RingNode::close);
      starters.shutdownNow();
    }
  }

  @Test
  void rankZeroAloneTimesOutNamingTheMissingRanks() throws Exception {
    int seedPort = freePort();
    TimeoutException e = assertThrows(TimeoutException.class, () -> RingNode.start(0, 3, "127.0.0.1", seedPort,
        seedPort, OVERRIDES, Duration.ofSeconds(3)));
    assertEquals("rank 0: ranks [1, 2] of 3 did not join in time", e.getMessage());
  }

  @Test
  void configFitsTheSegmentIntoArteryFrames() {
    Config c = RingNode.config(2, "127.0.0.1", 0, ConfigFactory.empty());
    assertEquals(RingNode.DEFAULT_SEGMENT_BYTES_OVER_SIDE_CHANNEL, c.getBytes("ddp4j.exchange.segment-bytes"));
    assertEquals(RingNode.DEFAULT_SEGMENT_BYTES_OVER_SIDE_CHANNEL + RingNode.FRAME_HEADROOM_BYTES,
        c.getBytes("akka.remote.artery.advanced.maximum-frame-size"));
    Config artery = RingNode.config(2, "127.0.0.1", 0,
        ConfigFactory.parseString(RingNode.BULK_TRANSPORT_KEY + " = artery"));
    assertEquals(RingNode.DEFAULT_SEGMENT_BYTES_ACROSS_JVMS, artery.getBytes("ddp4j.exchange.segment-bytes"));
    assertEquals(List.of("ddp4j-rank-2"), c.getStringList("akka.cluster.roles"));
    assertEquals(false, c.getBoolean("akka.actor.allow-java-serialization"));
    assertTrue(ExchangeSettings.fromConfig(c).segmentBytes() > 0);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
