package dev.ddp4j.exchange.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ddp4j.exchange.collective.Bf16;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.CollectiveException;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.collective.WireFormat;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two ranks in two actor systems of one JVM, talking over Artery TCP on 127.0.0.1: segments really
 * go through {@link CollectiveSerializer}'s ByteBuffer path into Artery's frames, with the module's
 * default segment size. (The multi-JVM tests of the {@code test} module kill real processes.)
 */
class ArteryRingTest {
  private static final Config REMOTE = ConfigFactory.parseString("""
      akka.actor.provider = remote
      akka.remote.artery.transport = tcp
      akka.remote.artery.canonical.hostname = 127.0.0.1
      akka.remote.artery.canonical.port = 0
      akka.remote.artery.advanced.maximum-frame-size = 512KiB
      # Remote death watch without Akka Cluster (the supervisor will run a cluster, where it is on).
      akka.remote.use-unsafe-remote-features-outside-cluster = on
      ddp4j.exchange.timeout = 20s
      """).withFallback(ConfigFactory.load());

  @Test
  void ringOverArteryReducesExactlyAndFailsWhenTheOtherSystemGoes() throws Exception {
    ActorTestKit a = ActorTestKit.create("RankA", REMOTE);
    ActorTestKit b = ActorTestKit.create("RankB", REMOTE);
    try {
      ActorRef<Communicator.Command> c0 = a.spawn(Communicator.create(), "communicator");
      ActorRef<Communicator.Command> c1 = b.spawn(Communicator.create(), "communicator");
      ActorRef<Communicator.Command> c1SeenFromA = resolve(a, b, c1);
      ActorRef<Communicator.Command> c0SeenFromB = resolve(b, a, c0);
      c0.tell(new Communicator.NewGeneration(new ProcessGroup(1, List.of(c0, c1SeenFromA))));
      c1.tell(new Communicator.NewGeneration(new ProcessGroup(1, List.of(c0SeenFromB, c1))));
      Collective rank0 = Communicator.collective(c0);
      Collective rank1 = Communicator.collective(c1);

      int length = (1 << 20) + 3;  // 4 MiB: two chunks of 8 segments of 256 KiB each
      float[] x0 = new float[length];
      float[] x1 = new float[length];
      float[] expected = new float[length];
      for (int i = 0; i < length; i++) {
        x0[i] = i % 1000;
        x1[i] = -(i % 77) + 0.5f;
        expected[i] = x0[i] + x1[i];
      }
      float[] y0 = x0.clone();
      float[] y1 = x1.clone();
      CompletionStage<float[]> s0 = rank0.allReduce(x0, ReduceOp.SUM);
      CompletionStage<float[]> s1 = rank1.allReduce(x1, ReduceOp.SUM);
      CompletionStage<float[]> b0 = rank0.allReduce(y0, ReduceOp.SUM, WireFormat.BF16);
      CompletionStage<float[]> b1 = rank1.allReduce(y1, ReduceOp.SUM, WireFormat.BF16);
      CompletionStage<Void> barrier0 = rank0.barrier();
      CompletionStage<Void> barrier1 = rank1.barrier();
      assertArrayEquals(expected, get(s0));
      assertArrayEquals(expected, get(s1));
      float[] bf0 = get(b0);
      float[] bf1 = get(b1);
      assertArrayEquals(bf0, bf1);
      for (int i = 0; i < length; i += 997) {
        assertEquals(Bf16.round(bf0[i]), bf0[i]);
        assertEquals(expected[i], bf0[i], Math.abs(x0[i]) * 0x1p-7 + Math.abs(x1[i]) * 0x1p-7 + 1e-6);
      }
      barrier0.toCompletableFuture().get(60, TimeUnit.SECONDS);
      barrier1.toCompletableFuture().get(60, TimeUnit.SECONDS);
      for (ActorRef<Communicator.Command> c : List.of(c0, c1)) {
        TestProbe<Communicator.Stats> probe = (c == c0 ? a : b).createTestProbe();
        c.tell(new Communicator.GetStats(probe.getRef()));
        Communicator.Stats stats = probe.receiveMessage(Duration.ofSeconds(30));
        assertEquals(3, stats.completed());
        assertEquals(0, stats.rejected(), String.valueOf(stats.lastRejection()));
      }

      CompletionStage<float[]> orphan = rank0.allReduce(new float[10], ReduceOp.SUM);
      b.shutdownTestKit();
      ExecutionException e = assertThrows(ExecutionException.class, () -> get(orphan));
      CollectiveException failure = assertInstanceOf(CollectiveException.class, e.getCause());
      assertTrue(failure.getMessage().startsWith("collective #3 ALL_REDUCE (generation 1) failed on rank 0: rank 1 "),
          failure.getMessage());
      assertEquals(OptionalInt.of(1), failure.culpritRank());
    } finally {
      a.shutdownTestKit();
      b.shutdownTestKit();
    }
  }

  private static ActorRef<Communicator.Command> resolve(ActorTestKit in, ActorTestKit owner,
      ActorRef<Communicator.Command> ref) {
    String path = ActorRefResolver.get(owner.system()).toSerializationFormat(ref);
    return ActorRefResolver.get(in.system()).resolveActorRef(path);
  }

  private static float[] get(CompletionStage<float[]> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
