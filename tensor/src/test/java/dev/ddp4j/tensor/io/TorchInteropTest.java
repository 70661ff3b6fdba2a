package dev.ddp4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.FashionMnist;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.SGD;
import dev.ddp4j.tensor.train.Trainer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' Fashion-MNIST MLP crosses between PyTorch and ddp4j through safetensors: weights
 * trained by torch ({@code interop/train_torch_mlp.py}, checked in with its results) give torch's
 * test accuracy in ddp4j, and weights trained by ddp4j read back in torch bit for bit and give
 * ddp4j's predictions.
 *
 * <p>Predictions are compared exactly except where ddp4j's two largest logits lie within {@link
 * #NEAR_TIE_LOGIT_GAP}: torch and ddp4j sum the same products in different orders (blocked GEMM
 * kernels), so their float32 logits differ by rounding (at most 2.4e-6 over the 10,000 test images
 * of the torch-trained model, measured), which can swap the top two classes only when they nearly
 * tie. That model has such an image: its smallest top-two gap over the test set is 5.5e-5 ({@code
 * min_top2_logit_gap} in {@code mlp_torch.json}); where it flips, the correct count may differ by
 * one. The bound is 40 times the measured rounding, while a real fault (a wrong weight, layout or
 * dtype) moves logits by far more and flips predictions that are not near ties.
 */
class TorchInteropTest {
  /** Top-two logit gap under which torch and ddp4j may pick different classes (see the class comment). */
  private static final double NEAR_TIE_LOGIT_GAP = 1e-4;
  /** Both compute the mean cross-entropy of the same weights; float32 rounding moves it far less. */
  private static final double LOSS_TOLERANCE = 1e-4;
  private static final int EVAL_BATCH_SIZE = 1000;
  private static final List<String> MLP_STATE_NAMES =
      List.of("1.bias", "1.weight", "3.bias", "3.weight", "5.bias", "5.weight");

  private static final int DDP4J_TRAIN_SAMPLES = 6400;
  private static final int DDP4J_BATCH_SIZE = 64;
  private static final int DDP4J_CHECKED_TEST_IMAGES = 1000;

  @TempDir
  Path dir;

  @Test
  void torchTrainedMlpGivesTorchsTestAccuracyInDdp4j() throws IOException {
    Path weights = InteropPython.resource("mlp_torch.safetensors");
    Path results = InteropPython.resource("mlp_torch.json");
    assumeTrue(weights != null && results != null, "skipped: interop/mlp_torch.safetensors or mlp_torch.json is "
        + "not on the test class path; run interop/train_torch_mlp.py train to make them");
    assumeFashionMnist();
    JsonNode torch = new ObjectMapper().readTree(results.toFile());

    Map<String, Tensor> stored = SafeTensors.load(weights);
    assertEquals(MLP_STATE_NAMES, new ArrayList<>(stored.keySet()));
    Map<String, Tensor> state = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : stored.entrySet()) {
      assertEquals(DType.BFLOAT16, e.getValue().dtype(), e.getKey());
      state.put(e.getKey(), e.getValue().to(DType.FLOAT32));  // widening bfloat16 is exact
    }
    Module model = Models.mlp();
    model.loadStateDict(state, true);

    TensorDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, false, FashionMnist.TEST_SIZE);
    assertEquals(torch.get("test_samples").intValue(), test.size());
    Trainer.Evaluation evaluation = evaluate(model, test);
    float[] logits = logits(model, test.inputs());
    int[] predictions = argmax(logits);
    long correct = Math.round(evaluation.accuracy() * evaluation.samples());
    long nearTies = countNearTies(logits);

    long torchCorrect = torch.get("test_correct").longValue();
    assertTrue(Math.abs(correct - torchCorrect) <= nearTies, "ddp4j predicts " + correct + " of "
        + test.size() + " test images correctly, torch " + torchCorrect + "; only " + nearTies
        + " images are near ties");
    assertEquals(torch.get("test_loss").doubleValue(), evaluation.loss(), LOSS_TOLERANCE);
    int[] torchFirst = toIntArray(torch.get("first_predictions"));
    assertSamePredictions(torchFirst, Arrays.copyOf(predictions, torchFirst.length), logits);
  }

  @Test
  void ddp4jTrainedMlpReadsBackInTorchBitForBitWithTheSamePredictions() throws IOException, InterruptedException {
    assumeFashionMnist();
    Path script = InteropPython.resource("train_torch_mlp.py");
    assumeTrue(script != null, "skipped: interop/train_torch_mlp.py is not on the test class path");
    Torch.manualSeed(0);
    Module model = Models.mlp();
    TensorDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, true, DDP4J_TRAIN_SAMPLES);
    try (DataLoader loader = DataLoader.builder(train).batchSize(DDP4J_BATCH_SIZE).shuffle(true).seed(0).build()) {
      new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.01, 0.9)).trainEpoch(loader, 0, null);
    }
    Path file = dir.resolve("mlp_ddp4j.safetensors");
    SafeTensors.save(model.stateDict(), Map.of("producer", "ddp4j"), file);
    TensorDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, false, DDP4J_CHECKED_TEST_IMAGES);
    float[] logits = logits(model, test.inputs());

    assumeTrue(InteropPython.torchAvailable(), "skipped: " + InteropPython.PYTHON + " -c 'import torch' fails here, so there is no PyTorch "
        + "to read the file with");
    JsonNode torch = new ObjectMapper().readTree(InteropPython.run(script.toString(), "check", file.toString(),
        Integer.toString(DDP4J_CHECKED_TEST_IMAGES)));

    JsonNode tensors = torch.get("tensors");
    assertEquals(MLP_STATE_NAMES, fieldNames(tensors));
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      JsonNode read = tensors.get(e.getKey());
      assertEquals("F32", read.get("dtype").asText(), e.getKey());
      assertEquals(shapeList(e.getValue()), toIntList(read.get("shape")), e.getKey());
      assertEquals(sha256OfFloats(e.getValue()), read.get("sha256").asText(), e.getKey());
    }
    assertSamePredictions(toIntArray(torch.get("predictions")), argmax(logits), logits);
  }

  // ---------------------------------------------------------------- helpers

  private static Trainer.Evaluation evaluate(Module model, TensorDataset data) {
    try (DataLoader loader = DataLoader.builder(data).batchSize(EVAL_BATCH_SIZE).build()) {
      return new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0)).evaluate(loader);
    }
  }

  /** The model's logits for the images, row-major [N, 10], computed in eval mode without grad. */
  private static float[] logits(Module model, Tensor images) {
    model.eval();
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      return model.forward(images).toFloatArray();
    } finally {
      model.train();
    }
  }

  private static int[] argmax(float[] logits) {
    int[] out = new int[logits.length / FashionMnist.NUM_CLASSES];
    for (int i = 0; i < out.length; i++) {
      out[i] = topTwo(logits, i)[0];
    }
    return out;
  }

  /** The classes with the largest and second largest logit of row {@code row}; the first wins ties. */
  private static int[] topTwo(float[] logits, int row) {
    int base = row * FashionMnist.NUM_CLASSES;
    int best = -1;
    int second = -1;
    for (int c = 0; c < FashionMnist.NUM_CLASSES; c++) {
      if (best < 0 || logits[base + c] > logits[base + best]) {
        second = best;
        best = c;
      } else if (second < 0 || logits[base + c] > logits[base + second]) {
        second = c;
      }
    }
    return new int[] {best, second};
  }

  private static double topTwoGap(float[] logits, int row) {
    int[] top = topTwo(logits, row);
    int base = row * FashionMnist.NUM_CLASSES;
    return (double) logits[base + top[0]] - logits[base + top[1]];
  }

  private static long countNearTies(float[] logits) {
    long n = 0;
    for (int i = 0; i < logits.length / FashionMnist.NUM_CLASSES; i++) {
      if (topTwoGap(logits, i) < NEAR_TIE_LOGIT_GAP) {
        n++;
      }
    }
    return n;
  }

  /**
   * Asserts that torch's predictions are ddp4j's, except where ddp4j's top two logits nearly tie
   * and torch picked ddp4j's runner-up.
   */
  private static void assertSamePredictions(int[] torchPredictions, int[] predictions, float[] logits) {
    assertEquals(torchPredictions.length, predictions.length);
    for (int i = 0; i < predictions.length; i++) {
      if (torchPredictions[i] != predictions[i]) {
        int runnerUp = topTwo(logits, i)[1];
        double gap = topTwoGap(logits, i);
        assertTrue(gap < NEAR_TIE_LOGIT_GAP && torchPredictions[i] == runnerUp, "image " + i + ": torch predicts "
            + torchPredictions[i] + ", ddp4j " + predictions[i] + " (runner-up " + runnerUp + ", ahead by " + gap
            + ")");
      }
    }
  }

  /** SHA-256 of the float32 elements' little-endian bytes in row-major order, as the script computes it. */
  private static String sha256OfFloats(Tensor t) {
    assertEquals(DType.FLOAT32, t.dtype());
    float[] values = t.toFloatArray();
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      bytes.putInt(Float.floatToRawIntBits(v));
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  }

  private static List<Integer> shapeList(Tensor t) {
    List<Integer> out = new ArrayList<>();
    for (int d : t.shape()) {
      out.add(d);
    }
    return out;
  }

  private static List<Integer> toIntList(JsonNode array) {
    List<Integer> out = new ArrayList<>();
    array.forEach(n -> out.add(n.intValue()));
    return out;
  }

  private static int[] toIntArray(JsonNode array) {
    return toIntList(array).stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<String> fieldNames(JsonNode object) {
    return object.properties().stream().map(Map.Entry::getKey).toList();
  }

  private static void assumeFashionMnist() {
    for (String name : List.of(FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, FashionMnist.TEST_IMAGES,
        FashionMnist.TEST_LABELS)) {
      assumeTrue(Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve(name)), "skipped: Fashion-MNIST is not "
          + "installed in " + FashionMnist.DEFAULT_DIR + " (apt-get install dataset-fashion-mnist)");
    }
  }
}
