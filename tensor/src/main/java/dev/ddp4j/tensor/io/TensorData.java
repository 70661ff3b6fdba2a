package dev.ddp4j.tensor.io;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Tensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Moves tensor elements between storages and a channel as little-endian row-major bytes, one
 * bounded scratch buffer at a time so that a large tensor never needs a second full-size copy.
 */
final class TensorData {
  /** Bytes moved per channel call; a multiple of every item size so no element straddles two chunks. */
  static final int CHUNK_BYTES = 1 << 20;

  private TensorData() {}

  /** A little-endian scratch buffer of {@link #CHUNK_BYTES}. */
  static ByteBuffer scratch() {
    return ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Writes the elements of a contiguous tensor to {@code out}. */
  static void write(Tensor t, WritableByteChannel out, ByteBuffer buf) throws IOException {
    Storage s = t.storage();
    int itemSize = t.dtype().itemSize();
    int perChunk = CHUNK_BYTES / itemSize;
    int numel = t.numel();
    for (int done = 0; done < numel; done += perChunk) {
      int pos = t.storageOffset() + done;
      int k = Math.min(perChunk, numel - done);
      buf.clear();
      switch (t.dtype()) {
        case FLOAT32 -> buf.asFloatBuffer().put(s.floats(), pos, k);
        case FLOAT64 -> buf.asDoubleBuffer().put(s.doubles(), pos, k);
        case INT64 -> buf.asLongBuffer().put(s.longs(), pos, k);
        case BFLOAT16, FLOAT16 -> buf.asShortBuffer().put(s.halves(), pos, k);
        case BOOL -> buf.put(s.bools(), pos, k);
        default -> throw new AssertionError(t.dtype());
      }
      buf.position(0).limit(k * itemSize);
      while (buf.hasRemaining()) {
        out.write(buf);
      }
    }
  }

  /**
   * Reads the tensor of {@code entry} from {@code in}, which stands at the entry's first byte, at
   * {@code fileOffset} bytes into the source.
   *
   * @throws SafeTensorsFormatException if the source ends early or a bool byte is not 0 or 1
   */
  static Tensor read(String source, SafeTensorsHeader.Entry entry, ReadableByteChannel in, long fileOffset,
      ByteBuffer buf) throws IOException {
    DType dtype = entry.dtype();
    int numel = entry.numel();
    Storage s = dtype.isHalf() ? Tensors.halfStorage(dtype, new short[numel]) : Storage.allocate(dtype, numel);
    int itemSize = dtype.itemSize();
    int perChunk = CHUNK_BYTES / itemSize;
    for (int done = 0; done < numel; done += perChunk) {
      int k = Math.min(perChunk, numel - done);
      buf.clear().limit(k * itemSize);
      while (buf.hasRemaining()) {
        if (in.read(buf) < 0) {
          throw new SafeTensorsFormatException(source, "file ended at byte " + (fileOffset + (long) done * itemSize
              + buf.position()) + " while reading tensor '" + entry.name() + "' (was it truncated while being read?)");
        }
      }
      buf.flip();
      switch (dtype) {
        case FLOAT32 -> buf.asFloatBuffer().get(s.floats(), done, k);
        case FLOAT64 -> buf.asDoubleBuffer().get(s.doubles(), done, k);
        case INT64 -> buf.asLongBuffer().get(s.longs(), done, k);
        case BFLOAT16, FLOAT16 -> buf.asShortBuffer().get(s.halves(), done, k);
        case BOOL -> readBools(source, entry, buf, s.bools(), done, k);
        default -> throw new AssertionError(dtype);
      }
    }
    return Tensors.fromStorage(s, entry.shape());
  }

  private static void readBools(String source, SafeTensorsHeader.Entry entry, ByteBuffer buf, byte[] dst, int at,
      int k) throws SafeTensorsFormatException {
    buf.get(dst, at, k);
    for (int i = at; i < at + k; i++) {
      if ((dst[i] & ~1) != 0) {
        throw new SafeTensorsFormatException(source, "tensor '" + entry.name() + "' (BOOL) has byte 0x"
            + String.format("%02x", dst[i] & 0xff) + " at element " + i + "; a bool is stored as 0 or 1");
      }
    }
  }
}
