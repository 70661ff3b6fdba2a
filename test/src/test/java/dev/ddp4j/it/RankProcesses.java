package dev.ddp4j.it;

import dev.ddp4j.supervisor.ChildJvm;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The rank JVMs of one test: {@link AllReduceRank} started N times on this JVM's classpath and flags
 * (heap {@link #RANK_HEAP}), logs under {@code target/it-logs/<test>/rank-<r>.log}. {@link #close()}
 * kills whatever still runs, so a test that fails or times out leaves no JVM behind.
 */
final class RankProcesses implements AutoCloseable {
  /** Heap of one rank JVM: a 100 MB buffer, Artery's buffers and received segments fit with room. */
  static final String RANK_HEAP = "600m";

  private final List<ChildJvm> ranks = new ArrayList<>();

  /**
   * Starts ranks 0..{@code world}-1.
   *
   * @param timeout the communicators' collective timeout
   * @param transport the bulk transport, {@code artery} or {@code tcp}
   */
  RankProcesses(String test, int world, int elements, int iterations, Duration timeout, String transport)
      throws IOException {
    int seedPort = freePort();
    List<String> flags = new ArrayList<>(ChildJvm.inheritedJvmFlags(RANK_HEAP));
    if (flags.stream().noneMatch(f -> f.startsWith("-XX:+Use") && f.endsWith("GC"))) {
      flags.add("-XX:+UseParallelGC");  // as the ./ddp4j launcher: G1's concurrent threads compete for 2 cores
    }
    Path logs = Path.of("target", "it-logs", test);
    try {
      for (int r = 0; r < world; r++) {
        ranks.add(ChildJvm.start("rank " + r, flags, ChildJvm.classPath(), AllReduceRank.class.getName(),
            List.of(String.valueOf(r), String.valueOf(world), String.valueOf(seedPort), String.valueOf(elements),
                String.valueOf(iterations), String.valueOf(timeout.toMillis()), transport),
            logs.resolve("rank-" + r + ".log")));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  ChildJvm rank(int r) {
    return ranks.get(r);
  }

  int size() {
    return ranks.size();
  }

  @Override
  public void close() {
    ranks.forEach(ChildJvm::close);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
