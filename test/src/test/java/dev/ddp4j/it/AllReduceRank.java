package dev.ddp4j.it;

import com.typesafe.config.ConfigFactory;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.collective.RingNode;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One rank of the multi-JVM tests, run by {@link RankProcesses} as its own JVM: joins the ring, then
 * allreduces a buffer of integer-valued floats {@code iterations} times, checking every element of
 * every result against the sum it computes itself. Reports on stdout, one line per event, and by its
 * exit code: 0 all correct, 3 a collective failed, 4 a wrong result, 5 could not join.
 *
 * <p>Arguments: rank, world size, seed port, elements, iterations, collective timeout in ms, bulk
 * transport ({@code artery} or {@code tcp}).
 */
public final class AllReduceRank {
  static final int EXIT_COLLECTIVE_FAILED = 3;
  static final int EXIT_WRONG_RESULT = 4;
  static final int EXIT_NO_GROUP = 5;
  /** Most a single collective may take before this rank gives up waiting on its stage (the communicator's own timeout fires first). */
  private static final long STAGE_WAIT_SECONDS = 300;

  private AllReduceRank() {}

  /** Input of rank {@code rank} in iteration {@code it}: integers in [-8, 8], so every float sum is exact. */
  static float value(int rank, int it, int i) {
    return ((rank * 31 + i * 7 + it * 13) % 17) - 8;
  }

  public static void main(String[] args) throws Exception {
    int rank = Integer.parseInt(args[0]);
    int world = Integer.parseInt(args[1]);
    int seedPort = Integer.parseInt(args[2]);
    int elements = Integer.parseInt(args[3]);
    int iterations = Integer.parseInt(args[4]);
    long timeoutMs = Long.parseLong(args[5]);
    String transport = args[6];
    String tag = "rank " + rank + ": ";
    RingNode node;
    try {
      node = RingNode.start(rank, world, "127.0.0.1", rank == 0 ? seedPort : 0, seedPort,
          ConfigFactory.parseString("ddp4j.exchange.timeout = " + timeoutMs + "ms\nakka.loglevel = WARNING\n"
              + RingNode.BULK_TRANSPORT_KEY + " = " + transport),
          Duration.ofSeconds(90));
    } catch (Exception e) {
      System.out.println(tag + "NO GROUP: " + e);
      System.out.flush();
      System.exit(EXIT_NO_GROUP);
      return;
    }
    System.out.println(tag + "joined a ring of " + world + ", bulk segments over " + transport);
    int code = run(node.collective(), rank, world, elements, iterations, tag);
    System.out.flush();
    node.close();
    System.exit(code);
  }

  private static int run(Collective c, int rank, int world, int elements, int iterations, String tag)
      throws InterruptedException {
    float[] buffer = new float[elements];
    for (int it = 0; it < iterations; it++) {
      for (int i = 0; i < elements; i++) {
        buffer[i] = value(rank, it, i);
      }
      long t0 = System.nanoTime();
      try {
        c.allReduce(buffer, ReduceOp.SUM).toCompletableFuture().get(STAGE_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        System.out.println(tag + "FAILED: " + e.getCause().getMessage());
        return EXIT_COLLECTIVE_FAILED;
      } catch (java.util.concurrent.TimeoutException e) {
        System.out.println(tag + "FAILED: no result after " + STAGE_WAIT_SECONDS + " s");
        return EXIT_COLLECTIVE_FAILED;
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      for (int i = 0; i < elements; i++) {
        float expected = 0;
        for (int r = 0; r < world; r++) {
          expected += value(r, it, i);
        }
        if (buffer[i] != expected) {
          System.out.println(tag + "WRONG: allreduce " + it + " element " + i + " is " + buffer[i]
              + ", expected " + expected);
          return EXIT_WRONG_RESULT;
        }
      }
      System.out.println(tag + "allreduce " + it + " of " + elements + " floats correct in " + ms + " ms");
      System.out.flush();
    }
    System.out.println(tag + "DONE");
    return 0;
  }
}
