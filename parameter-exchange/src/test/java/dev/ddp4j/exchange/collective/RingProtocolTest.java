package dev.ddp4j.exchange.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.ddp4j.exchange.collective.Communicator.Command;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import dev.ddp4j.exchange.collective.PeerMessage.SegmentAck;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The wire protocol seen from a scripted peer: which segments come, in what order, and never beyond the window. */
class RingProtocolTest {
  private static final ActorTestKit KIT = ActorTestKit.create("RingProtocolTest");
  private static final Duration QUIET = Duration.ofMillis(300);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void allReduceOfTwoRanksFollowsTheRingScheduleWithinTheWindow() throws Exception {
    // Rank 0 is a communicator; rank 1 is this test. Segments of 4 elements, window of 1.
    ActorRef<Command> rank0 = KIT.spawn(Communicator.create(new ExchangeSettings(16, 1, Duration.ofSeconds(20))));
    TestProbe<Command> rank1 = KIT.createTestProbe();
    ProcessGroup group = new ProcessGroup(5, List.of(rank0, rank1.getRef()));
    rank0.tell(new Communicator.NewGeneration(group));
    float[] mine = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};  // chunks: [0, 6) and [6, 11)
    CompletionStage<float[]> result = Communicator.collective(rank0).allReduce(mine, ReduceOp.SUM);

    // a. Reduce-scatter step 0: rank 0 sends chunk 1 (two segments) but only one fits the window.
    Segment rs0 = rank1.expectMessageClass(Segment.class);
    assertSegment(rs0, RingPhase.REDUCE_SCATTER, 1, 0, 6, new float[] {7, 8, 9, 10});
    rank1.expectNoMessage(QUIET);
    rank0.tell(new SegmentAck(5, 0, 1, 1));
    assertSegment(rank1.expectMessageClass(Segment.class), RingPhase.REDUCE_SCATTER, 1, 1, 10, new float[] {11});

    // b. Rank 1 sends chunk 0; rank 0 completes it, acknowledges, and queues the all-gather segment.
    rank0.tell(new Segment(5, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 0, 0, 0, 4, 11, 1,
        WireFormat.FLOAT32, new float[] {100, 100, 100, 100}, 0));
    assertEquals(new SegmentAck(5, 0, 0, 1), rank1.expectMessageClass(SegmentAck.class));
    rank1.expectNoMessage(QUIET);  // the window is full: reduce-scatter segment 1 is unacknowledged
    rank0.tell(new SegmentAck(5, 0, 1, 2));
    assertSegment(rank1.expectMessageClass(Segment.class), RingPhase.ALL_GATHER, 0, 0, 0,
        new float[] {101, 102, 103, 104});
    rank0.tell(new Segment(5, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 0, 1, 4, 2, 11, 1,
        WireFormat.FLOAT32, new float[] {0, 0, 100, 100}, 2));
    assertEquals(new SegmentAck(5, 0, 0, 2), rank1.expectMessageClass(SegmentAck.class));
    rank0.tell(new SegmentAck(5, 0, 1, 3));
    assertSegment(rank1.expectMessageClass(Segment.class), RingPhase.ALL_GATHER, 0, 1, 4, new float[] {105, 106});

    // c. All-gather: rank 1 sends its finished chunk 1; rank 0 copies it and completes once all is acknowledged.
    rank0.tell(new Segment(5, 0, CollectiveKind.ALL_REDUCE, RingPhase.ALL_GATHER, 0, 1, 0, 6, 4, 11, 1,
        WireFormat.FLOAT32, new float[] {-1, -2, -3, -4}, 0));
    rank0.tell(new Segment(5, 0, CollectiveKind.ALL_REDUCE, RingPhase.ALL_GATHER, 0, 1, 1, 10, 1, 11, 1,
        WireFormat.FLOAT32, new float[] {-5}, 0));
    assertEquals(new SegmentAck(5, 0, 0, 3), rank1.expectMessageClass(SegmentAck.class));
    assertEquals(new SegmentAck(5, 0, 0, 4), rank1.expectMessageClass(SegmentAck.class));
    Thread.sleep(QUIET.toMillis());
    assertFalse(result.toCompletableFuture().isDone(), "rank 0's last segment is not acknowledged yet");
    rank0.tell(new SegmentAck(5, 0, 1, 4));
    assertArrayEquals(new float[] {101, 102, 103, 104, 105, 106, -1, -2, -3, -4, -5},
        result.toCompletableFuture().get(Rings.WAIT_SECONDS, TimeUnit.SECONDS));
    rank1.expectNoMessage(QUIET);
  }

  @Test
  void barrierArrivesAtRankZeroAndWaitsForTheRelease() throws Exception {
    ActorRef<Command> rank1 = KIT.spawn(Communicator.create(Rings.small()));
    TestProbe<Command> rank0 = KIT.createTestProbe();
    rank1.tell(new Communicator.NewGeneration(new ProcessGroup(2, List.of(rank0.getRef(), rank1))));
    CompletionStage<Void> barrier = Communicator.collective(rank1).barrier();
    assertEquals(new PeerMessage.BarrierArrive(2, 0, 1), rank0.expectMessageClass(PeerMessage.BarrierArrive.class));
    Thread.sleep(QUIET.toMillis());
    assertFalse(barrier.toCompletableFuture().isDone());
    rank1.tell(new PeerMessage.BarrierRelease(2, 0, 0));
    barrier.toCompletableFuture().get(Rings.WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private static void assertSegment(Segment s, RingPhase phase, int chunk, int segment, int offset, float[] values) {
    assertEquals(List.of(5L, 0L, CollectiveKind.ALL_REDUCE, phase, 0, chunk, segment, offset, values.length, 11, 0,
            WireFormat.FLOAT32),
        List.of(s.generation(), s.sequence(), s.kind(), s.phase(), s.step(), s.chunk(), s.segment(),
            s.elementOffset(), s.elementCount(), s.totalElements(), s.senderRank(), s.format()));
    assertArrayEquals(values, Arrays.copyOfRange(s.data(), s.dataOffset(), s.dataOffset() + s.elementCount()));
  }
}
