package dev.ddp4j.tensor.io;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Saves and loads named tensors in the safetensors format, as PyTorch checkpoints use it: an
 * 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each tensor name to its
 * {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional {@code __metadata__}
 * object of strings), padded with spaces so the data starts at a multiple of 8, then the tensors'
 * little-endian row-major bytes back to back.
 *
 * <p>Writing lays tensors out sorted by name ({@link String#compareTo}); the reference
 * implementation sorts by dtype alignment first, which readers never notice since they only follow
 * the offsets. Reading refuses a source that breaks the format with a {@link
 * SafeTensorsFormatException} and never returns part of it: the whole header is validated (dtypes,
 * shapes, offsets tiling the data section exactly, the data section's length) before any tensor is
 * built, and bool bytes are checked as they are read.
 */
public final class SafeTensors {
  /** The name {@link #fromBytes} gives its source in error messages. */
  static final String BYTES_SOURCE = "<bytes>";

  private SafeTensors() {}

  /** Saves tensors without metadata; see {@link #save(Map, Map, Path)}. */
  public static void save(Map<String, Tensor> tensors, Path file) throws IOException {
    save(tensors, null, file);
  }

  /**
   * Atomically replaces {@code file} with the given tensors and metadata (null or empty for none):
   * the bytes go to a temporary file in the same directory, which is fsynced and then renamed over
   * {@code file}, so a crash leaves either the old file or the new one, never a half-written one.
   * Non-contiguous tensors are written as their contiguous copies; tensors sharing storage are
   * written separately.
   *
   * @throws IllegalArgumentException if a name is {@code __metadata__}, or a name, tensor, metadata
   *     key or value is null
   */
  public static void save(Map<String, Tensor> tensors, Map<String, String> metadata, Path file) throws IOException {
    Layout layout = Layout.of(tensors, metadata);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong())
        + ".tmp");
    // (a) write the whole file under a name no reader looks for, (b) make its bytes durable,
    // (c) rename it over the target in one step, (d) make the rename itself durable.
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        layout.writeTo(ch);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    syncDirectory(dir);
  }

  /** The bytes of a safetensors file holding the given tensors and metadata (null or empty for none). */
  public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
    Layout layout = Layout.of(tensors, metadata);
    long total = layout.totalBytes();
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("toBytes: " + total + " bytes do not fit in a byte array; use save");
    }
    byte[] bytes = new byte[(int) total];
    try {
      layout.writeTo(new BufferChannel(ByteBuffer.wrap(bytes)));
    } catch (IOException e) {
      throw new AssertionError("writing to memory cannot fail", e);
    }
    return bytes;
  }

  /**
   * Loads every tensor of a safetensors file, in header order, as fresh contiguous tensors.
   *
   * @throws SafeTensorsFormatException if the file breaks the format; nothing is returned then
   */
  public static Map<String, Tensor> load(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return readTensors(file.toString(), ch, ch.size());
    }
  }

  /** Loads the tensors of safetensors bytes, as {@link #load} does a file. */
  public static Map<String, Tensor> fromBytes(byte[] bytes) throws SafeTensorsFormatException {
    try {
      return readTensors(BYTES_SOURCE, new BufferChannel(ByteBuffer.wrap(bytes)), bytes.length);
    } catch (SafeTensorsFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new AssertionError("reading from memory cannot fail", e);
    }
  }

  /**
   * The {@code __metadata__} of a safetensors file in header order (empty when it has none), after
   * validating its header and length as {@link #load} does; tensor data is not read.
   */
  public static Map<String, String> metadata(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return new LinkedHashMap<>(readHeader(file.toString(), ch, ch.size()).metadata());
    }
  }

  // ---------------------------------------------------------------- reading

  private static Map<String, Tensor> readTensors(String source, ReadableByteChannel in, long size)
      throws IOException {
    SafeTensorsHeader header = readHeader(source, in, size);
    long dataStart = size - header.dataLength();
    ByteBuffer scratch = TensorData.scratch();
    Map<String, Tensor> byName = new HashMap<>();
    for (SafeTensorsHeader.Entry e : header.entriesByOffset()) {
      byName.put(e.name(), TensorData.read(source, e, in, dataStart + e.begin(), scratch));
    }
    Map<String, Tensor> inHeaderOrder = new LinkedHashMap<>();
    for (SafeTensorsHeader.Entry e : header.entries()) {
      inHeaderOrder.put(e.name(), byName.get(e.name()));
    }
    return inHeaderOrder;
  }

  /** Reads and validates the length prefix and header; leaves {@code in} at the first data byte. */
  private static SafeTensorsHeader readHeader(String source, ReadableByteChannel in, long size) throws IOException {
    int prefixBytes = SafeTensorsHeader.LENGTH_PREFIX_BYTES;
    if (size < prefixBytes) {
      throw new SafeTensorsFormatException(source, "file is " + size + " bytes long, too short for the "
          + prefixBytes + "-byte header length");
    }
    ByteBuffer prefix = ByteBuffer.allocate(prefixBytes).order(ByteOrder.LITTLE_ENDIAN);
    readFully(source, in, prefix);
    long headerBytes = prefix.flip().getLong();
    if (Long.compareUnsigned(headerBytes, SafeTensorsHeader.MAX_HEADER_BYTES) > 0) {
      throw new SafeTensorsFormatException(source, "header length " + Long.toUnsignedString(headerBytes)
          + " is larger than the limit of " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes (corrupt length prefix?)");
    }
    if (headerBytes > size - prefixBytes) {
      throw new SafeTensorsFormatException(source, "header length " + headerBytes + " is larger than the "
          + (size - prefixBytes) + " bytes that follow the length prefix (truncated file or corrupt prefix?)");
    }
    ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
    readFully(source, in, header);
    return SafeTensorsHeader.parse(source, header.array(), size - prefixBytes - headerBytes);
  }

  private static void readFully(String source, ReadableByteChannel in, ByteBuffer dst) throws IOException {
    while (dst.hasRemaining()) {
      if (in.read(dst) < 0) {
        throw new SafeTensorsFormatException(source, "file ended while reading its header (was it truncated "
            + "while being read?)");
      }
    }
  }

  /** Fsyncs a directory so that a rename in it survives a crash; not every platform supports it. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException notSupportedHere) {
      // Windows cannot open a directory as a channel; the rename is as durable as the platform makes it.
    }
  }

  // ---------------------------------------------------------------- writing

  /** Where each tensor goes in a file about to be written, with the header that says so. */
  private record Layout(List<Tensor> contiguous, byte[] header, long dataLength) {
    static Layout of(Map<String, Tensor> tensors, Map<String, String> metadata) {
      Objects.requireNonNull(tensors, "tensors");
      Map<String, Tensor> byName = new TreeMap<>();
      for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
        String name = t.getKey();
        if (name == null || t.getValue() == null) {
          throw new IllegalArgumentException("save: null " + (name == null ? "tensor name" : "tensor '" + name + "'"));
        }
        if (SafeTensorsHeader.METADATA_KEY.equals(name)) {
          throw new IllegalArgumentException("save: '" + name + "' is reserved for the metadata, not a tensor name");
        }
        // A tensor on a device is written from a CPU copy, as PyTorch's safetensors does.
        byName.put(name, t.getValue().to(Device.CPU));
      }
      Map<String, String> meta = new TreeMap<>();
      for (Map.Entry<String, String> m : (metadata == null ? Map.<String, String>of() : metadata).entrySet()) {
        if (m.getKey() == null || m.getValue() == null) {
          throw new IllegalArgumentException("save: null metadata " + (m.getKey() == null ? "key" : "value of '"
              + m.getKey() + "'"));
        }
        meta.put(m.getKey(), m.getValue());
      }
      List<Tensor> contiguous = new ArrayList<>(byName.size());
      List<SafeTensorsHeader.Entry> entries = new ArrayList<>(byName.size());
      long offset = 0;
      for (Map.Entry<String, Tensor> t : byName.entrySet()) {
        Tensor c = t.getValue().detach().contiguous();
        long end = offset + (long) c.numel() * c.dtype().itemSize();
        entries.add(new SafeTensorsHeader.Entry(t.getKey(), c.dtype(), c.shape(), c.numel(), offset, end));
        contiguous.add(c);
        offset = end;
      }
      return new Layout(Collections.unmodifiableList(contiguous), SafeTensorsHeader.encode(entries, meta), offset);
    }

    long totalBytes() {
      return SafeTensorsHeader.LENGTH_PREFIX_BYTES + header.length + dataLength;
    }

    void writeTo(WritableByteChannel out) throws IOException {
      ByteBuffer prefix = ByteBuffer.allocate(SafeTensorsHeader.LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      prefix.putLong(header.length).flip();
      writeFully(out, prefix);
      writeFully(out, ByteBuffer.wrap(header));
      ByteBuffer scratch = TensorData.scratch();
      for (Tensor t : contiguous) {
        TensorData.write(t, out, scratch);
      }
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer src) throws IOException {
      while (src.hasRemaining()) {
        out.write(src);
      }
    }
  }

  /** A channel over a heap buffer, so that bytes go through the same code as files do. */
  private static final class BufferChannel implements ByteChannel {
    private final ByteBuffer buf;

    BufferChannel(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public int read(ByteBuffer dst) {
      if (!buf.hasRemaining()) {
        return -1;
      }
      int k = Math.min(dst.remaining(), buf.remaining());
      dst.put(buf.slice().limit(k));
      buf.position(buf.position() + k);
      return k;
    }

    @Override
    public int write(ByteBuffer src) {
      int k = src.remaining();
      buf.put(src);
      return k;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
