package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Loads Fashion-MNIST (70,000 grey 28×28 images of clothing in 10 classes) from its four IDX files
 * as a {@link TensorDataset} of float32 images {@code [N, 1, 28, 28]} in [0, 1] and int64 labels
 * {@code [N]}. Debian's package {@code dataset-fashion-mnist} installs the files in {@link
 * #DEFAULT_DIR}; each may be gzip-compressed ({@code .gz}) or plain (the same name without it).
 * Normalise with {@link Normalize#FASHION_MNIST}.
 *
 * <p>Stateless; loads on the calling thread.
 */
public final class FashionMnist {
  /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
  public static final int TRAIN_SIZE = 60_000;
  public static final int TEST_SIZE = 10_000;
  public static final int IMAGE_SIZE = 28;
  public static final int NUM_CLASSES = 10;
  /** The class names, indexed by label. */
  public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private static final String INSTALL_HINT =
      "install Debian's package: apt-get install dataset-fashion-mnist, or pass --data-dir";

  private FashionMnist() {}

  /** The whole training ({@code train}) or test split from {@link #DEFAULT_DIR}. */
  public static TensorDataset load(boolean train) throws IOException {
    return load(DEFAULT_DIR, train, IdxReader.NO_LIMIT);
  }

  /** The whole training ({@code train}, 60,000) or test (10,000) split from {@code dir}. */
  public static TensorDataset load(Path dir, boolean train) throws IOException {
    return load(dir, train, IdxReader.NO_LIMIT);
  }

  /**
   * The first {@code limit} examples (all if fewer) of the training or test split from {@code dir}.
   *
   * @throws DatasetFileException when a file is missing (saying how to install it), truncated, of the
   *     wrong kind, or the images and labels disagree
   */
  public static TensorDataset load(Path dir, boolean train, int limit) throws IOException {
    Path imagesFile = file(dir, train ? TRAIN_IMAGES : TEST_IMAGES);
    Path labelsFile = file(dir, train ? TRAIN_LABELS : TEST_LABELS);
    IdxReader.Header imagesHeader = IdxReader.readHeader(imagesFile);
    IdxReader.Header labelsHeader = IdxReader.readHeader(labelsFile);
    if (imagesHeader.count() != labelsHeader.count()) {
      throw new DatasetFileException(labelsFile, "Fashion-MNIST files disagree: " + imagesFile + " holds "
          + imagesHeader.count() + " images but " + labelsFile + " holds " + labelsHeader.count() + " labels");
    }
    Tensor images = IdxReader.readImages(imagesFile, limit, true);
    if (images.size(2) != IMAGE_SIZE || images.size(3) != IMAGE_SIZE) {
      throw new DatasetFileException(imagesFile, "not Fashion-MNIST: " + imagesFile + " holds images of "
          + images.size(2) + "x" + images.size(3) + ", expected " + IMAGE_SIZE + "x" + IMAGE_SIZE);
    }
    Tensor labels = IdxReader.readLabels(labelsFile, limit);
    long[] l = labels.storage().longs();
    for (int i = 0; i < l.length; i++) {
      if (l[i] >= NUM_CLASSES) {
        throw new DatasetFileException(labelsFile, "corrupt Fashion-MNIST labels in " + labelsFile + ": label "
            + i + " is " + l[i] + ", expected 0.." + (NUM_CLASSES - 1));
      }
    }
    return new TensorDataset(images, labels);
  }

  /** The number of examples of a split, read from the headers of its files without loading them. */
  public static int count(Path dir, boolean train) throws IOException {
    return IdxReader.readHeader(file(dir, train ? TRAIN_IMAGES : TEST_IMAGES)).count();
  }

  /**
   * The file {@code name} in {@code dir}, or its uncompressed twin (the name without {@code .gz}).
   *
   * @throws DatasetFileException when neither exists
   */
  public static Path file(Path dir, String name) throws DatasetFileException {
    Path gz = dir.resolve(name);
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    Path plain = dir.resolve(name.substring(0, name.length() - ".gz".length()));
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    String hint = dir.toAbsolutePath().normalize().equals(DEFAULT_DIR) ? INSTALL_HINT
        : "expected the Fashion-MNIST files " + String.join(", ", Arrays.asList(TRAIN_IMAGES, TRAIN_LABELS,
            TEST_IMAGES, TEST_LABELS)) + " (gzip or plain) in " + dir + "; " + INSTALL_HINT
            + " (it installs them in " + DEFAULT_DIR + ")";
    throw new DatasetFileException(gz, "Fashion-MNIST file not found: " + gz + " (nor " + plain.getFileName()
        + "); " + hint);
  }
}
