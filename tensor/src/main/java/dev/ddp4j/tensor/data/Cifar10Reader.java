package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary version of CIFAR-10 (60,000 colour 32×32 images in 10 classes): files of
 * 3073-byte records, each one label byte then 3072 pixel bytes, the red, green and blue 32×32
 * planes row-major. Returns a {@link TensorDataset} of float32 images {@code [N, 3, 32, 32]} in
 * [0, 1] ({@code byte / 255f}) and int64 labels {@code [N]}.
 *
 * <p>Stateless; reads on the calling thread.
 */
public final class Cifar10Reader {
  public static final int CHANNELS = 3;
  public static final int IMAGE_SIZE = 32;
  public static final int IMAGE_BYTES = CHANNELS * IMAGE_SIZE * IMAGE_SIZE;
  /** One label byte and the image. */
  public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
  public static final int NUM_CLASSES = 10;
  public static final List<String> TRAIN_FILES =
      List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
  public static final String TEST_FILE = "test_batch.bin";
  /** The class names, indexed by label. */
  public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
      "frog", "horse", "ship", "truck");

  private static final int RECORDS_PER_READ = 1024;
  private static final float[] BYTE_TO_UNIT = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      BYTE_TO_UNIT[i] = i / 255f;
    }
  }

  private Cifar10Reader() {}

  /** The training split ({@code data_batch_1..5.bin}, 50,000) or the test split ({@code test_batch.bin}, 10,000). */
  public static TensorDataset load(Path dir, boolean train) throws IOException {
    return load(dir, train, IdxReader.NO_LIMIT);
  }

  /** The first {@code limit} examples (all if fewer) of the training or test split in {@code dir}. */
  public static TensorDataset load(Path dir, boolean train, int limit) throws IOException {
    List<Path> files = new ArrayList<>();
    for (String name : train ? TRAIN_FILES : List.of(TEST_FILE)) {
      files.add(dir.resolve(name));
    }
    return read(files, limit);
  }

  /** Every record of one file. */
  public static TensorDataset read(Path file) throws IOException {
    return read(List.of(file), IdxReader.NO_LIMIT);
  }

  /**
   * The first {@code limit} records (all if fewer) of {@code files} read in order.
   *
   * @throws DatasetFileException when a file is missing, empty, not a whole number of records, or
   *     holds a label outside 0..9
   */
  public static TensorDataset read(List<Path> files, int limit) throws IOException {
    if (limit < 0) {
      throw new IllegalArgumentException("Cifar10Reader: limit must be >= 0, got " + limit);
    }
    long total = 0;
    long[] records = new long[files.size()];
    for (int f = 0; f < files.size(); f++) {
      records[f] = recordCount(files.get(f));
      total += records[f];
    }
    int n = (int) Math.min(limit, total);
    Tensor images = Torch.zeros(DType.FLOAT32, n, CHANNELS, IMAGE_SIZE, IMAGE_SIZE);
    Tensor labels = Torch.zeros(DType.INT64, n);
    float[] pixels = images.storage().floats();
    long[] l = labels.storage().longs();
    int done = 0;
    for (int f = 0; f < files.size() && done < n; f++) {
      int take = (int) Math.min(records[f], n - done);
      readRecords(files.get(f), take, pixels, l, done);
      done += take;
    }
    return new TensorDataset(images, labels);
  }

  private static long recordCount(Path file) throws IOException {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new DatasetFileException(file, "CIFAR-10 file not found: " + file + "; expected the binary version of "
          + "CIFAR-10 (" + String.join(", ", TRAIN_FILES) + ", " + TEST_FILE + ") in "
          + file.toAbsolutePath().getParent(), e);
    }
    if (size == 0) {
      throw new DatasetFileException(file, "empty CIFAR-10 file " + file + ": expected " + RECORD_BYTES
          + "-byte records (1 label byte + " + IMAGE_BYTES + " pixel bytes)");
    }
    if (size % RECORD_BYTES != 0) {
      throw new DatasetFileException(file, "truncated CIFAR-10 file " + file + ": " + size
          + " bytes is not a whole number of " + RECORD_BYTES + "-byte records (1 label byte + " + IMAGE_BYTES
          + " pixel bytes); it holds " + size / RECORD_BYTES + " records and " + size % RECORD_BYTES
          + " bytes more");
    }
    return size / RECORD_BYTES;
  }

  /** Reads the first {@code count} records of {@code file} into the arrays from example {@code first} on. */
  private static void readRecords(Path file, int count, float[] pixels, long[] labels, int first) throws IOException {
    byte[] buf = new byte[RECORDS_PER_READ * RECORD_BYTES];
    try (InputStream in = Files.newInputStream(file)) {
      for (int r = 0; r < count; ) {
        int chunk = Math.min(RECORDS_PER_READ, count - r);
        int got = in.readNBytes(buf, 0, chunk * RECORD_BYTES);
        if (got < chunk * RECORD_BYTES) {
          throw new DatasetFileException(file, "truncated CIFAR-10 file " + file + ": expected "
              + (long) (r + chunk) * RECORD_BYTES + " bytes, file ends after " + ((long) r * RECORD_BYTES + got)
              + " (did it shrink while being read?)");
        }
        for (int k = 0; k < chunk; k++) {
          int at = k * RECORD_BYTES;
          int label = buf[at] & 0xFF;
          if (label >= NUM_CLASSES) {
            throw new DatasetFileException(file, "corrupt CIFAR-10 file " + file + ": record " + (r + k)
                + " has label " + label + ", expected 0.." + (NUM_CLASSES - 1));
          }
          int example = first + r + k;
          labels[example] = label;
          int out = example * IMAGE_BYTES;
          for (int i = 0; i < IMAGE_BYTES; i++) {
            pixels[out + i] = BYTE_TO_UNIT[buf[at + 1 + i] & 0xFF];
          }
        }
        r += chunk;
      }
    }
  }
}
