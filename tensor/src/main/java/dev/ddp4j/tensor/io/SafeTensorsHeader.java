package dev.ddp4j.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.ddp4j.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file: tensor entries in header order plus the optional string
 * metadata. {@link #parse} accepts only a header that fully describes a well-formed data section,
 * so that reading the data afterwards cannot meet a surprise other than the file changing under it.
 */
final class SafeTensorsHeader {
  /** The reference implementation's cap on the header; anything larger is taken as corruption. */
  static final long MAX_HEADER_BYTES = 100_000_000L;
  /** Size of the little-endian u64 header length that starts every file. */
  static final int LENGTH_PREFIX_BYTES = 8;
  /** Key of the optional string-to-string metadata object. */
  static final String METADATA_KEY = "__metadata__";
  /** The largest element count a Java array (and so a ddp4j storage) can hold. */
  private static final long MAX_NUMEL = Integer.MAX_VALUE - 8;

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNameLength((int) MAX_HEADER_BYTES)
          .maxStringLength((int) MAX_HEADER_BYTES)
          .build())
      .build();

  /** One tensor of the header; {@code begin} and {@code end} are offsets into the data section. */
  record Entry(String name, DType dtype, int[] shape, int numel, long begin, long end) {
    long byteLength() {
      return end - begin;
    }
  }

  private final List<Entry> entries;
  private final Map<String, String> metadata;
  private final long dataLength;

  private SafeTensorsHeader(List<Entry> entries, Map<String, String> metadata, long dataLength) {
    this.entries = entries;
    this.metadata = metadata;
    this.dataLength = dataLength;
  }

  /** The tensors in header order. */
  List<Entry> entries() {
    return entries;
  }

  /** The tensors in data order (by offset); for valid headers their ranges tile the data section. */
  List<Entry> entriesByOffset() {
    return byOffset(entries);
  }

  private static List<Entry> byOffset(List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    return sorted;
  }

  /** The metadata in header order; empty when the header has none. */
  Map<String, String> metadata() {
    return metadata;
  }

  /** Bytes of tensor data the header describes. */
  long dataLength() {
    return dataLength;
  }

  // ---------------------------------------------------------------- reading

  /**
   * Parses and validates a header whose bytes are followed by {@code availableDataBytes} bytes of
   * data in the source.
   *
   * @throws SafeTensorsFormatException naming {@code source} when anything is wrong
   */
  static SafeTensorsHeader parse(String source, byte[] bytes, long availableDataBytes)
      throws SafeTensorsFormatException {
    String text = decodeUtf8(source, bytes);
    if (text.isEmpty() || text.charAt(0) != '{') {
      throw new SafeTensorsFormatException(source, "header must be a JSON object starting with '{', found "
          + (text.isBlank() ? "nothing" : "'" + snippet(text.strip()) + "'"));
    }
    List<RawEntry> raw = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    try (JsonParser p = JSON.createParser(text)) {
      readTopLevel(source, p, raw, metadata);
    } catch (SafeTensorsFormatException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw new SafeTensorsFormatException(source, "header is not valid JSON at character "
          + (e.getLocation() == null ? "?" : String.valueOf(e.getLocation().getCharOffset() + 1)) + ": "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from a String cannot fail", e);
    }
    List<Entry> entries = new ArrayList<>(raw.size());
    for (RawEntry r : raw) {
      entries.add(r.validate(source));
    }
    SafeTensorsHeader header = new SafeTensorsHeader(entries, metadata, checkTiling(source, entries));
    if (header.dataLength != availableDataBytes) {
      throw new SafeTensorsFormatException(source, header.dataLength > availableDataBytes
          ? "file is truncated: the header describes " + header.dataLength + " bytes of tensor data but only "
              + availableDataBytes + " bytes follow the header"
          : (availableDataBytes - header.dataLength) + " bytes after the last tensor's data belong to no tensor "
              + "(the header describes " + header.dataLength + " bytes of tensor data, " + availableDataBytes
              + " follow it)");
    }
    return header;
  }

  private static String decodeUtf8(String source, byte[] bytes) throws SafeTensorsFormatException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    try {
      var result = decoder.decode(in, out, true);
      if (result.isError()) {
        result.throwException();
      }
      decoder.flush(out);
    } catch (CharacterCodingException e) {
      throw new SafeTensorsFormatException(source, "header is not valid UTF-8 (bad byte 0x"
          + String.format("%02x", bytes[in.position()] & 0xff) + " at file offset "
          + (LENGTH_PREFIX_BYTES + in.position()) + ")");
    }
    return out.flip().toString();
  }

  /** A header entry as written, before its values are checked. */
  private record RawEntry(String name, String dtype, long[] shape, long[] offsets) {
    Entry validate(String source) throws SafeTensorsFormatException {
      String what = "tensor '" + name + "'";
      DType dt = SafeTensorsDTypes.parse(dtype);
      if (dt == null) {
        throw new SafeTensorsFormatException(source, what + " has unsupported dtype '" + dtype
            + "' (supported: " + SafeTensorsDTypes.SUPPORTED + ")");
      }
      long numel = 1;
      for (long s : shape) {
        if (s < 0) {
          throw new SafeTensorsFormatException(source, what + " has a negative dimension in shape "
              + Arrays.toString(shape));
        }
        if (s > MAX_NUMEL || (numel = numel * s) > MAX_NUMEL) {
          throw new SafeTensorsFormatException(source, what + " has shape " + Arrays.toString(shape)
              + ", more elements than a Java array can hold");
        }
      }
      if (offsets.length != 2) {
        throw new SafeTensorsFormatException(source, what + " has data_offsets " + Arrays.toString(offsets)
            + "; expected [begin, end]");
      }
      long begin = offsets[0];
      long end = offsets[1];
      if (begin < 0 || end < begin) {
        throw new SafeTensorsFormatException(source, what + " has data_offsets " + Arrays.toString(offsets)
            + "; expected 0 <= begin <= end");
      }
      long needed = numel * dt.itemSize();
      if (end - begin != needed) {
        throw new SafeTensorsFormatException(source, what + " has data_offsets " + Arrays.toString(offsets)
            + " but dtype " + dtype + " and shape " + Arrays.toString(shape) + " need " + needed + " bytes");
      }
      int[] intShape = Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
      return new Entry(name, dt, intShape, (int) numel, begin, end);
    }
  }

  /** Checks that the byte ranges tile [0, total) without overlap or hole, and returns total. */
  private static long checkTiling(String source, List<Entry> entries) throws SafeTensorsFormatException {
    long expected = 0;
    Entry previous = null;
    for (Entry e : byOffset(entries)) {
      if (e.begin() > expected) {
        throw new SafeTensorsFormatException(source, "bytes [" + expected + ", " + e.begin()
            + ") of the data section belong to no tensor (a hole before tensor '" + e.name() + "')");
      }
      if (e.begin() < expected) {
        throw new SafeTensorsFormatException(source, "tensor '" + e.name() + "' has data_offsets ["
            + e.begin() + ", " + e.end() + "] which overlap tensor '" + previous.name() + "' at ["
            + previous.begin() + ", " + previous.end() + "]");
      }
      expected = e.end();
      previous = e;
    }
    return expected;
  }

  private static void readTopLevel(String source, JsonParser p, List<RawEntry> raw, Map<String, String> metadata)
      throws IOException {
    p.nextToken();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (!seen.add(name)) {
        throw new SafeTensorsFormatException(source, "duplicate " + (METADATA_KEY.equals(name) ? "" : "tensor ")
            + "name '" + name + "' in the header");
      }
      p.nextToken();
      if (METADATA_KEY.equals(name)) {
        readMetadata(source, p, metadata);
      } else {
        raw.add(readEntry(source, p, name));
      }
    }
    if (p.nextToken() != null) {
      throw new SafeTensorsFormatException(source, "header has content after its JSON object: '" + p.getText()
          + "'");
    }
  }

  private static void readMetadata(String source, JsonParser p, Map<String, String> metadata) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new SafeTensorsFormatException(source, "__metadata__ must be an object of strings, found " + p.getText());
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken() != JsonToken.VALUE_STRING) {
        throw new SafeTensorsFormatException(source, "__metadata__ value of '" + key + "' must be a string, found "
            + p.getText());
      }
      if (metadata.put(key, p.getText()) != null) {
        throw new SafeTensorsFormatException(source, "duplicate key '" + key + "' in __metadata__");
      }
    }
  }

  private static RawEntry readEntry(String source, JsonParser p, String name) throws IOException {
    String what = "tensor '" + name + "'";
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw new SafeTensorsFormatException(source, what + " must be an object with dtype, shape and "
          + "data_offsets, found " + p.getText());
    }
    String dtype = null;
    long[] shape = null;
    long[] offsets = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      boolean duplicate;
      switch (field) {
        case "dtype" -> {
          if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new SafeTensorsFormatException(source, what + " has a dtype that is not a string: " + p.getText());
          }
          duplicate = dtype != null;
          dtype = p.getText();
        }
        case "shape" -> {
          duplicate = shape != null;
          shape = readLongs(source, p, what, field);
        }
        case "data_offsets" -> {
          duplicate = offsets != null;
          offsets = readLongs(source, p, what, field);
        }
        default -> throw new SafeTensorsFormatException(source, what + " has an unknown field '" + field
            + "' (expected dtype, shape and data_offsets)");
      }
      if (duplicate) {
        throw new SafeTensorsFormatException(source, what + " has field '" + field + "' twice");
      }
    }
    if (dtype == null || shape == null || offsets == null) {
      throw new SafeTensorsFormatException(source, what + " lacks field '"
          + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets") + "'");
    }
    return new RawEntry(name, dtype, shape, offsets);
  }

  private static long[] readLongs(String source, JsonParser p, String what, String field) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new SafeTensorsFormatException(source, what + " has a " + field + " that is not an array: " + p.getText());
    }
    long[] values = new long[4];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw new SafeTensorsFormatException(source, what + " has a " + field + " entry that is not a 64-bit "
            + "integer: " + p.getText());
      }
      if (n == values.length) {
        values = Arrays.copyOf(values, 2 * n);
      }
      values[n++] = p.getLongValue();
    }
    return Arrays.copyOf(values, n);
  }

  private static String snippet(String text) {
    return text.length() <= 20 ? text : text.substring(0, 20) + "...";
  }

  // ---------------------------------------------------------------- writing

  /**
   * The header JSON for tensors laid out back to back in the given order, metadata first, padded
   * with spaces so that the data section starts at a multiple of 8 bytes.
   */
  static byte[] encode(List<Entry> entries, Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(METADATA_KEY);
        for (Map.Entry<String, String> m : metadata.entrySet()) {
          g.writeStringField(m.getKey(), m.getValue());
        }
        g.writeEndObject();
      }
      for (Entry e : entries) {
        g.writeObjectFieldStart(e.name());
        g.writeStringField("dtype", SafeTensorsDTypes.code(e.dtype()));
        g.writeArrayFieldStart("shape");
        for (int s : e.shape()) {
          g.writeNumber(s);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(e.begin());
        g.writeNumber(e.end());
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory cannot fail", e);
    }
    int unpadded = out.size();
    int padded = (unpadded + LENGTH_PREFIX_BYTES + 7) / 8 * 8 - LENGTH_PREFIX_BYTES;
    for (int i = unpadded; i < padded; i++) {
      out.write(' ');
    }
    return out.toByteArray();
  }
}
