package dev.ddp4j.supervisor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.io.SafeTensors;
import dev.ddp4j.tensor.models.Models;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TrainCommandTest {
  private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

  @TempDir
  Path dir;

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = Main.commandLine();
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int code = cmd.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static List<JsonNode> jsonLines(Path file) throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(json.readTree(line));
    }
    return lines;
  }

  @Test
  void xorTrainsToFullAccuracyAndWritesMetricsLines() throws Exception {
    Path metrics = dir.resolve("xor.jsonl");
    Run r = run("train", "--model", "xor", "--epochs", "600", "--metrics", metrics.toString(), "--no-progress");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonNode> lines = jsonLines(metrics);
    JsonNode last = lines.get(lines.size() - 1);
    assertEquals("done", last.get("event").asText());
    assertEquals(1.0, last.get("test_accuracy").asDouble());
    JsonNode epoch = lines.get(lines.size() - 2);
    assertEquals("epoch", epoch.get("event").asText());
    assertEquals(600, epoch.get("epoch").asInt());
    assertEquals(1, epoch.get("world_size").asInt());
    for (String key : List.of("train_loss", "test_loss", "test_accuracy", "samples_per_sec", "epoch_seconds")) {
      assertTrue(epoch.get(key).isNumber(), key + " missing in " + epoch);
    }
  }

  @Test
  void mlpOnASliceOfFashionMnistSavesWeightsTheModelLoads() throws Exception {
    assumeTrue(Files.isDirectory(FASHION_MNIST), "Fashion-MNIST is not installed at " + FASHION_MNIST
        + " (apt-get install dataset-fashion-mnist)");
    Path metrics = dir.resolve("mlp.jsonl");
    Path weights = dir.resolve("mlp.safetensors");
    Run r = run("train", "--epochs", "2", "--train-limit", "2000", "--test-limit", "500", "--threads", "1",
        "--metrics", metrics.toString(), "--save", weights.toString(), "--no-progress");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonNode> lines = jsonLines(metrics);
    assertEquals(3, lines.size());
    assertEquals(1, lines.get(0).get("epoch").asInt());
    assertEquals(2, lines.get(1).get("epoch").asInt());
    assertTrue(lines.get(1).get("test_accuracy").asDouble() > 0.5, lines.get(1).toString());
    assertTrue(lines.get(1).get("train_loss").asDouble() < lines.get(0).get("train_loss").asDouble());
    Map<String, Tensor> state = SafeTensors.load(weights);
    Models.mlp().loadStateDict(state, true);
    assertEquals("mlp", SafeTensors.metadata(weights).get("ddp4j.model"));
  }

  /** The JIT warm-up's scratch steps leave the run's weights bit for bit as they are without it. */
  @Test
  void theWarmUpDoesNotChangeTheTrainedWeights() throws Exception {
    assumeTrue(Files.isDirectory(FASHION_MNIST), "Fashion-MNIST is not installed at " + FASHION_MNIST
        + " (apt-get install dataset-fashion-mnist)");
    Map<String, float[]> trained = new java.util.HashMap<>();
    for (String warm : List.of("warm", "cold")) {
      Path weights = dir.resolve(warm + ".safetensors");
      List<String> args = new ArrayList<>(List.of("train", "--epochs", "1", "--train-limit", "1000", "--test-limit",
          "200", "--threads", "1", "--save", weights.toString(), "--no-progress"));
      if (warm.equals("cold")) {
        args.add("--no-warmup");
      }
      Run r = run(args.toArray(new String[0]));
      assertEquals(0, r.exitCode(), r.err());
      trained.put(warm, SafeTensors.load(weights).get("1.weight").toFloatArray());
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(trained.get("cold"), trained.get("warm"));
  }

  @Test
  void twoRanksInOneJvmReportTheWorldAndTheStepTimeline() throws Exception {
    assumeTrue(Files.isDirectory(FASHION_MNIST), "Fashion-MNIST is not installed at " + FASHION_MNIST
        + " (apt-get install dataset-fashion-mnist)");
    Path metrics = dir.resolve("ddp.jsonl");
    Path weights = dir.resolve("ddp.safetensors");
    Run r = run("train", "--ranks", "2", "--in-process", "--epochs", "2", "--train-limit", "1000", "--test-limit",
        "300", "--batch-size", "25", "--metrics", metrics.toString(), "--save", weights.toString(), "--no-progress");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonNode> lines = jsonLines(metrics);
    assertEquals(3, lines.size(), lines.toString());
    for (int e = 0; e < 2; e++) {
      JsonNode epoch = lines.get(e);
      assertEquals(e + 1, epoch.get("epoch").asInt());
      assertEquals(2, epoch.get("world_size").asInt());
      assertEquals(20, epoch.get("steps").asInt()); // 500 examples per rank, 25 per step
      JsonNode step = epoch.get("step_ms_median");
      assertTrue(step.get("forward").asDouble() > 0 && step.get("backward").asDouble() > 0
          && step.get("allreduce").asDouble() > 0, epoch.toString());
      double hidden = epoch.get("comm_hidden_fraction").asDouble();
      assertTrue(hidden >= 0 && hidden <= 1, epoch.toString());
    }
    assertTrue(lines.get(1).get("train_loss").asDouble() < lines.get(0).get("train_loss").asDouble());
    assertTrue(lines.get(1).get("test_accuracy").asDouble() > 0.5, lines.get(1).toString());
    JsonNode done = lines.get(2);
    assertEquals("done", done.get("event").asText());
    assertEquals(2, done.get("world_size").asInt());
    assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), done.get("threads_per_rank").asInt(),
        "the cores split over the ranks: " + done);
    Models.mlp().loadStateDict(SafeTensors.load(weights), true);
    assertEquals("2", SafeTensors.metadata(weights).get("ddp4j.world_size"));
  }

  @Test
  void bf16AutocastTrainsTheMlp() throws Exception {
    assumeTrue(Files.isDirectory(FASHION_MNIST), "Fashion-MNIST is not installed at " + FASHION_MNIST
        + " (apt-get install dataset-fashion-mnist)");
    Path metrics = dir.resolve("amp.jsonl");
    Run r = run("train", "--amp", "bf16", "--epochs", "2", "--train-limit", "2000", "--test-limit", "500",
        "--metrics", metrics.toString(), "--no-progress");
    assertEquals(0, r.exitCode(), r.err());
    List<JsonNode> lines = jsonLines(metrics);
    assertTrue(lines.get(1).get("train_loss").asDouble() < lines.get(0).get("train_loss").asDouble());
    assertTrue(lines.get(1).get("test_accuracy").asDouble() > 0.5, lines.get(1).toString());
    // Also with ranks: fp16 with dynamic loss scaling on two rank actors.
    Path ddpMetrics = dir.resolve("amp-ddp.jsonl");
    r = run("train", "--amp", "fp16", "--ranks", "2", "--in-process", "--epochs", "2", "--train-limit", "1000",
        "--test-limit", "300", "--batch-size", "25", "--metrics", ddpMetrics.toString(), "--no-progress");
    assertEquals(0, r.exitCode(), r.err());
    lines = jsonLines(ddpMetrics);
    assertTrue(lines.get(1).get("train_loss").asDouble() < lines.get(0).get("train_loss").asDouble(), lines.toString());
    assertTrue(lines.get(1).get("test_accuracy").asDouble() > 0.5, lines.get(1).toString());
    r = run("train", "--amp", "int8");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--amp must be bf16 or fp16, got 'int8'"), r.err());
  }

  @Test
  void rankOptionsAreChecked() {
    Run r = run("train", "--ranks", "0");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--ranks must be >= 1, got 0"), r.err());
    r = run("train", "--ranks", "2", "--model", "xor");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--ranks/--in-process train a Fashion-MNIST model (mlp, cnn or logreg), not xor"),
        r.err());
    r = run("train", "--threads", "0");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--threads must be >= 1, got 0"), r.err());
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    Run r = run("train", "--model", "resnet");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("expected mlp, cnn, xor or logreg, got 'resnet'"), r.err());
    r = run("train", "--optimizer", "lbfgs");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("expected sgd, rmsprop or adam, got 'lbfgs'"), r.err());
    if (!Backends.availability(Device.Type.CUDA).available()) {
      r = run("train", "--device", "cuda");
      assertEquals(2, r.exitCode());
      assertTrue(r.err().contains("--device cuda is not available: cuda:0 requested but CUDA is unavailable: "),
          r.err());
    }
    r = run("train", "--device", "tpu");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--device: bad device 'tpu': expected cpu, cuda or cuda:N"), r.err());
  }

  @Test
  void missingDataIsOneClearErrorLine() {
    Run r = run("train", "--data-dir", dir.resolve("nowhere").toString(), "--no-progress");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("ddp4j train: error: "), r.err());
    assertTrue(r.err().contains("nowhere"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
