package dev.ddp4j.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddp4j.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {
  @TempDir
  Path dir;

  /** Records whose label is {@code labels[r]} and whose pixel i is (r + i) mod 256. */
  private static byte[] records(int... labels) {
    byte[] out = new byte[labels.length * Cifar10Reader.RECORD_BYTES];
    for (int r = 0; r < labels.length; r++) {
      int at = r * Cifar10Reader.RECORD_BYTES;
      out[at] = (byte) labels[r];
      for (int i = 0; i < Cifar10Reader.IMAGE_BYTES; i++) {
        out[at + 1 + i] = (byte) (r + i);
      }
    }
    return out;
  }

  @Test
  void recordsBecomeUnitFloatPlanesAndInt64Labels() throws IOException {
    Path p = Files.write(dir.resolve("test_batch.bin"), records(3, 9, 0));
    TensorDataset ds = Cifar10Reader.read(p);
    assertArrayEquals(new int[] {3, 3, 32, 32}, ds.inputs().shape());
    assertEquals(DType.FLOAT32, ds.inputs().dtype());
    assertArrayEquals(new long[] {3, 9, 0}, ds.targets().toLongArray());
    assertEquals(DType.INT64, ds.targets().dtype());
    // Record 1: red (0, 0) is byte 1, red (0, 1) byte 2, green (0, 0) byte 1025 % 256 = 1,
    // blue (31, 31) byte 3072 % 256 = 0.
    assertEquals(1 / 255f, (float) ds.inputs().get(1, 0, 0, 0));
    assertEquals(2 / 255f, (float) ds.inputs().get(1, 0, 0, 1));
    assertEquals(1 / 255f, (float) ds.inputs().get(1, 1, 0, 0));
    assertEquals(0f, (float) ds.inputs().get(1, 2, 31, 31));
    assertEquals(1f, (float) ds.inputs().get(0, 0, 7, 31));
    assertEquals(Cifar10Reader.CLASSES.get(9), "truck");
  }

  @Test
  void splitsReadTheirFilesInOrderUpToTheLimit() throws IOException {
    for (int f = 0; f < 5; f++) {
      Files.write(dir.resolve(Cifar10Reader.TRAIN_FILES.get(f)), records(f, f));
    }
    Files.write(dir.resolve(Cifar10Reader.TEST_FILE), records(7));
    assertArrayEquals(new long[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, Cifar10Reader.load(dir, true).targets().toLongArray());
    assertArrayEquals(new long[] {0, 0, 1}, Cifar10Reader.load(dir, true, 3).targets().toLongArray());
    TensorDataset test = Cifar10Reader.load(dir, false);
    assertArrayEquals(new long[] {7}, test.targets().toLongArray());
    assertEquals(0f, test.inputs().toFloatArray()[0]);
  }

  @Test
  void aTruncatedFileIsRefusedWithItsLength() throws IOException {
    Path p = Files.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(records(1, 2), 2 * 3073 - 5));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> Cifar10Reader.read(p));
    assertEquals("truncated CIFAR-10 file " + p + ": 6141 bytes is not a whole number of 3073-byte records "
        + "(1 label byte + 3072 pixel bytes); it holds 1 records and 3068 bytes more", e.getMessage());
    assertEquals(p, e.path());
  }

  @Test
  void anEmptyFileIsRefused() throws IOException {
    Path p = Files.write(dir.resolve("test_batch.bin"), new byte[0]);
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> Cifar10Reader.read(p));
    assertEquals("empty CIFAR-10 file " + p + ": expected 3073-byte records (1 label byte + 3072 pixel bytes)",
        e.getMessage());
  }

  @Test
  void aLabelAboveNineIsRefused() throws IOException {
    Path p = Files.write(dir.resolve("test_batch.bin"), records(1, 10));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> Cifar10Reader.read(p));
    assertEquals("corrupt CIFAR-10 file " + p + ": record 1 has label 10, expected 0..9", e.getMessage());
  }

  @Test
  void aMissingFileListsTheExpectedFiles() {
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> Cifar10Reader.load(dir, false));
    assertEquals("CIFAR-10 file not found: " + dir.resolve("test_batch.bin") + "; expected the binary version of "
        + "CIFAR-10 (data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, "
        + "test_batch.bin) in " + dir.toAbsolutePath(), e.getMessage());
  }

  @Test
  void negativeLimitIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cifar10Reader.read(List.of(dir.resolve("x")), -2));
    assertEquals("Cifar10Reader: limit must be >= 0, got -2", e.getMessage());
  }
}
