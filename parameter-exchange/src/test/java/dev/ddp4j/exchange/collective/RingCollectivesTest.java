package dev.ddp4j.exchange.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every collective's result equals a direct computation, for world sizes 1..8 and awkward lengths. */
class RingCollectivesTest {
  private static final ActorTestKit KIT = ActorTestKit.create("RingCollectivesTest");

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static List<Integer> lengths(int size) {
    TreeSet<Integer> set = new TreeSet<>(List.of(0, 1, Math.max(0, size - 1), 2, 3, 5, 7, 13, 31, 97, 1009));
    set.add(size * 4 + 1);
    return new ArrayList<>(set);
  }

  @Test
  void everyCollectiveMatchesDirectComputationForWorldSizesOneToEight() throws Exception {
    for (int size = 1; size <= 8; size++) {
      List<Collective> ranks = Rings.start(Rings.spawn(KIT, size, Rings.small()), 1);
      for (int length : lengths(size)) {
        checkAll(ranks, size, length);
      }
    }
  }

  @Test
  void tenMillionElementAllReduceIsExactWithDefaultSegments() throws Exception {
    int size = 3;
    int length = 10_000_000;
    List<Collective> ranks = Rings.start(Rings.spawn(KIT, size, Rings.small().withSegmentBytes(
        ExchangeSettings.DEFAULT_SEGMENT_BYTES).withWindow(16)), 1);
    float[][] in = Rings.inputs(size, length);
    float[] expected = reduce(in, ReduceOp.SUM);
    List<float[]> out = Rings.onAll(ranks, (r, c) -> c.allReduce(in[r], ReduceOp.SUM));
    for (int r = 0; r < size; r++) {
      assertTrue(Arrays.equals(expected, out.get(r)), "rank " + r);
      assertTrue(out.get(r) == in[r], "allReduce works in place");
    }
  }

  @Test
  void collectivesInFlightCompleteInIssueOrderWithCorrectResults() throws Exception {
    int size = 4;
    List<Collective> ranks = Rings.start(Rings.spawn(KIT, size, Rings.small()), 1);
    int count = 24;
    List<Queue<Integer>> order = new ArrayList<>();
    List<List<CompletionStage<float[]>>> stages = new ArrayList<>();
    float[][][] inputs = new float[count][][];
    float[][] expected = new float[count][];
    for (int k = 0; k < count; k++) {
      inputs[k] = Rings.inputs(size, 50 + 7 * k);
      expected[k] = k % 4 == 0 ? reduce(inputs[k], ReduceOp.SUM) : inputs[k][k % size].clone();
    }
    // Rank 0 issues last, after the others have streamed into it: early segments must wait, not be lost.
    for (int r = size - 1; r >= 0; r--) {
      Queue<Integer> done = new ConcurrentLinkedQueue<>();
      order.add(0, done);
      List<CompletionStage<float[]>> mine = new ArrayList<>();
      for (int k = 0; k < count; k++) {
        int kk = k;
        CompletionStage<float[]> s = switch (k % 4) {
          case 0 -> ranks.get(r).allReduce(inputs[k][r], ReduceOp.SUM);
          case 1 -> ranks.get(r).broadcast(inputs[k][r], k % size);
          case 2 -> ranks.get(r).barrier().thenApply(v -> new float[0]);
          default -> ranks.get(r).allReduce(new float[0], ReduceOp.MAX);
        };
        mine.add(s.whenComplete((v, e) -> done.add(kk)));
      }
      stages.add(0, mine);
      if (r == 1) {
        Thread.sleep(100);
      }
    }
    for (int r = 0; r < size; r++) {
      List<float[]> results = Rings.join(stages.get(r));
      for (int k = 0; k < count; k += 4) {
        assertArrayEquals(expected[k], results.get(k), "allReduce #" + k + " rank " + r);
        assertArrayEquals(expected[k + 1], results.get(k + 1), "broadcast #" + (k + 1) + " rank " + r);
        assertEquals(0, results.get(k + 2).length, "barrier #" + (k + 2));
        assertEquals(0, results.get(k + 3).length, "empty allReduce #" + (k + 3));
      }
    }
    List<Integer> issueOrder = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      issueOrder.add(k);
    }
    for (int r = 0; r < size; r++) {
      assertEquals(issueOrder, new ArrayList<>(order.get(r)), "completion order on rank " + r);
    }
  }

  @Test
  void predecessorRunningAheadThroughEmptyCollectivesLosesNothing() throws Exception {
    int size = 3;
    List<Collective> ranks = Rings.start(Rings.spawn(KIT, size, Rings.small()), 1);
    float[][] in = Rings.inputs(size, 101);
    float[] expected = reduce(in, ReduceOp.SUM);
    List<List<CompletionStage<float[]>>> stages = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      stages.add(new ArrayList<>());
    }
    for (int r : new int[] {0, 2, 1}) {  // rank 1's predecessor, rank 0, gets three collectives ahead
      for (int k = 0; k < 3; k++) {
        stages.get(r).add(ranks.get(r).allReduce(new float[0], ReduceOp.SUM));
      }
      stages.get(r).add(ranks.get(r).allReduce(in[r], ReduceOp.SUM));
      Thread.sleep(50);
    }
    for (int r = 0; r < size; r++) {
      assertArrayEquals(expected, Rings.join(stages.get(r)).get(3), "rank " + r);
    }
  }

  @Test
  void messagesOfAGenerationNotStartedYetAreKeptAndHandledInOrder() throws Exception {
    int size = 3;
    List<akka.actor.typed.ActorRef<Communicator.Command>> refs = Rings.spawn(KIT, size, Rings.small());
    ProcessGroup group = new ProcessGroup(4, refs);
    float[][] in = Rings.inputs(size, 61);
    float[] expected = reduce(in, ReduceOp.SUM);
    List<CompletionStage<float[]>> stages = new ArrayList<>();
    for (int r = 1; r < size; r++) {  // rank 0 hears of generation 4 only after its peers have sent to it
      refs.get(r).tell(new Communicator.NewGeneration(group));
      stages.add(Communicator.collective(refs.get(r)).allReduce(in[r], ReduceOp.SUM));
    }
    Thread.sleep(100);
    refs.get(0).tell(new Communicator.NewGeneration(group));
    stages.add(0, Communicator.collective(refs.get(0)).allReduce(in[0], ReduceOp.SUM));
    for (float[] out : Rings.join(stages)) {
      assertArrayEquals(expected, out);
    }
  }

  private static void checkAll(List<Collective> ranks, int size, int length) throws Exception {
    String where = "size " + size + ", length " + length;
    for (ReduceOp op : ReduceOp.values()) {
      float[][] in = Rings.inputs(size, length);
      float[] expected = reduce(in, op);
      List<float[]> out = Rings.onAll(ranks, (r, c) -> c.allReduce(in[r], op));
      for (int r = 0; r < size; r++) {
        assertArrayEquals(expected, out.get(r), "allReduce " + op + ", " + where + ", rank " + r);
      }
    }
    int root = length % size;
    float[][] bc = Rings.inputs(size, length);
    float[] rootData = bc[root].clone();
    List<float[]> broadcast = Rings.onAll(ranks, (r, c) -> c.broadcast(bc[r], root));
    for (int r = 0; r < size; r++) {
      assertArrayEquals(rootData, broadcast.get(r), "broadcast from " + root + ", " + where + ", rank " + r);
    }
    float[][] ag = Rings.inputs(size, length);
    float[] all = new float[size * length];
    for (int r = 0; r < size; r++) {
      System.arraycopy(ag[r], 0, all, r * length, length);
    }
    List<float[]> gathered = Rings.onAll(ranks, (r, c) -> c.allGather(ag[r]));
    for (int r = 0; r < size; r++) {
      assertArrayEquals(all, gathered.get(r), "allGather, " + where + ", rank " + r);
    }
    float[][] rs = Rings.inputs(size, length);
    float[] sum = reduce(rs, ReduceOp.SUM);
    List<float[]> scattered = Rings.onAll(ranks, (r, c) -> c.reduceScatter(rs[r], ReduceOp.SUM));
    ChunkLayout layout = new ChunkLayout(length, size, 1);
    for (int r = 0; r < size; r++) {
      int off = layout.chunkOffset(r);
      assertArrayEquals(Arrays.copyOfRange(sum, off, off + layout.chunkLength(r)), scattered.get(r),
          "reduceScatter, " + where + ", rank " + r);
    }
    Rings.onAll(ranks, (r, c) -> c.barrier());
  }

  /** The reduction computed directly, element by element, in double (exact on these inputs). */
  static float[] reduce(float[][] in, ReduceOp op) {
    int length = in[0].length;
    float[] out = new float[length];
    for (int i = 0; i < length; i++) {
      double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0;
      for (float[] rank : in) {
        acc = op == ReduceOp.MAX ? Math.max(acc, rank[i]) : acc + rank[i];
      }
      out[i] = op == ReduceOp.AVG ? (float) acc / in.length : (float) acc;
    }
    return out;
  }
}
