package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import dev.ddp4j.exchange.collective.Bf16;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ExchangeSettings;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.collective.WireFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The same collectives with every peer message serialized and deserialized on the way
 * ({@code akka.actor.serialize-messages = on}) as across JVMs, against ranks that share buffers by
 * reference: the results are bit-identical, bf16 included.
 */
class WirePathTest {
  private static final int SIZE = 3;
  private static final int LENGTH = 1001;
  private static final ExchangeSettings SETTINGS = new ExchangeSettings(64, 3, Duration.ofSeconds(20));

  @Test
  void serializedAndByReferenceRingsGiveBitIdenticalResults() throws Exception {
    List<List<float[]>> byReference = run(false);
    List<List<float[]>> serialized = run(true);
    assertEquals(byReference.size(), serialized.size());
    for (int k = 0; k < byReference.size(); k++) {
      for (int r = 0; r < SIZE; r++) {
        assertArrayEquals(byReference.get(k).get(r), serialized.get(k).get(r), "collective " + k + " rank " + r);
      }
    }
  }

  @Test
  void bf16AllReduceIsRoundedIdenticalOnEveryRankAndCloseToTheExactSum() throws Exception {
    List<float[]> out = run(true).get(0);
    float[][] in = inputs();
    for (int i = 0; i < LENGTH; i++) {
      double exact = 0;
      double magnitude = 0;
      for (float[] rank : in) {
        exact += rank[i];
        magnitude += Math.abs(rank[i]);
      }
      float v = out.get(0)[i];
      assertEquals(Bf16.round(v), v, "element " + i + " is a bfloat16");
      // At most one rounding (relative 2^-8) per hop and one at the end, each of at most the magnitude.
      assertEquals(exact, v, magnitude * SIZE * 0x1p-8, "element " + i);
      for (int r = 1; r < SIZE; r++) {
        assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(out.get(r)[i]), "rank " + r);
      }
    }
    float[] f32 = run(true).get(1).get(0);
    assertNotEquals(0, java.util.Arrays.compare(f32, out.get(0)), "float32 keeps more bits than bf16");
  }

  /** Runs bf16 allreduce, float32 allreduce, broadcast, allgather, reduce-scatter and barrier; per collective, per rank. */
  private static List<List<float[]>> run(boolean serialize) throws Exception {
    ActorTestKit kit = ActorTestKit.create("WirePathTest",
        ConfigFactory.parseString("akka.actor.serialize-messages = " + (serialize ? "on" : "off"))
            .withFallback(ConfigFactory.load()));
    try {
      List<ActorRef<Communicator.Command>> refs = new ArrayList<>();
      for (int r = 0; r < SIZE; r++) {
        refs.add(kit.spawn(Communicator.create(SETTINGS)));
      }
      ProcessGroup group = new ProcessGroup(1, refs);
      List<Collective> ranks = new ArrayList<>();
      for (ActorRef<Communicator.Command> ref : refs) {
        ref.tell(new Communicator.NewGeneration(group));
        ranks.add(Communicator.collective(ref));
      }
      List<List<CompletionStage<float[]>>> stages = new ArrayList<>();
      float[][] a = inputs();
      float[][] b = inputs();
      float[][] c = inputs();
      float[][] d = inputs();
      float[][] e = inputs();
      for (int r = 0; r < SIZE; r++) {
        Collective x = ranks.get(r);
        stages.add(List.of(
            x.allReduce(a[r], ReduceOp.SUM, WireFormat.BF16),
            x.allReduce(b[r], ReduceOp.AVG),
            x.broadcast(c[r], 2),
            x.allGather(d[r]),
            x.reduceScatter(e[r], ReduceOp.MAX),
            x.barrier().thenApply(v -> new float[0])));
      }
      List<List<float[]>> byCollective = new ArrayList<>();
      for (int k = 0; k < stages.get(0).size(); k++) {
        List<float[]> perRank = new ArrayList<>();
        for (int r = 0; r < SIZE; r++) {
          perRank.add(stages.get(r).get(k).toCompletableFuture().get(60, TimeUnit.SECONDS));
        }
        byCollective.add(perRank);
      }
      return byCollective;
    } finally {
      kit.shutdownTestKit();
    }
  }

  /** Non-integer values spread over many binades, so that bf16 rounding shows. */
  private static float[][] inputs() {
    float[][] in = new float[SIZE][LENGTH];
    java.util.Random random = new java.util.Random(42);
    for (int r = 0; r < SIZE; r++) {
      for (int i = 0; i < LENGTH; i++) {
        in[r][i] = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(20) - 10));
      }
    }
    assertTrue(in[0][0] != 0);
    return in;
  }
}
