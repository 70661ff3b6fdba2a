package dev.ddp4j.exchange.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import dev.ddp4j.exchange.collective.Communicator.Command;
import dev.ddp4j.exchange.collective.Communicator.Stats;
import dev.ddp4j.exchange.collective.PeerMessage.Segment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Stale and malformed messages never get added in; a stopped, silent or lagging peer fails everyone, by name. */
class CommunicatorFaultTest {
  private static final ActorTestKit KIT = ActorTestKit.create("CommunicatorFaultTest");
  private static final Duration TIMEOUT = Duration.ofMillis(1500);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void staleGenerationAndFinishedCollectiveSegmentsAreDroppedNotAdded() throws Exception {
    int size = 3;
    List<ActorRef<Command>> refs = Rings.spawn(KIT, size, Rings.small());
    Rings.start(refs, 1);
    List<Collective> ranks = Rings.start(refs, 2);
    float[][] first = Rings.inputs(size, 40);
    float[] firstExpected = RingCollectivesTest.reduce(first, ReduceOp.SUM);
    assertArrayEquals(firstExpected, Rings.onAll(ranks, (r, c) -> c.allReduce(first[r], ReduceOp.SUM)).get(1));
    Stats before = stats(refs.get(1));

    float[] poison = new float[40];
    java.util.Arrays.fill(poison, 1000f);
    // Exactly the first segment rank 1 expected in collective #0, but of generation 1, then of finished #0.
    refs.get(1).tell(segment(1, 0, 40, poison));
    refs.get(1).tell(segment(2, 0, 40, poison));

    float[][] second = Rings.inputs(size, 40);
    float[] secondExpected = RingCollectivesTest.reduce(second, ReduceOp.SUM);
    List<float[]> out = Rings.onAll(ranks, (r, c) -> c.allReduce(second[r], ReduceOp.SUM));
    for (int r = 0; r < size; r++) {
      assertArrayEquals(secondExpected, out.get(r), "rank " + r);
    }
    Stats after = stats(refs.get(1));
    assertEquals(before.droppedStale() + 2, after.droppedStale());
    assertEquals(before.rejected(), after.rejected());
    assertEquals(new Stats(2, 1, 2, after.droppedStale(), 0, null), after);
  }

  @Test
  void malformedSegmentsAreRejectedAndTheResultIsUnaffected() throws Exception {
    int size = 3;
    int length = 40;  // chunks of 14, 13, 13; rank 1 first expects chunk 2 (offset 27) from rank 0
    List<ActorRef<Command>> refs = Rings.spawn(KIT, size, Rings.small());
    List<Collective> ranks = Rings.start(refs, 1);
    float[][] in = Rings.inputs(size, length);
    float[] expected = RingCollectivesTest.reduce(in, ReduceOp.SUM);
    List<CompletionStage<float[]>> stages = new ArrayList<>();
    stages.add(null);
    stages.add(ranks.get(1).allReduce(in[1], ReduceOp.SUM));  // rank 1 runs #0; rank 0 has not issued it
    stages.add(ranks.get(2).allReduce(in[2], ReduceOp.SUM));
    float[] junk = new float[64];
    java.util.Arrays.fill(junk, 1000f);
    ActorRef<Command> rank1 = refs.get(1);
    Segment good = segment(1, 0, length, junk);
    List<Segment> bad = List.of(
        with(good, good.elementOffset() + 1, good.elementCount()),  // bad offset
        with(good, good.elementOffset(), good.elementCount() + 1),  // bad length
        new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0, 27, 4, length, 0,
            WireFormat.BF16, junk, 0),                                  // wrong dtype
        new Segment(1, 1 << 20, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0, 27, 4, length,
            0, WireFormat.FLOAT32, junk, 0),                            // unknown collective
        new Segment(1, 0, CollectiveKind.BROADCAST, RingPhase.BROADCAST, 0, 0, 0, 0, 4, length, 0,
            WireFormat.FLOAT32, junk, 0),                               // wrong kind
        new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0, 27, 4, length + 1,
            0, WireFormat.FLOAT32, junk, 0),                            // mismatched buffer length
        new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0, 27, 4, length, 2,
            WireFormat.FLOAT32, junk, 0),                               // not the predecessor
        new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0, 27, 4, length, 7,
            WireFormat.FLOAT32, junk, 0));                              // not a rank at all
    bad.forEach(rank1::tell);
    Stats stats = stats(rank1);
    assertEquals(bad.size(), stats.rejected());
    assertEquals("Segment from rank 7: sender rank 7 is not a peer in a group of 3", stats.lastRejection());

    stages.set(0, ranks.get(0).allReduce(in[0], ReduceOp.SUM));
    List<float[]> out = Rings.join(stages);
    for (int r = 0; r < size; r++) {
      assertArrayEquals(expected, out.get(r), "rank " + r);
    }
    assertEquals(bad.size(), stats(rank1).rejected());
  }

  @Test
  void eachMalformedSegmentIsRejectedWithItsReason() {
    int length = 40;
    List<ActorRef<Command>> refs = Rings.spawn(KIT, 3, Rings.small());
    List<Collective> ranks = Rings.start(refs, 1);
    ranks.get(1).allReduce(new float[length], ReduceOp.SUM);
    float[] junk = new float[64];
    Segment good = segment(1, 0, length, junk);
    assertRejected(refs.get(1), with(good, 28, 4),
        "Segment from rank 0: expected REDUCE_SCATTER step 0 chunk 2 segment 0 at offset 27 with 4 elements,"
            + " got REDUCE_SCATTER step 0 chunk 2 segment 0 at offset 28 with 4 elements");
    assertRejected(refs.get(1), with(good, 27, 5),
        "Segment from rank 0: expected REDUCE_SCATTER step 0 chunk 2 segment 0 at offset 27 with 4 elements,"
            + " got REDUCE_SCATTER step 0 chunk 2 segment 0 at offset 27 with 5 elements");
    assertRejected(refs.get(1), new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0,
            27, 4, length, 0, WireFormat.BF16, junk, 0),
        "Segment from rank 0: dtype BF16 does not match this rank's FLOAT32");
    assertRejected(refs.get(1), new Segment(1, 1 << 20, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0,
            2, 0, 27, 4, length, 0, WireFormat.FLOAT32, junk, 0),
        "Segment from rank 0: unknown collective #1048576: this rank has completed 0");
    assertRejected(refs.get(1), new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0,
            27, 4, 41, 0, WireFormat.FLOAT32, junk, 0),
        "Segment from rank 0: buffer of 41 elements does not match this rank's 40");
    assertRejected(refs.get(1), new Segment(1, 0, CollectiveKind.BROADCAST, RingPhase.BROADCAST, 0, 0, 0, 0, 4,
            length, 0, WireFormat.FLOAT32, junk, 0),
        "Segment from rank 0: kind BROADCAST does not match this rank's ALL_REDUCE");
    assertRejected(refs.get(1), new Segment(1, 0, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0,
            27, 4, length, 2, WireFormat.FLOAT32, junk, 0),
        "Segment from rank 2: rank 2 is not the ring predecessor (rank 0)");
  }

  @Test
  void stoppedPeerFailsEverySurvivorNamingIt() throws Exception {
    int size = 4;
    List<ActorRef<Command>> refs = Rings.spawn(KIT, size, Rings.small().withTimeout(Duration.ofSeconds(30)));
    List<Collective> ranks = Rings.start(refs, 1);
    List<CompletionStage<float[]>> stages = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      stages.add(ranks.get(r).allReduce(Rings.input(r, 20_000), ReduceOp.SUM));
    }
    long start = System.nanoTime();
    KIT.stop(refs.get(2));
    for (int r : new int[] {0, 1, 3}) {
      CollectiveException e = failure(stages.get(r));
      String prefix = "collective #0 ALL_REDUCE (generation 1) failed on rank " + r
          + ": rank 2 stopped or became unreachable";
      assertTrue(e.getMessage().equals(prefix) || e.getMessage().matches(
          java.util.regex.Pattern.quote(prefix) + " \\(reported by rank [013]\\)"), e.getMessage());
      assertEquals(OptionalInt.of(2), e.culpritRank());
    }
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "death watch, not the 30 s timeout");
    // The generation stays failed: a later collective fails at once with the same cause.
    CollectiveException later = failure(ranks.get(0).barrier().thenApply(v -> new float[0]));
    assertTrue(later.getMessage().startsWith(
        "collective #1 BARRIER (generation 1) failed on rank 0: rank 2 stopped or became unreachable"),
        later.getMessage());
  }

  @Test
  void survivorsRunTheNextGenerationAfterAFailure() throws Exception {
    List<ActorRef<Command>> refs = Rings.spawn(KIT, 4, Rings.small());
    List<Collective> ranks = Rings.start(refs, 1);
    CompletionStage<float[]> lost = ranks.get(0).allReduce(new float[10], ReduceOp.SUM);
    KIT.stop(refs.get(3));
    failure(lost);
    List<ActorRef<Command>> survivors = refs.subList(0, 3);
    List<Collective> next = Rings.start(survivors, 2);
    float[][] in = Rings.inputs(3, 77);
    float[] expected = RingCollectivesTest.reduce(in, ReduceOp.AVG);
    for (float[] out : Rings.onAll(next, (r, c) -> c.allReduce(in[r], ReduceOp.AVG))) {
      assertArrayEquals(expected, out);
    }
  }

  @Test
  void silentPeerFailsEverySurvivorWithinTheTimeoutNamingIt() throws Exception {
    List<ActorRef<Command>> refs = Rings.spawn(KIT, 2, Rings.small().withTimeout(TIMEOUT));
    TestProbe<Command> silent = KIT.createTestProbe();
    refs.add(silent.getRef());  // rank 2: alive, never answers
    List<Collective> ranks = Rings.start(refs, 1);
    long start = System.nanoTime();
    List<CompletionStage<float[]>> stages = List.of(
        ranks.get(0).allReduce(new float[1000], ReduceOp.SUM), ranks.get(1).allReduce(new float[1000], ReduceOp.SUM));
    for (int r = 0; r < 2; r++) {
      CollectiveException e = failure(stages.get(r));
      String prefix = "collective #0 ALL_REDUCE (generation 1) failed on rank " + r
          + ": rank 2 did not answer within 1500 ms";
      assertTrue(e.getMessage().equals(prefix) || e.getMessage().equals(prefix + " (reported by rank " + (1 - r) + ")"),
          e.getMessage());
      assertEquals(OptionalInt.of(2), e.culpritRank());
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(elapsedMs >= TIMEOUT.toMillis() - 100 && elapsedMs < TIMEOUT.toMillis() + 3000,
        "failed after " + elapsedMs + " ms");
  }

  @Test
  void rankThatNeverIssuesIsNamedAndFailsToo() throws Exception {
    List<ActorRef<Command>> refs = Rings.spawn(KIT, 3, Rings.small().withTimeout(TIMEOUT));
    List<Collective> ranks = Rings.start(refs, 1);
    List<CompletionStage<float[]>> stages = List.of(
        ranks.get(0).allReduce(new float[10], ReduceOp.SUM), ranks.get(1).allReduce(new float[10], ReduceOp.SUM));
    for (int r = 0; r < 2; r++) {
      CollectiveException e = failure(stages.get(r));
      String prefix = "collective #0 ALL_REDUCE (generation 1) failed on rank " + r
          + ": rank 2 had not issued collective #0 within 1500 ms";
      assertTrue(e.getMessage().equals(prefix) || e.getMessage().equals(prefix + " (reported by rank " + (1 - r) + ")"),
          e.getMessage());
    }
    CollectiveException late = failure(ranks.get(2).allReduce(new float[10], ReduceOp.SUM));
    assertTrue(late.getMessage().matches(java.util.regex.Pattern.quote(
        "collective #0 ALL_REDUCE (generation 1) failed on rank 2: rank 2 had not issued collective #0 within 1500 ms"
            + " (reported by rank ") + "[01]\\)"), late.getMessage());
    assertEquals(OptionalInt.of(2), late.culpritRank());
  }

  @Test
  void collectiveBeforeAnyGroupFailsAtOnce() throws Exception {
    ActorRef<Command> lone = KIT.spawn(Communicator.create(Rings.small()));
    CollectiveException e = failure(Communicator.collective(lone).allReduce(new float[1], ReduceOp.SUM));
    assertEquals("ALL_REDUCE issued before the communicator joined a process group", e.getMessage());
    assertEquals(OptionalInt.empty(), e.culpritRank());
  }

  @Test
  void communicatorWithUnusableSettingsFailsCollectivesInsteadOfStopping() throws Exception {
    ActorTestKit remote = ActorTestKit.create("UnusableSettings", com.typesafe.config.ConfigFactory.parseString(
        "ddp4j.exchange.segment-bytes = 7").withFallback(com.typesafe.config.ConfigFactory.load()));
    try {
      ActorRef<Command> broken = remote.spawn(Communicator.create());
      CollectiveException e = failure(Communicator.collective(broken).barrier());
      assertEquals("communicator cannot run: ddp4j.exchange.segment-bytes must be a positive multiple of 4, got 7",
          e.getMessage());
    } finally {
      remote.shutdownTestKit();
    }
  }

  @Test
  void badBroadcastRootFailsTheGenerationEverywhere() throws Exception {
    List<Collective> ranks = Rings.start(Rings.spawn(KIT, 2, Rings.small()), 1);
    CompletionStage<float[]> other = ranks.get(1).broadcast(new float[3], 1);
    CollectiveException e = failure(ranks.get(0).broadcast(new float[3], 5));
    assertEquals("collective #0 BROADCAST (generation 1) failed on rank 0: rank 0 cannot run collective #0:"
        + " broadcast root 5 is not a rank of a group of 2", e.getMessage());
    assertEquals("collective #0 BROADCAST (generation 1) failed on rank 1: rank 0 cannot run collective #0:"
        + " broadcast root 5 is not a rank of a group of 2 (reported by rank 0)", failure(other).getMessage());
  }

  private static void assertRejected(ActorRef<Command> ref, Segment s, String expected) {
    ref.tell(s);
    assertEquals(expected, stats(ref).lastRejection());
  }

  /** A segment as rank 0 of a 3-rank ring sends it first to rank 1 in an allreduce of {@code length}. */
  private static Segment segment(long generation, long sequence, int length, float[] data) {
    ChunkLayout layout = new ChunkLayout(length, 3, 4);
    return new Segment(generation, sequence, CollectiveKind.ALL_REDUCE, RingPhase.REDUCE_SCATTER, 0, 2, 0,
        layout.segmentOffset(2, 0), layout.segmentLength(2, 0), length, 0, WireFormat.FLOAT32, data, 0);
  }

  private static Segment with(Segment s, int offset, int count) {
    return new Segment(s.generation(), s.sequence(), s.kind(), s.phase(), s.step(), s.chunk(), s.segment(),
        offset, count, s.totalElements(), s.senderRank(), s.format(), s.data(), s.dataOffset());
  }

  static Stats stats(ActorRef<Command> ref) {
    TestProbe<Stats> probe = KIT.createTestProbe();
    ref.tell(new Communicator.GetStats(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(Rings.WAIT_SECONDS));
  }

  static CollectiveException failure(CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> stage.toCompletableFuture().get(Rings.WAIT_SECONDS, TimeUnit.SECONDS));
    return assertInstanceOf(CollectiveException.class, e.getCause());
  }
}
