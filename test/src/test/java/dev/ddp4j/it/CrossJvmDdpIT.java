package dev.ddp4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddp4j.exchange.ddp.DistributedSampler;
import dev.ddp4j.supervisor.cli.Main;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.FashionMnist;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.io.SafeTensors;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ddp4j train --ranks 2}: this JVM is rank 0, a second JVM rank 1, joined in one ring. After
 * two epochs the weights equal single-process training on the two ranks' batches concatenated (the
 * same initial weights, the same shuffles), and so do those of the same job with both ranks in one
 * JVM ({@code --in-process}).
 */
class CrossJvmDdpIT {
  private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
  private static final int EXAMPLES = 640;
  private static final int BATCH = 32;
  private static final int EPOCHS = 2;
  private static final long SEED = 3;
  private static final double LR = 0.05;

  @TempDir
  Path dir;

  private List<String> args(Path weights, Path metrics) {
    return new ArrayList<>(List.of("train", "--ranks", "2", "--epochs", String.valueOf(EPOCHS), "--batch-size",
        String.valueOf(BATCH), "--lr", String.valueOf(LR), "--seed", String.valueOf(SEED), "--train-limit",
        String.valueOf(EXAMPLES), "--test-limit", "200", "--threads", "1", "--save", weights.toString(), "--metrics",
        metrics.toString(), "--no-progress"));
  }

  @Test
  void twoRankJvmsTrainToTheWeightsOfOneProcessOnTheConcatenatedBatches() throws Exception {
    assumeTrue(Files.isDirectory(FASHION_MNIST), "Fashion-MNIST is not installed at " + FASHION_MNIST
        + " (apt-get install dataset-fashion-mnist)");
    Path acrossJvms = dir.resolve("across.safetensors");
    Path metrics = dir.resolve("across.jsonl");
    assertEquals(0, Main.execute(args(acrossJvms, metrics).toArray(String[]::new)));
    Path inProcess = dir.resolve("in-process.safetensors");
    List<String> local = args(inProcess, dir.resolve("in-process.jsonl"));
    local.add("--in-process");
    assertEquals(0, Main.execute(local.toArray(String[]::new)));

    Map<String, Tensor> expected = reference();
    assertClose(expected, SafeTensors.load(acrossJvms), "ranks in two JVMs");
    assertClose(expected, SafeTensors.load(inProcess), "ranks in one JVM");

    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(metrics)) {
      lines.add(json.readTree(line));
    }
    assertEquals(EPOCHS + 1, lines.size(), lines.toString());
    for (int e = 0; e < EPOCHS; e++) {
      JsonNode epoch = lines.get(e);
      assertEquals("epoch", epoch.get("event").asText());
      assertEquals(e + 1, epoch.get("epoch").asInt());
      assertEquals(2, epoch.get("world_size").asInt());
      assertEquals(EXAMPLES / 2 / BATCH, epoch.get("steps").asInt());
      for (String phase : List.of("data", "forward", "backward", "exposed_comm", "optimizer", "allreduce")) {
        assertTrue(epoch.get("step_ms_median").get(phase).asDouble() >= 0, epoch.toString());
      }
      assertTrue(epoch.get("test_accuracy").asDouble() > 0.3, epoch.toString());
    }
    JsonNode done = lines.get(EPOCHS);
    assertEquals("done", done.get("event").asText());
    assertEquals(false, done.get("in_process").asBoolean());
  }

  /** One process, batches of 64: rank 0's 32 shuffled examples then rank 1's, step after step. */
  private static Map<String, Tensor> reference() throws Exception {
    TensorDataset train = FashionMnist.load(FASHION_MNIST, true, EXAMPLES);
    Torch.manualSeed(SEED);
    Module model = Models.mlp();
    SGD opt = new SGD(model.parameters(), LR, 0.9);
    CrossEntropyLoss loss = new CrossEntropyLoss();
    for (int e = 0; e < EPOCHS; e++) {
      int[][] shards = new int[2][];
      for (int r = 0; r < 2; r++) {
        shards[r] = new DistributedSampler(EXAMPLES, 2, r, true, SEED, false).indices(e);
      }
      for (int s = 0; s < EXAMPLES / 2 / BATCH; s++) {
        long[] idx = new long[2 * BATCH];
        for (int r = 0; r < 2; r++) {
          for (int i = 0; i < BATCH; i++) {
            idx[r * BATCH + i] = shards[r][s * BATCH + i];
          }
        }
        Tensor sel = Torch.fromArray(idx, idx.length);
        opt.zeroGrad();
        loss.forward(model.forward(train.inputs().indexSelect(0, sel)), train.targets().indexSelect(0, sel))
            .backward();
        opt.step();
      }
    }
    return model.stateDict();
  }

  private static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet(), what);
    for (String k : expected.keySet()) {
      float[] e = expected.get(k).toFloatArray();
      float[] a = actual.get(k).toFloatArray();
      double maxAbs = 0;
      double maxDiff = 0;
      for (int i = 0; i < e.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(e[i]));
        maxDiff = Math.max(maxDiff, Math.abs(e[i] - a[i]));
      }
      assertTrue(maxDiff <= 1e-5 * maxAbs, what + ", " + k + ": max difference " + maxDiff + " against magnitude "
          + maxAbs);
    }
  }
}
