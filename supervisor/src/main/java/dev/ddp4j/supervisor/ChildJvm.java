package dev.ddp4j.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A JVM started by this one on the same classpath (a local rank, a benchmark peer): its stdout and
 * stderr, merged, are copied line by line to a log file and kept, time-stamped, for
 * {@link #awaitLine}. {@link #close()} kills it (SIGKILL) if it still runs, so a
 * try-with-resources block never leaves one behind.
 *
 * <p>Threads: one daemon thread per child copies its output; every method may be called from any thread.
 */
public final class ChildJvm implements AutoCloseable {
  /** How long {@link #close()} waits for a killed child to be gone. */
  public static final Duration KILL_WAIT = Duration.ofSeconds(10);

  /** A line of the child's output and when this JVM read it ({@link System#nanoTime()}). */
  public record Line(long nanos, String text) {}

  private final String name;
  private final Process process;
  private final Path log;
  private final List<Line> lines = new ArrayList<>();
  private final Thread pump;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.pump = new Thread(this::copyOutput, "output of " + name);
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * The JVM options this JVM was started with that a child needs too ({@code --add-modules}, GC and
   * stack flags, system properties), without debugger or profiler agents, and without heap sizes when
   * {@code heap} replaces them ({@code -Xmx<heap>}).
   *
   * @param heap a heap size such as {@code 600m}, or null to keep this JVM's
   */
  public static List<String> inheritedJvmFlags(String heap) {
    List<String> flags = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean agent = arg.startsWith("-agentlib") || arg.startsWith("-javaagent") || arg.startsWith("-Xrunjdwp");
      boolean heapSize = heap != null && (arg.startsWith("-Xmx") || arg.startsWith("-Xms"));
      if (!agent && !heapSize) {
        flags.add(arg);
      }
    }
    if (heap != null) {
      flags.add("-Xmx" + heap);
    }
    return flags;
  }

  /** This JVM's classpath: the {@code java.class.path} property. */
  public static String classPath() {
    return System.getProperty("java.class.path");
  }

  /**
   * Starts {@code java <jvmFlags> -cp <classPath> <mainClass> <args>} with this JVM's {@code java}.
   *
   * @param name for thread names and messages, e.g. "rank 2"
   * @param log file that receives the child's output (created or truncated)
   */
  public static ChildJvm start(String name, List<String> jvmFlags, String classPath, String mainClass,
      List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags);
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(log, "# " + String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putIfAbsent("OPENBLAS_NUM_THREADS", "1");
    return new ChildJvm(name, pb.start(), log);
  }

  /** The name given at start. */
  public String name() {
    return name;
  }

  /** The process. */
  public Process process() {
    return process;
  }

  /** The log file. */
  public Path log() {
    return log;
  }

  /** The lines read so far. */
  public List<Line> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  /**
   * Waits for the first line (from the start) that matches {@code match}.
   *
   * @throws TimeoutException if none came within {@code timeout} or the child's output ended first;
   *     the message names the child and its log
   */
  public Line awaitLine(Predicate<String> match, Duration timeout) throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      int seen = 0;
      while (true) {
        for (; seen < lines.size(); seen++) {
          if (match.test(lines.get(seen).text())) {
            return lines.get(seen);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || !pump.isAlive()) {
          throw new TimeoutException(name + ": expected line did not come within " + timeout.toMillis()
              + " ms (alive: " + process.isAlive() + "); see " + log);
        }
        TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /**
   * Waits for the child to exit and for its output to be copied.
   *
   * @return the exit code
   * @throws TimeoutException if it still runs after {@code timeout} (it is left running: {@link #close()} kills it)
   */
  public int waitFor(Duration timeout) throws TimeoutException, InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(name + " still runs after " + timeout.toMillis() + " ms; see " + log);
    }
    pump.join(KILL_WAIT.toMillis());
    return process.exitValue();
  }

  /** Kills the child with SIGKILL (no shutdown hooks run) and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Kills the child if it still runs; never throws. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void copyOutput() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        long now = System.nanoTime();
        out.write(line);
        out.write(System.lineSeparator());
        out.flush();
        synchronized (lines) {
          lines.add(new Line(now, line));
          lines.notifyAll();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": copying output to " + log, e);
    } finally {
      synchronized (lines) {
        lines.notifyAll();
      }
    }
  }
}
