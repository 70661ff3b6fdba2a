package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST, gzip-compressed or plain (told apart by the gzip
 * magic {@code 1f 8b}): a big-endian header, magic {@code 0x000008DD} (unsigned bytes, {@code DD}
 * dimensions) and one int32 per dimension, then the bytes row-major. Images (magic {@code
 * 0x00000803}) become float32 in [0, 1] ({@code byte / 255f}, as torchvision's {@code ToTensor});
 * labels (magic {@code 0x00000801}) become int64.
 *
 * <p>Every method reads its file on the calling thread; the class holds no state.
 */
public final class IdxReader {
  /** IDX magic of uint8 images {@code [N, rows, cols]}. */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** IDX magic of uint8 labels {@code [N]}. */
  public static final int LABELS_MAGIC = 0x00000801;
  /** A {@code limit} that reads every item. */
  public static final int NO_LIMIT = Integer.MAX_VALUE;

  private static final int UNSIGNED_BYTE_TYPE = 0x08;
  private static final int STREAM_BUFFER_BYTES = 1 << 16;
  private static final float[] BYTE_TO_UNIT = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      BYTE_TO_UNIT[i] = i / 255f;
    }
  }

  private IdxReader() {}

  /** The header of an IDX file of unsigned bytes: its magic number and the size of every dimension. */
  public record Header(int magic, int[] dims) {
    public Header {
      dims = dims.clone();
    }

    @Override
    public int[] dims() {
      return dims.clone();
    }

    /** The number of items (the first dimension). */
    public int count() {
      return dims[0];
    }

    /** The size of the header in bytes: the magic and one int32 per dimension. */
    public int headerBytes() {
      return 4 + 4 * dims.length;
    }

    /** Bytes per item: the product of all dimensions but the first. */
    public long itemBytes() {
      long n = 1;
      for (int i = 1; i < dims.length; i++) {
        n *= dims[i];
      }
      return n;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Header h && h.magic == magic && Arrays.equals(h.dims, dims);
    }

    @Override
    public int hashCode() {
      return 31 * magic + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
      return "IdxHeader(magic=" + hex(magic) + ", dims=" + Arrays.toString(dims) + ")";
    }
  }

  /** The unsigned bytes of the first {@code shape[0]} items of an IDX file, row-major. */
  public record UnsignedBytes(Header header, int[] shape, byte[] data) {
    public UnsignedBytes {
      shape = shape.clone();
    }

    @Override
    public int[] shape() {
      return shape.clone();
    }
  }

  /** Reads only the header of {@code path}, whatever its magic (to count the items without loading them). */
  public static Header readHeader(Path path) throws IOException {
    try (Source src = Source.open(path)) {
      return src.readHeader(0);
    }
  }

  /** All images of an {@code 0x00000803} file as float32 {@code [N, 1, rows, cols]} in [0, 1]. */
  public static Tensor readImages(Path path) throws IOException {
    return readImages(path, NO_LIMIT, true);
  }

  /**
   * The first {@code limit} images (all if fewer) of an {@code 0x00000803} file as float32 in
   * [0, 1], shaped {@code [n, 1, rows, cols]} when {@code channelDim}, else {@code [n, rows, cols]}.
   */
  public static Tensor readImages(Path path, int limit, boolean channelDim) throws IOException {
    UnsignedBytes raw = readRaw(path, IMAGES_MAGIC, limit);
    int[] s = raw.shape();
    Tensor images = Torch.zeros(DType.FLOAT32, channelDim ? new int[] {s[0], 1, s[1], s[2]} : s);
    float[] out = images.storage().floats();
    byte[] in = raw.data();
    for (int i = 0; i < in.length; i++) {
      out[i] = BYTE_TO_UNIT[in[i] & 0xFF];
    }
    return images;
  }

  /** All labels of an {@code 0x00000801} file as int64 {@code [N]}. */
  public static Tensor readLabels(Path path) throws IOException {
    return readLabels(path, NO_LIMIT);
  }

  /** The first {@code limit} labels (all if fewer) of an {@code 0x00000801} file as int64 {@code [n]}. */
  public static Tensor readLabels(Path path, int limit) throws IOException {
    UnsignedBytes raw = readRaw(path, LABELS_MAGIC, limit);
    Tensor labels = Torch.zeros(DType.INT64, raw.shape());
    long[] out = labels.storage().longs();
    byte[] in = raw.data();
    for (int i = 0; i < in.length; i++) {
      out[i] = in[i] & 0xFF;
    }
    return labels;
  }

  /**
   * The raw bytes of the first {@code limit} items of an IDX file whose magic must be {@code
   * expectedMagic} ({@link #IMAGES_MAGIC} or {@link #LABELS_MAGIC} or any other {@code 0x000008DD}).
   * Reading every item also checks that nothing follows them; a limited read stops after them.
   *
   * @throws DatasetFileException when the file is missing, has another magic, or ends early
   */
  public static UnsignedBytes readRaw(Path path, int expectedMagic, int limit) throws IOException {
    if (limit < 0) {
      throw new IllegalArgumentException("IdxReader: limit must be >= 0, got " + limit);
    }
    try (Source src = Source.open(path)) {
      Header h = src.readHeader(expectedMagic);
      int n = Math.min(limit, h.count());
      long dataBytes = n * h.itemBytes();
      long expectedTotal = h.headerBytes() + dataBytes;
      if (dataBytes > Integer.MAX_VALUE - 8) {
        throw new DatasetFileException(path, "IDX file " + path + " is too large to load: " + n + " items of "
            + h.itemBytes() + " bytes need " + dataBytes + " bytes; pass a limit");
      }
      byte[] data = new byte[(int) dataBytes];
      int got = src.read(data, 0, data.length, h.headerBytes());
      if (got < data.length) {
        throw new DatasetFileException(path, "truncated IDX file " + path + ": expected " + expectedTotal
            + " bytes of " + kind(expectedMagic) + " data (a " + h.headerBytes() + "-byte header and "
            + describeItems(h, n) + "), file ends after " + (h.headerBytes() + got) + " bytes"
            + src.uncompressedNote());
      }
      if (n == h.count() && src.read(new byte[1], 0, 1, expectedTotal) > 0) {
        throw new DatasetFileException(path, "corrupt IDX file " + path + ": expected " + expectedTotal
            + " bytes of " + kind(expectedMagic) + " data (a " + h.headerBytes() + "-byte header and "
            + describeItems(h, n) + "), but the file has more" + src.uncompressedNote());
      }
      int[] shape = h.dims();
      shape[0] = n;
      return new UnsignedBytes(h, shape, data);
    }
  }

  private static String kind(int magic) {
    return switch (magic) {
      case IMAGES_MAGIC -> "image";
      case LABELS_MAGIC -> "label";
      default -> "IDX";
    };
  }

  private static String describe(int magic) {
    return switch (magic) {
      case IMAGES_MAGIC -> hex(magic) + " (uint8 images [N, rows, cols])";
      case LABELS_MAGIC -> hex(magic) + " (uint8 labels [N])";
      default -> hex(magic);
    };
  }

  private static String describeItems(Header h, int n) {
    String of = n == h.count() ? n + "" : "the first " + n + " of " + h.count();
    int[] d = h.dims;
    if (h.magic == IMAGES_MAGIC) {
      return of + " images of " + d[1] + "x" + d[2];
    }
    if (h.magic == LABELS_MAGIC) {
      return of + " labels";
    }
    return of + " items of " + h.itemBytes() + " bytes";
  }

  static String hex(int magic) {
    return String.format("0x%08x", magic);
  }

  /** An open IDX file, decompressing when it starts with the gzip magic; counts for messages. */
  private static final class Source implements AutoCloseable {
    private final Path path;
    private final InputStream in;
    private final boolean gzip;

    private Source(Path path, InputStream in, boolean gzip) {
      this.path = path;
      this.in = in;
      this.gzip = gzip;
    }

    static Source open(Path path) throws IOException {
      InputStream raw;
      try {
        raw = new BufferedInputStream(Files.newInputStream(path), STREAM_BUFFER_BYTES);
      } catch (NoSuchFileException e) {
        throw new DatasetFileException(path, "IDX file not found: " + path, e);
      }
      try {
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
          return new Source(path, new GZIPInputStream(raw, STREAM_BUFFER_BYTES), true);
        }
        return new Source(path, raw, false);
      } catch (EOFException | ZipException e) {
        raw.close();
        throw new DatasetFileException(path, "corrupt gzip header in IDX file " + path + ": " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        raw.close();
        throw e;
      }
    }

    /** Reads and checks the header; {@code expectedMagic} 0 accepts any unsigned-byte IDX magic. */
    Header readHeader(int expectedMagic) throws IOException {
      byte[] m = new byte[4];
      int got = read(m, 0, 4, 0);
      if (got < 4) {
        throw new DatasetFileException(path, "truncated IDX file " + path + ": expected a 4-byte IDX magic number"
            + (expectedMagic != 0 ? " " + describe(expectedMagic) : "") + ", file ends after " + got + " bytes"
            + uncompressedNote());
      }
      int magic = bigEndian(m, 0);
      if (m[0] != 0 || m[1] != 0 || (m[2] & 0xFF) != UNSIGNED_BYTE_TYPE || m[3] == 0) {
        throw new DatasetFileException(path, "not an IDX file of unsigned bytes: " + path + " starts with "
            + hex(magic) + ", expected " + (expectedMagic != 0 ? describe(expectedMagic) : "0x000008NN"));
      }
      if (expectedMagic != 0 && magic != expectedMagic) {
        throw new DatasetFileException(path, "wrong IDX file: " + path + " has magic " + describe(magic)
            + ", expected " + describe(expectedMagic));
      }
      int rank = m[3] & 0xFF;
      byte[] d = new byte[4 * rank];
      got = read(d, 0, d.length, 4);
      if (got < d.length) {
        throw new DatasetFileException(path, "truncated IDX file " + path + ": expected a " + (4 + d.length)
            + "-byte header, file ends after " + (4 + got) + " bytes" + uncompressedNote());
      }
      int[] dims = new int[rank];
      for (int i = 0; i < rank; i++) {
        dims[i] = bigEndian(d, 4 * i);
        if (dims[i] < 0) {
          throw new DatasetFileException(path, "corrupt IDX file " + path + ": dimension " + i + " has size "
              + Integer.toUnsignedLong(dims[i]) + ", more than an int32 can index");
        }
      }
      return new Header(magic, dims);
    }

    /**
     * Reads up to {@code len} bytes, fewer only at the end of the data; {@code position} is how many
     * bytes came before (for messages).
     */
    int read(byte[] buf, int off, int len, long position) throws IOException {
      int n = 0;
      try {
        while (n < len) {
          int r = in.read(buf, off + n, len - n);
          if (r < 0) {
            break;
          }
          n += r;
        }
      } catch (EOFException e) {
        // A gzip stream cut short: the data ends here, which the caller reports with the count.
      } catch (ZipException e) {
        throw new DatasetFileException(path, "corrupt gzip data in IDX file " + path + " after " + (position + n)
            + " uncompressed bytes: " + e.getMessage(), e);
      }
      return n;
    }

    String uncompressedNote() {
      return gzip ? " (uncompressed)" : "";
    }

    private static int bigEndian(byte[] b, int i) {
      return (b[i] & 0xFF) << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
