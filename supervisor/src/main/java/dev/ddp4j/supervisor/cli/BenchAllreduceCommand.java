package dev.ddp4j.supervisor.cli;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ddp4j.exchange.collective.Collective;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ExchangeSettings;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.exchange.collective.ReduceOp;
import dev.ddp4j.exchange.collective.RingNode;
import dev.ddp4j.supervisor.ChildJvm;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ddp4j bench allreduce}: float32 ring allreduce (SUM) time and bandwidth per buffer size, as
 * NCCL's tests define them: algbw = bytes / t, busbw = algbw x 2(N-1)/N. Each iteration refills the
 * buffer (untimed), passes a barrier and times one allreduce; an iteration's time is the largest over
 * the ranks; the median over the iterations after warm-up is reported (the method of the gloo peer
 * benchmark, so the figures compare). Before that plan, each size repeats the same untimed iterations
 * for {@code --warmup-seconds} (5 s unless set): the JIT compiles the path first, as a JVM benchmark
 * harness (JMH) would do, where gloo is compiled C++ and its 20 warm-up iterations suffice;
 * {@code --warmup-seconds 0} runs the peer's plan alone, from a cold JVM.
 *
 * <p>Ranks are separate JVMs on 127.0.0.1 (this one is rank 0 and starts the others on its own
 * classpath and JVM flags; they meet through {@link RingNode}), or with {@code --in-process} actor
 * threads of this JVM that pass buffers by reference.
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
    description = {"Measures float32 allreduce (SUM) across ranks: median time, algbw = bytes/t, "
        + "busbw = algbw*2(N-1)/N (GB/s).",
        "Compare with PyTorch gloo (the peer script gloo_allreduce.py) run beside it."})
public final class BenchAllreduceCommand implements Callable<Integer> {
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration CHILD_EXIT_TIMEOUT = Duration.ofSeconds(60);
  private static final double MAX_WARMUP_SECONDS = 600;
  /** Iterations timed to size the warm-up. */
  private static final int WARMUP_PROBES = 5;

  @Spec
  private CommandSpec spec;

  @Option(names = "--ranks", paramLabel = "N", defaultValue = "2", description = "Number of ranks (default: ${DEFAULT-VALUE}).")
  private int ranks;

  @Option(names = "--in-process", description = "Run all ranks in this JVM (no serialization) instead of one JVM each.")
  private boolean inProcess;

  @Option(names = "--json", description = "Print one JSON object per size instead of a table.")
  private boolean json;

  @Option(names = "--sizes", split = ",", paramLabel = "SIZE", defaultValue = "1KiB,64KiB,1MiB,16MiB,100MiB",
      description = "Buffer sizes in bytes (suffixes KiB, MiB, GiB), a multiple of 4 (default: ${DEFAULT-VALUE}).")
  private String[] sizes;

  @Option(names = "--segment-bytes", paramLabel = "BYTES",
      description = "Segment payload (default across JVMs: 4 MiB over the TCP side channel, 1 MiB over Artery; "
          + "ddp4j.exchange.segment-bytes in process).")
  private String segmentBytes;

  @Option(names = "--window", paramLabel = "SEGMENTS", description = "Unacknowledged segments per link (default: ddp4j.exchange.window).")
  private Integer window;

  @Option(names = "--transport", paramLabel = "artery|tcp",
      description = "Path of bulk segments across JVMs: Akka's Artery or the TCP side channel "
          + "(default: " + RingNode.BULK_TRANSPORT_KEY + ").")
  private String transport;

  @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
      description = "Untimed iterations of each size for about S seconds before its timed plan, so that the JIT "
          + "has compiled the path (default: ${DEFAULT-VALUE}; 0: the gloo peer's plan alone, from a cold JVM).")
  private double warmupSeconds;

  @Option(names = "--child-rank", hidden = true, defaultValue = "-1")
  private int childRank;

  @Option(names = "--seed-port", hidden = true, defaultValue = "0")
  private int seedPort;

  @Override
  public Integer call() throws Exception {
    if (ranks < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--ranks must be >= 1, got " + ranks);
    }
    if (!(warmupSeconds >= 0) || warmupSeconds > MAX_WARMUP_SECONDS) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--warmup-seconds must be between 0 and " + MAX_WARMUP_SECONDS + ", got " + warmupSeconds);
    }
    long[] bytes = new long[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      bytes[i] = parseBytes(sizes[i]);
    }
    Config overrides = overrides();
    if (childRank >= 0) {
      try (RingNode node = RingNode.start(childRank, ranks, "127.0.0.1", 0, seedPort, overrides, JOIN_TIMEOUT)) {
        runRank(node.collective(), node.rank(), ranks, bytes, null);
      }
      return 0;
    }
    PrintStream out = System.out;
    if (!json) {
      out.printf(Locale.ROOT, "# allreduce float32 SUM, %d ranks, %s; %s%n", ranks,
          inProcess ? "one JVM (buffers by reference)" : "one JVM each on 127.0.0.1, bulk segments over "
              + overrides.withFallback(ConfigFactory.load()).getString(RingNode.BULK_TRANSPORT_KEY),
          warmupSeconds > 0 ? String.format(Locale.ROOT, "each size warmed up for %.1f s first", warmupSeconds)
              : "no warm-up beyond the peer's plan");
      out.printf(Locale.ROOT, "%10s %8s %14s %12s %12s%n", "bytes", "iters", "median", "algbw GB/s", "busbw GB/s");
    }
    if (inProcess) {
      runInProcess(bytes, overrides, out);
    } else {
      runAcrossJvms(bytes, overrides, out);
    }
    return 0;
  }

  private Config overrides() {
    StringBuilder hocon = new StringBuilder("akka.loglevel = WARNING\n");
    if (segmentBytes != null) {
      hocon.append("ddp4j.exchange.segment-bytes = ").append(parseBytes(segmentBytes)).append('\n');
    }
    if (window != null) {
      hocon.append("ddp4j.exchange.window = ").append(window).append('\n');
    }
    if (transport != null) {
      if (!transport.equals("artery") && !transport.equals("tcp")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--transport must be artery or tcp, got " + transport);
      }
      hocon.append(RingNode.BULK_TRANSPORT_KEY).append(" = ").append(transport).append('\n');
    }
    return ConfigFactory.parseString(hocon.toString());
  }

  private void runAcrossJvms(long[] bytes, Config overrides, PrintStream out) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path logs = Files.createTempDirectory("ddp4j-bench-allreduce-");
    List<ChildJvm> children = new ArrayList<>();
    try {
      List<String> args = new ArrayList<>(List.of("bench", "allreduce", "--ranks", String.valueOf(ranks),
          "--sizes", String.join(",", sizes), "--seed-port", String.valueOf(port)));
      if (segmentBytes != null) {
        args.addAll(List.of("--segment-bytes", segmentBytes));
      }
      if (window != null) {
        args.addAll(List.of("--window", String.valueOf(window)));
      }
      args.addAll(List.of("--warmup-seconds", String.valueOf(warmupSeconds)));
      if (transport != null) {
        args.addAll(List.of("--transport", transport));
      }
      for (int r = 1; r < ranks; r++) {
        List<String> rankArgs = new ArrayList<>(args);
        rankArgs.addAll(List.of("--child-rank", String.valueOf(r)));
        children.add(ChildJvm.start("rank " + r, ChildJvm.inheritedJvmFlags(null), ChildJvm.classPath(),
            Main.class.getName(), rankArgs, logs.resolve("rank-" + r + ".log")));
      }
      try (RingNode node = RingNode.start(0, ranks, "127.0.0.1", port, port, overrides, JOIN_TIMEOUT)) {
        runRank(node.collective(), 0, ranks, bytes, out);
      }
      for (ChildJvm child : children) {
        int code = child.waitFor(CHILD_EXIT_TIMEOUT);
        if (code != 0) {
          throw new IllegalStateException(child.name() + " exited with " + code + "; see " + child.log());
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage() + " (rank logs in " + logs + ")", e);
    } finally {
      children.forEach(ChildJvm::close);
    }
  }

  private void runInProcess(long[] bytes, Config overrides, PrintStream out) throws Exception {
    Config config = overrides.withFallback(ConfigFactory.load());
    ExchangeSettings settings = ExchangeSettings.fromConfig(config);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench-allreduce", config);
    ExecutorService threads = Executors.newFixedThreadPool(ranks);
    try {
      List<ActorRef<Communicator.Command>> refs = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        refs.add(system.systemActorOf(Communicator.create(settings), "communicator-" + r,
            akka.actor.typed.Props.empty()));
      }
      ProcessGroup group = new ProcessGroup(RingNode.FIRST_GENERATION, refs);
      refs.forEach(ref -> ref.tell(new Communicator.NewGeneration(group)));
      List<Future<?>> runs = new ArrayList<>();
      for (int r = 0; r < ranks; r++) {
        int rank = r;
        Collective c = Communicator.collective(refs.get(r));
        runs.add(threads.submit(() -> {
          runRank(c, rank, ranks, bytes, rank == 0 ? out : null);
          return null;
        }));
      }
      for (Future<?> f : runs) {
        f.get();
      }
    } finally {
      threads.shutdownNow();
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** One rank's part, identical on every rank; rank 0 ({@code out} not null) prints. */
  private void runRank(Collective c, int rank, int world, long[] bytes, PrintStream out) throws Exception {
    for (long size : bytes) {
      int n = (int) (size / Float.BYTES);
      int[] plan = plan(size);
      int warm = plan[0];
      int iters = plan[1];
      float[] buffer = new float[n];
      float[] times = new float[iters];
      jitWarmup(c, rank, buffer);
      for (int it = 0; it < warm + iters; it++) {
        Arrays.fill(buffer, 1f);
        get(c.barrier());
        long t0 = System.nanoTime();
        get(c.allReduce(buffer, ReduceOp.SUM));
        long dt = System.nanoTime() - t0;
        if (it >= warm) {
          times[it - warm] = (float) (dt * 1e-9);
        }
      }
      for (int i = 0; i < n; i++) {
        if (buffer[i] != world) {
          throw new IllegalStateException("rank " + rank + ": wrong allreduce result " + buffer[i] + " at " + i
              + " of " + n + ", expected " + world);
        }
      }
      float[] slowest = get(c.allReduce(times, ReduceOp.MAX));
      if (out != null) {
        report(out, world, size, iters, median(slowest));
      }
    }
  }

  private void report(PrintStream out, int world, long size, int iters, double median) {
    double algbw = size / median / 1e9;
    double busbw = algbw * 2 * (world - 1) / world;
    if (json) {
      out.printf(Locale.ROOT, "{\"ranks\":%d,\"bytes\":%d,\"median_s\":%.9f,\"algbw_gbps\":%.6f,\"busbw_gbps\":%.6f}%n",
          world, size, median, algbw, busbw);
    } else {
      out.printf(Locale.ROOT, "%10d %8d %11.1f us %12.4f %12.4f%n", size, iters, median * 1e6, algbw, busbw);
    }
    out.flush();
  }

  /**
   * Repeats the timed loop's iteration (refill, barrier, allreduce), untimed, for about
   * {@link #warmupSeconds}: rank 0 times a few and all ranks take its count (a MAX allreduce), so that
   * every rank issues the same collectives.
   */
  private void jitWarmup(Collective c, int rank, float[] buffer) throws Exception {
    if (warmupSeconds <= 0) {
      return;
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < WARMUP_PROBES; i++) {
      untimedIteration(c, buffer);
    }
    double perIteration = (System.nanoTime() - t0) / 1e9 / WARMUP_PROBES;
    float[] count = {rank == 0 ? (float) Math.min(1e6, Math.ceil(warmupSeconds / perIteration)) : 0f};
    int more = (int) get(c.allReduce(count, ReduceOp.MAX))[0];
    for (int i = 0; i < more; i++) {
      untimedIteration(c, buffer);
    }
  }

  /** One iteration of the timed loop, untimed: refill, barrier, allreduce. */
  private static void untimedIteration(Collective c, float[] buffer) throws Exception {
    Arrays.fill(buffer, 1f);
    get(c.barrier());
    get(c.allReduce(buffer, ReduceOp.SUM));
  }

  /** Warm-up and measured iterations for a size: the gloo peer benchmark's plan. */
  static int[] plan(long bytes) {
    if (bytes <= 4 << 10) {
      return new int[] {20, 200};
    } else if (bytes <= 256 << 10) {
      return new int[] {20, 100};
    } else if (bytes <= 4 << 20) {
      return new int[] {10, 50};
    } else if (bytes <= 32 << 20) {
      return new int[] {3, 20};
    }
    return new int[] {2, 10};
  }

  static double median(float[] values) {
    float[] s = values.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : (s[m - 1] + (double) s[m]) / 2;
  }

  /** Parses "4096", "64KiB", "1MiB", "1GiB" into bytes; must be a positive multiple of 4. */
  long parseBytes(String text) {
    String t = text.trim();
    long unit = 1;
    for (String[] u : new String[][] {{"KiB", "1024"}, {"MiB", "1048576"}, {"GiB", "1073741824"}, {"B", "1"}}) {
      if (t.endsWith(u[0])) {
        unit = Long.parseLong(u[1]);
        t = t.substring(0, t.length() - u[0].length()).trim();
        break;
      }
    }
    long value;
    try {
      value = Long.parseLong(t) * unit;
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "not a size in bytes: '" + text + "'");
    }
    if (value <= 0 || value % Float.BYTES != 0 || value / Float.BYTES > Integer.MAX_VALUE - 8) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "a size must be a positive multiple of 4 bytes that fits one float array, got '" + text + "'");
    }
    return value;
  }

  private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
