package dev.ddp4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddp4j.tensor.data.DatasetFileException;
import dev.ddp4j.tensor.data.FashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example with settings small enough for a 2-core machine and checks what it learned. */
class ExamplesTest {
  private static final String SMALL = "2000";

  @Test
  void tensorBasicsPrintsViewsIndexingAndBfloat16AsPyTorchDoes() {
    String out = captureStdout(() -> TensorBasics.main(new String[0]));

    assertTrue(out.contains("view(8, 2, -1, 3, 8): [8, 2, 4, 3, 8]\n"), out);
    assertTrue(out.contains("grid[:, 1]: tensor([1, 5, 9])\n"), out);
    assertTrue(out.contains("grid[grid > 6]: tensor([ 7,  8,  9, 10, 11])\n"), out);
    assertTrue(out.contains("x @ x.T:\ntensor([[ 5., 14.],\n        [14., 50.]])\n"), out);
    assertTrue(out.contains("bf16: tensor([   1.0000,    1.0000,    3.1406, 1000.0000], dtype=torch.bfloat16)\n"),
        out);
  }

  @Test
  void autogradLogisticRegressionSeparatesTheTwoBlobs() {
    double accuracy = AutogradLogisticRegression.run("--epochs", "30", "--samples", "100");

    assertTrue(accuracy > 0.9, "accuracy " + accuracy);
  }

  @Test
  void modelParallelHalvesTrainAcrossTheirDevices() {
    double[] losses = ModelParallel.run("--devices", "cpu,cpu", "--steps", "200");
    assertTrue(losses[1] < 0.8 * losses[0], Arrays.toString(losses));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelParallel.run("--devices", "cpu"));
    assertEquals("--devices needs two devices, e.g. cuda:0,cpu; got 'cpu'", e.getMessage());
  }

  @Test
  void xorNetworkPredictsTheTruthTable() {
    float[] predictions = XorNetwork.run();

    assertEquals(4, predictions.length);
    assertTrue(predictions[0] < 0.1 && predictions[1] > 0.9 && predictions[2] > 0.9 && predictions[3] < 0.1,
        Arrays.toString(predictions));
  }

  @Test
  void fashionMnistMlpBeatsChanceAfterOneEpoch() throws Exception {
    assumeFashionMnistInstalled();

    double accuracy = FashionMnistMlp.run("--limit", SMALL, "--epochs", "1");

    assertTrue(accuracy > 0.5, "accuracy " + accuracy);
  }

  @Test
  void fashionMnistCnnBeatsChanceAfterTwoEpochs() throws Exception {
    assumeFashionMnistInstalled();

    double accuracy = FashionMnistCnn.run("--limit", SMALL, "--epochs", "2", "--batch-size", "32");

    assertTrue(accuracy > 0.5, "accuracy " + accuracy);
  }

  @Test
  void saveLoadRestoresPredictionsAndOptimizerState(@TempDir Path dir) throws Exception {
    assumeFashionMnistInstalled();

    SaveLoad.Result result = SaveLoad.run("--limit", "500", "--dir", dir.toString());

    assertTrue(result.samePredictions(), "loaded model predicts differently");
    assertTrue(result.sameAfterResumedStep(), "resumed optimizer steps differently");
    assertTrue(Files.size(dir.resolve("model.safetensors")) > 4 * 784 * 512);
    assertTrue(Files.exists(dir.resolve("optimizer.safetensors")));
  }

  @Test
  void unknownOptionIsRejectedWithTheAcceptedOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> XorNetwork.run("--epochs", "3"));

    assertEquals("unknown option '--epochs'; expected one of [--max-epochs, --lr]", e.getMessage());
  }

  private static void assumeFashionMnistInstalled() {
    for (String name : new String[] {FashionMnist.TRAIN_IMAGES, FashionMnist.TRAIN_LABELS, FashionMnist.TEST_IMAGES,
        FashionMnist.TEST_LABELS}) {
      try {
        FashionMnist.file(FashionMnist.DEFAULT_DIR, name);
      } catch (DatasetFileException e) {
        assumeTrue(false, "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIR
            + " (apt-get install dataset-fashion-mnist, or scripts/setup-debian.sh): " + e.getMessage());
      }
    }
  }

  private static String captureStdout(Runnable body) {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setOut(original);
    }
    return bytes.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
  }
}
