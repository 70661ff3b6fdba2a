package dev.ddp4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.supervisor.ChildJvm;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A rank killed with SIGKILL in the middle of a 100 MB allreduce: every survivor's collective fails
 * within the configured timeout with an error that names the killed rank, and its JVM exits. Likewise
 * for a rank stopped with SIGSTOP (alive, but taking no data): over the TCP side channel its predecessor's
 * communicator writes segments itself, and such a write must not hold it past the timeout.
 */
class RankKilledIT {
  private static final int WORLD = 3;
  private static final int VICTIM = 1;
  private static final Duration COLLECTIVE_TIMEOUT = Duration.ofSeconds(6);
  /** Slack over the timeout: liveness ticks (a twentieth of it), the abort's hop, reading the child's output. */
  private static final Duration REPORT_SLACK = Duration.ofSeconds(4);

  @ParameterizedTest(name = "bulk over {0}")
  @ValueSource(strings = {"artery", "tcp"})
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void survivorsFailWithinTheTimeoutNamingTheKilledRank(String transport) throws Exception {
    try (RankProcesses ranks = new RankProcesses("rank-killed-" + transport, WORLD, CrossJvmAllReduceIT.ELEMENTS,
        1000, COLLECTIVE_TIMEOUT, transport)) {
      for (int r = 0; r < WORLD; r++) {
        String first = "rank " + r + ": allreduce 0 ";
        ranks.rank(r).awaitLine(line -> line.startsWith(first), Duration.ofSeconds(120));
      }
      // The next allreduces follow back to back: let the ring get into one, then kill.
      Thread.sleep(300);
      ChildJvm victim = ranks.rank(VICTIM);
      long killedAt = System.nanoTime();
      victim.kill();
      assertFalse(victim.process().isAlive());
      assertSurvivorsFail(ranks, killedAt);
    }
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void survivorsOfAStoppedRankFailWithinTheTimeoutNamingIt() throws Exception {
    try (RankProcesses ranks = new RankProcesses("rank-stopped-tcp", WORLD, CrossJvmAllReduceIT.ELEMENTS, 1000,
        COLLECTIVE_TIMEOUT, "tcp")) {
      for (int r = 0; r < WORLD; r++) {
        String first = "rank " + r + ": allreduce 0 ";
        ranks.rank(r).awaitLine(line -> line.startsWith(first), Duration.ofSeconds(120));
      }
      Thread.sleep(300);
      ChildJvm victim = ranks.rank(VICTIM);
      long stoppedAt = System.nanoTime();
      Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(victim.process().pid())).inheritIO().start();
      assertEquals(0, stop.waitFor(), "kill -STOP failed");
      try {
        assertSurvivorsFail(ranks, stoppedAt);
      } finally {
        victim.kill();  // SIGKILL ends a stopped process too
      }
    }
  }

  /** Every rank but the victim reports a failure naming it, within the timeout and the slack, and exits. */
  private static void assertSurvivorsFail(RankProcesses ranks, long since) throws Exception {
    for (int r = 0; r < WORLD; r++) {
      if (r == VICTIM) {
        continue;
      }
      ChildJvm survivor = ranks.rank(r);
      String prefix = "rank " + r + ": FAILED: ";
      ChildJvm.Line failed = survivor.awaitLine(line -> line.startsWith(prefix),
          COLLECTIVE_TIMEOUT.plus(REPORT_SLACK).plusSeconds(20));
      double seconds = (failed.nanos() - since) / 1e9;
      System.out.printf("%s failed %.2f s after rank %d was stopped or killed: %s%n", survivor.name(), seconds, VICTIM,
          failed.text());
      assertTrue(failed.text().contains("rank " + VICTIM + " "), failed.text());
      assertTrue(failed.text().matches(
          "rank \\d: FAILED: collective #\\d+ ALL_REDUCE \\(generation 1\\) failed on rank \\d: .*"), failed.text());
      assertTrue(seconds <= COLLECTIVE_TIMEOUT.plus(REPORT_SLACK).toSeconds(),
          survivor.name() + " took " + seconds + " s to fail");
      assertEquals(AllReduceRank.EXIT_COLLECTIVE_FAILED, survivor.waitFor(Duration.ofSeconds(60)),
          survivor.name() + " exit code; see " + survivor.log());
    }
  }
}
