package dev.ddp4j.tensor.data;

import static dev.ddp4j.tensor.data.IdxFiles.bytes;
import static dev.ddp4j.tensor.data.IdxFiles.gzip;
import static dev.ddp4j.tensor.data.IdxFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir
  Path dir;

  /** Three 2x3 images. */
  private static final byte[] PIXELS = bytes(0, 255, 1, 128, 254, 2, 3, 4, 5, 6, 7, 8, 200, 100, 50, 25, 12, 6);
  private static final byte[] IMAGES = idx(IdxReader.IMAGES_MAGIC, new int[] {3, 2, 3}, PIXELS);
  private static final byte[] LABELS = idx(IdxReader.LABELS_MAGIC, new int[] {4}, bytes(9, 0, 3, 255));

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  private static float[] scaled(byte[] b) {
    float[] out = new float[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (b[i] & 0xFF) / 255f;
    }
    return out;
  }

  @Test
  void plainImagesAreScaledToUnitFloatsWithAChannelDim() throws IOException {
    Tensor images = IdxReader.readImages(write("images-idx3-ubyte", IMAGES));
    assertEquals(DType.FLOAT32, images.dtype());
    assertArrayEquals(new int[] {3, 1, 2, 3}, images.shape());
    assertArrayEquals(scaled(PIXELS), images.toFloatArray());
    assertEquals(0f, images.toFloatArray()[0]);
    assertEquals(1f, images.toFloatArray()[1]);
    assertEquals(0.003921569f, images.toFloatArray()[2]);
    assertEquals(0.5019608f, images.toFloatArray()[3]);
  }

  @Test
  void gzipImagesGiveTheSameValues() throws IOException {
    Tensor plain = IdxReader.readImages(write("a", IMAGES));
    Tensor gz = IdxReader.readImages(write("a.gz", gzip(IMAGES)));
    assertArrayEquals(plain.shape(), gz.shape());
    assertArrayEquals(plain.toFloatArray(), gz.toFloatArray());
  }

  @Test
  void imagesWithoutChannelDimAndWithALimit() throws IOException {
    Tensor images = IdxReader.readImages(write("a.gz", gzip(IMAGES)), 2, false);
    assertArrayEquals(new int[] {2, 2, 3}, images.shape());
    assertArrayEquals(Arrays.copyOf(scaled(PIXELS), 12), images.toFloatArray());
    assertArrayEquals(new int[] {3, 2, 3}, IdxReader.readImages(write("b", IMAGES), 10, false).shape());
  }

  @Test
  void labelsAreUnsignedInt64() throws IOException {
    for (byte[] content : new byte[][] {LABELS, gzip(LABELS)}) {
      Tensor labels = IdxReader.readLabels(write("labels", content));
      assertEquals(DType.INT64, labels.dtype());
      assertArrayEquals(new int[] {4}, labels.shape());
      assertArrayEquals(new long[] {9, 0, 3, 255}, labels.toLongArray());
    }
    assertArrayEquals(new long[] {9, 0}, IdxReader.readLabels(write("l2", LABELS), 2).toLongArray());
  }

  @Test
  void headerIsReadWithoutTheData() throws IOException {
    IdxReader.Header h = IdxReader.readHeader(write("a.gz", gzip(IMAGES)));
    assertEquals(IdxReader.IMAGES_MAGIC, h.magic());
    assertArrayEquals(new int[] {3, 2, 3}, h.dims());
    assertEquals(3, h.count());
    assertEquals(16, h.headerBytes());
    assertEquals(6, h.itemBytes());
  }

  @Test
  void rawBytesKeepTheUnsignedValues() throws IOException {
    IdxReader.UnsignedBytes raw = IdxReader.readRaw(write("a", IMAGES), IdxReader.IMAGES_MAGIC, 1);
    assertArrayEquals(new int[] {1, 2, 3}, raw.shape());
    assertArrayEquals(bytes(0, 255, 1, 128, 254, 2), raw.data());
  }

  @Test
  void missingFileNamesThePath() {
    Path p = dir.resolve("nope-idx3-ubyte.gz");
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p));
    assertEquals("IDX file not found: " + p, e.getMessage());
    assertEquals(p, e.path());
  }

  @Test
  void truncatedImageDataSaysHowManyBytesWereExpectedAndFound() throws IOException {
    byte[] cut = Arrays.copyOf(IMAGES, 26);
    Path plain = write("cut", cut);
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(plain));
    assertEquals("truncated IDX file " + plain + ": expected 34 bytes of image data (a 16-byte header and "
        + "3 images of 2x3), file ends after 26 bytes", e.getMessage());

    Path gz = write("cut.gz", gzip(cut));
    DatasetFileException g = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(gz));
    assertEquals("truncated IDX file " + gz + ": expected 34 bytes of image data (a 16-byte header and "
        + "3 images of 2x3), file ends after 26 bytes (uncompressed)", g.getMessage());
  }

  @Test
  void aLimitedReadNeedsOnlyTheItemsItReadsAndSaysSoWhenTheyAreMissing() throws IOException {
    Path p = write("cut", Arrays.copyOf(IMAGES, 26));
    assertArrayEquals(new int[] {1, 1, 2, 3}, IdxReader.readImages(p, 1, true).shape());
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p, 2, true));
    assertEquals("truncated IDX file " + p + ": expected 28 bytes of image data (a 16-byte header and "
        + "the first 2 of 3 images of 2x3), file ends after 26 bytes", e.getMessage());
  }

  @Test
  void truncatedHeadersAreRefused() throws IOException {
    Path two = write("two", bytes(0, 0));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readLabels(two));
    assertEquals("truncated IDX file " + two + ": expected a 4-byte IDX magic number 0x00000801 (uint8 labels [N]), "
        + "file ends after 2 bytes", e.getMessage());
    Path dims = write("dims", Arrays.copyOf(IMAGES, 8));
    DatasetFileException d = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(dims));
    assertEquals("truncated IDX file " + dims + ": expected a 16-byte header, file ends after 8 bytes",
        d.getMessage());
  }

  @Test
  void aCompressedStreamCutShortIsReportedAsTruncated() throws IOException {
    byte[] noise = new byte[1000 * 784];
    new Random(1).nextBytes(noise);
    byte[] gz = gzip(idx(IdxReader.IMAGES_MAGIC, new int[] {1000, 28, 28}, noise));
    Path p = write("cut.gz", Arrays.copyOf(gz, gz.length / 2));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p));
    assertTrue(e.getMessage().matches("truncated IDX file " + p.toString().replace("\\", "\\\\")
        + ": expected 784016 bytes of image data \\(a 16-byte header and 1000 images of 28x28\\), "
        + "file ends after \\d+ bytes \\(uncompressed\\)"), e.getMessage());
  }

  @Test
  void aCorruptGzipTrailerIsReportedAsCorrupt() throws IOException {
    byte[] gz = gzip(IMAGES);
    gz[gz.length - 8] ^= 0x5a;
    Path p = write("bad.gz", gz);
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p));
    assertEquals("corrupt gzip data in IDX file " + p + " after 34 uncompressed bytes: Corrupt GZIP trailer",
        e.getMessage());
  }

  @Test
  void extraBytesAfterTheDataAreRefused() throws IOException {
    byte[] longer = Arrays.copyOf(IMAGES, IMAGES.length + 3);
    Path p = write("long", longer);
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p));
    assertEquals("corrupt IDX file " + p + ": expected 34 bytes of image data (a 16-byte header and 3 images "
        + "of 2x3), but the file has more", e.getMessage());
  }

  @Test
  void labelsReadAsImagesNameBothMagics() throws IOException {
    Path p = write("labels", LABELS);
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p));
    assertEquals("wrong IDX file: " + p + " has magic 0x00000801 (uint8 labels [N]), expected 0x00000803 "
        + "(uint8 images [N, rows, cols])", e.getMessage());
  }

  @Test
  void aFileThatIsNotIdxIsRefused() throws IOException {
    Path p = write("text", "hello world".getBytes(StandardCharsets.US_ASCII));
    DatasetFileException e = assertThrows(DatasetFileException.class, () -> IdxReader.readImages(p));
    assertEquals("not an IDX file of unsigned bytes: " + p + " starts with 0x68656c6c, expected 0x00000803 "
        + "(uint8 images [N, rows, cols])", e.getMessage());
  }

  @Test
  void negativeLimitIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IdxReader.readLabels(dir.resolve("x"), -1));
    assertEquals("IdxReader: limit must be >= 0, got -1", e.getMessage());
  }
}
