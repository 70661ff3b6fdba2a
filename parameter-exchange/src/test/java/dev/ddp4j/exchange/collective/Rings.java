package dev.ddp4j.exchange.collective;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/** Test helpers: spawn the communicators of a ring in one actor system and drive them. */
final class Rings {
  /** Generous: the test machine has two cores and other work on them. */
  static final long WAIT_SECONDS = 60;

  private Rings() {}

  /** Small segments and a small window, so that short buffers already stream and wait for credit. */
  static ExchangeSettings small() {
    return new ExchangeSettings(16, 2, Duration.ofSeconds(20));
  }

  static List<ActorRef<Communicator.Command>> spawn(ActorTestKit kit, int size, ExchangeSettings settings) {
    List<ActorRef<Communicator.Command>> refs = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      refs.add(kit.spawn(Communicator.create(settings)));
    }
    return refs;
  }

  /** Starts generation {@code generation} on every member of {@code refs} and returns their collectives in rank order. */
  static List<Collective> start(List<ActorRef<Communicator.Command>> refs, long generation) {
    ProcessGroup group = new ProcessGroup(generation, refs);
    List<Collective> collectives = new ArrayList<>();
    for (ActorRef<Communicator.Command> ref : refs) {
      ref.tell(new Communicator.NewGeneration(group));
      collectives.add(Communicator.collective(ref));
    }
    return collectives;
  }

  /** Issues one collective per rank (rank order) and waits for all of them. */
  static <T> List<T> onAll(List<Collective> ranks, RankCall<T> call) throws Exception {
    List<CompletionStage<T>> stages = new ArrayList<>();
    for (int r = 0; r < ranks.size(); r++) {
      stages.add(call.issue(r, ranks.get(r)));
    }
    return join(stages);
  }

  static <T> List<T> join(List<CompletionStage<T>> stages) throws Exception {
    List<T> results = new ArrayList<>();
    for (CompletionStage<T> s : stages) {
      results.add(s.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
    return results;
  }

  /** Integer-valued test input of rank {@code rank}: small values, so every float sum is exact. */
  static float[] input(int rank, int length) {
    float[] a = new float[length];
    for (int i = 0; i < length; i++) {
      a[i] = ((rank * 31 + i * 7) % 17) - 8;
    }
    return a;
  }

  static float[][] inputs(int size, int length) {
    float[][] in = new float[size][];
    for (int r = 0; r < size; r++) {
      in[r] = input(r, length);
    }
    return in;
  }

  /** One rank's call of a collective. */
  @FunctionalInterface
  interface RankCall<T> {
    CompletionStage<T> issue(int rank, Collective c);
  }
}
