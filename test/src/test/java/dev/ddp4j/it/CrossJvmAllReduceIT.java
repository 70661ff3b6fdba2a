package dev.ddp4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ddp4j.supervisor.ChildJvm;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ranks in separate JVMs on 127.0.0.1 meet through {@code RingNode} and allreduce 100 MB (25M
 * integer-valued floats), with the bulk segments over Artery and over the TCP side channel; every rank
 * checks every element of its result and reports it.
 */
class CrossJvmAllReduceIT {
  /** 25M float32 = 100 MB per rank. */
  static final int ELEMENTS = 25_000_000;
  private static final int ITERATIONS = 2;
  private static final Duration COLLECTIVE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(150);

  @ParameterizedTest(name = "{0} ranks, bulk over {1}")
  @CsvSource({"2, artery", "4, artery", "2, tcp", "4, tcp"})
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void allReduceOf100MbIsExactOnEveryRank(int world, String transport) throws Exception {
    long t0 = System.nanoTime();
    try (RankProcesses ranks = new RankProcesses("allreduce-" + world + "-ranks-" + transport, world, ELEMENTS,
        ITERATIONS, COLLECTIVE_TIMEOUT, transport)) {
      for (int r = 0; r < world; r++) {
        ChildJvm rank = ranks.rank(r);
        assertEquals(0, rank.waitFor(RUN_TIMEOUT), rank.name() + " failed; see " + rank.log());
        for (int it = 0; it < ITERATIONS; it++) {
          String ok = "rank " + r + ": allreduce " + it + " of " + ELEMENTS + " floats correct";
          rank.awaitLine(line -> line.startsWith(ok), Duration.ZERO);
        }
        rank.awaitLine("rank %d: DONE".formatted(r)::equals, Duration.ZERO);
      }
      System.out.printf("%d ranks over %s: 100 MB allreduce x%d checked on every rank in %.1f s"
          + " (JVM start and join included)%n", world, transport, ITERATIONS, (System.nanoTime() - t0) / 1e9);
    }
  }
}
