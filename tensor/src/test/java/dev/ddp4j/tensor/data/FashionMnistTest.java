package dev.ddp4j.tensor.data;

import static dev.ddp4j.tensor.data.IdxFiles.gzip;
import static dev.ddp4j.tensor.data.IdxFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddp4j.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  @TempDir
  Path dir;

  private static void assumeInstalled() {
    assumeTrue(Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TRAIN_IMAGES))
            && Files.isRegularFile(FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TEST_LABELS)),
        "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIR
            + " (apt-get install dataset-fashion-mnist); skipping the test on the real files");
  }

  @Test
  void realTrainingSetStartsWithAnAnkleBoot() throws IOException {
    assumeInstalled();
    TensorDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, true, 100);
    assertEquals(100, train.size());
    assertArrayEquals(new int[] {100, 1, 28, 28}, train.inputs().shape());
    assertEquals(DType.FLOAT32, train.inputs().dtype());
    assertArrayEquals(new int[] {100}, train.targets().shape());
    assertEquals(DType.INT64, train.targets().dtype());
    assertEquals(9, (int) train.targets().get(0));
    assertEquals("Ankle boot", FashionMnist.CLASSES.get(9));
    assertEquals(0.0, train.inputs().min().item());
    assertEquals(1.0, train.inputs().max().item());
    for (long label : train.targets().toLongArray()) {
      assertTrue(label >= 0 && label < 10, "label " + label);
    }
  }

  @Test
  void realSplitsHoldSixtyAndTenThousandExamples() throws IOException {
    assumeInstalled();
    assertEquals(FashionMnist.TRAIN_SIZE, FashionMnist.count(FashionMnist.DEFAULT_DIR, true));
    assertEquals(FashionMnist.TEST_SIZE, FashionMnist.count(FashionMnist.DEFAULT_DIR, false));
    assertEquals(FashionMnist.TEST_SIZE, IdxReader.readHeader(
        FashionMnist.DEFAULT_DIR.resolve(FashionMnist.TEST_LABELS)).count());
    assertEquals(5, FashionMnist.load(FashionMnist.DEFAULT_DIR, false, 5).size());
  }

  @Test
  void aMissingFileInTheDefaultDirectorySaysHowToInstallIt() {
    DatasetFileException e = assertThrows(DatasetFileException.class,
        () -> FashionMnist.file(FashionMnist.DEFAULT_DIR, "missing-idx3-ubyte.gz"));
    assertEquals("Fashion-MNIST file not found: /usr/share/datasets/fashion-mnist/missing-idx3-ubyte.gz "
        + "(nor missing-idx3-ubyte); install Debian's package: apt-get install dataset-fashion-mnist, "
        + "or pass --data-dir", e.getMessage());
  }

  @Test
  void aMissingFileElsewhereListsTheExpectedFiles() {
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> FashionMnist.load(dir, true, 10));
    assertEquals("Fashion-MNIST file not found: " + dir.resolve("train-images-idx3-ubyte.gz")
        + " (nor train-images-idx3-ubyte); expected the Fashion-MNIST files train-images-idx3-ubyte.gz, "
        + "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (gzip or plain) in "
        + dir + "; install Debian's package: apt-get install dataset-fashion-mnist, or pass --data-dir "
        + "(it installs them in /usr/share/datasets/fashion-mnist)", e.getMessage());
  }

  private static byte[] images(int n) {
    byte[] px = new byte[n * 28 * 28];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) i;
    }
    return idx(IdxReader.IMAGES_MAGIC, new int[] {n, 28, 28}, px);
  }

  @Test
  void plainFilesWithoutTheGzSuffixAreFound() throws IOException {
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), images(3));
    Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"),
        gzip(idx(IdxReader.LABELS_MAGIC, new int[] {3}, IdxFiles.bytes(4, 0, 9))));
    TensorDataset test = FashionMnist.load(dir, false);
    assertArrayEquals(new int[] {3, 1, 28, 28}, test.inputs().shape());
    assertArrayEquals(new long[] {4, 0, 9}, test.targets().toLongArray());
    assertEquals(1 / 255f, test.inputs().toFloatArray()[1]);
    assertEquals(3, FashionMnist.count(dir, false));
  }

  @Test
  void imagesAndLabelsOfDifferentCountsAreRefused() throws IOException {
    Path img = Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(images(3)));
    Path lab = Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"),
        gzip(idx(IdxReader.LABELS_MAGIC, new int[] {2}, IdxFiles.bytes(4, 0))));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> FashionMnist.load(dir, false));
    assertEquals("Fashion-MNIST files disagree: " + img + " holds 3 images but " + lab + " holds 2 labels",
        e.getMessage());
  }

  @Test
  void labelsOutsideTheTenClassesAreRefused() throws IOException {
    Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(images(2)));
    Path lab = Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"),
        gzip(idx(IdxReader.LABELS_MAGIC, new int[] {2}, IdxFiles.bytes(4, 10))));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> FashionMnist.load(dir, false));
    assertEquals("corrupt Fashion-MNIST labels in " + lab + ": label 1 is 10, expected 0..9", e.getMessage());
  }

  @Test
  void imagesThatAreNot28By28AreRefused() throws IOException {
    Path img = Files.write(dir.resolve("t10k-images-idx3-ubyte"),
        idx(IdxReader.IMAGES_MAGIC, new int[] {1, 2, 2}, IdxFiles.bytes(1, 2, 3, 4)));
    Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(IdxReader.LABELS_MAGIC, new int[] {1}, IdxFiles.bytes(1)));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> FashionMnist.load(dir, false));
    assertEquals("not Fashion-MNIST: " + img + " holds images of 2x2, expected 28x28", e.getMessage());
  }
}
