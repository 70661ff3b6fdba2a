package dev.ddp4j.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ddp4j bench allreduce} in one JVM: one JSON line per size with NCCL's bandwidth definitions. */
class BenchAllreduceCommandTest {

  @Test
  void inProcessJsonLinesCarryTheSizeAndBandwidths() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream saved = System.out;
    int code;
    try {
      System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
      code = Main.execute("bench", "allreduce", "--ranks", "3", "--in-process", "--json", "--sizes", "1KiB,12",
          "--warmup-seconds", "0.2");
    } finally {
      System.setOut(saved);
    }
    assertEquals(0, code);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    ObjectMapper json = new ObjectMapper();
    long[] sizes = {1024, 12};
    for (int i = 0; i < 2; i++) {
      JsonNode o = json.readTree(lines.get(i));
      assertEquals(List.of("ranks", "bytes", "median_s", "algbw_gbps", "busbw_gbps"),
          List.copyOf(iterable(o.fieldNames())));
      assertEquals(3, o.get("ranks").asInt());
      assertEquals(sizes[i], o.get("bytes").asLong());
      double t = o.get("median_s").asDouble();
      assertTrue(t > 0, lines.get(i));
      assertEquals(sizes[i] / t / 1e9, o.get("algbw_gbps").asDouble(), 1e-6 + 1e-3 * sizes[i] / t / 1e9);
      assertEquals(o.get("algbw_gbps").asDouble() * 4 / 3, o.get("busbw_gbps").asDouble(), 1e-5);
    }
  }

  @Test
  void sizeThatIsNotWholeFloatsIsAUsageError() {
    assertUsageError("a size must be a positive multiple of 4 bytes that fits one float array, got '10'",
        "--sizes", "10");
  }

  @Test
  void negativeWarmupIsAUsageError() {
    assertUsageError("--warmup-seconds must be between 0 and 600.0, got -1.0", "--warmup-seconds", "-1");
  }

  /** {@code bench allreduce --in-process ARGS} exits with 2 and says {@code message} on stderr. */
  private static void assertUsageError(String message, String... args) {
    StringWriter err = new StringWriter();
    CommandLine cmd = Main.commandLine();
    cmd.setErr(new PrintWriter(err, true));
    List<String> all = new java.util.ArrayList<>(List.of("bench", "allreduce", "--in-process"));
    all.addAll(List.of(args));
    assertEquals(2, cmd.execute(all.toArray(String[]::new)));
    assertTrue(err.toString().contains(message), err.toString());
  }

  private static <T> List<T> iterable(java.util.Iterator<T> it) {
    java.util.ArrayList<T> list = new java.util.ArrayList<>();
    it.forEachRemaining(list::add);
    return list;
  }
}
