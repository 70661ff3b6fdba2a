package dev.ddp4j.exchange.ddp;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Test helper: N ranks in one JVM, each on its own compute thread, with communicators in one actor system. */
final class Ranks {
  static final long WAIT_SECONDS = 60;

  private Ranks() {}

  /** What one rank does on its compute thread. */
  @FunctionalInterface
  interface Body<T> {
    T run(int rank, int worldSize, Collective collective) throws Exception;
  }

  /** Runs {@code body} on {@code n} fresh ranks and returns their results in rank order; rethrows a rank's failure. */
  static <T> List<T> run(ActorTestKit kit, int n, Body<T> body) throws Exception {
    List<ActorRef<Communicator.Command>> refs = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      refs.add(kit.spawn(Communicator.create()));
    }
    ProcessGroup group = new ProcessGroup(0, refs);
    for (ActorRef<Communicator.Command> ref : refs) {
      ref.tell(new Communicator.NewGeneration(group));
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        Collective c = Communicator.collective(refs.get(r));
        futures.add(pool.submit(() -> body.run(rank, n, c)));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          out.add(f.get(WAIT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Exception ex) {
            throw ex;
          }
          throw e;
        }
      }
      return out;
    } finally {
      // The communicators stay until the test kit shuts down: stopping one would fail its idle peers' generation.
      pool.shutdownNow();
    }
  }
}
