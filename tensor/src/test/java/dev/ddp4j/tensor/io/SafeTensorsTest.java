package dev.ddp4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Tensors;
import dev.ddp4j.tensor.Torch;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

  @TempDir
  Path dir;

  // ---------------------------------------------------------------- round trips

  @Test
  void roundTripKeepsEveryDtypeShapeAndBitPattern() throws IOException {
    Map<String, Tensor> tensors = sampleTensors();
    Path file = dir.resolve("all.safetensors");
    SafeTensors.save(tensors, file);

    Map<String, Tensor> loaded = SafeTensors.load(file);
    assertSameTensors(tensors, loaded);
    assertSameTensors(tensors, SafeTensors.fromBytes(SafeTensors.toBytes(tensors, null)));
    assertArrayEquals(Files.readAllBytes(file), SafeTensors.toBytes(tensors, Map.of()));
  }

  @Test
  void tensorsLargerThanOneChunkRoundTrip() throws IOException {
    int n = 3 * TensorData.CHUNK_BYTES / 4 / 2 + 5;  // 1.5 chunks of float32, not a whole number of chunks
    float[] f = new float[n];
    double[] d = new double[n];
    boolean[] b = new boolean[2 * TensorData.CHUNK_BYTES + 3];
    Random random = new Random(42);
    for (int i = 0; i < n; i++) {
      f[i] = random.nextFloat();
      d[i] = random.nextGaussian();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = random.nextBoolean();
    }
    Map<String, Tensor> tensors = Map.of("f", Torch.fromArray(f, n), "d", Torch.fromArray(d, n),
        "b", Torch.fromArray(b, b.length));
    Path file = dir.resolve("large.safetensors");
    SafeTensors.save(tensors, file);

    assertSameTensors(tensors, SafeTensors.load(file));
  }

  @Test
  void tensorsAreWrittenSortedByNameAndLoadedInHeaderOrder() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("zeta", Torch.fromArray(new float[] {1}, 1));
    tensors.put("alpha", Torch.fromArray(new long[] {2}));
    tensors.put("mid", Torch.fromArray(new double[] {3}, 1, 1));
    Path file = dir.resolve("order.safetensors");
    SafeTensors.save(tensors, file);

    assertEquals(List.of("alpha", "mid", "zeta"), new ArrayList<>(SafeTensors.load(file).keySet()));
  }

  @Test
  void nonContiguousTensorIsWrittenAsItsContiguousCopy() throws IOException {
    Tensor t = Torch.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).t();
    Path file = dir.resolve("t.safetensors");
    SafeTensors.save(Map.of("t", t), file);

    Tensor loaded = SafeTensors.load(file).get("t");
    assertArrayEquals(new int[] {3, 2}, loaded.shape());
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, loaded.toFloatArray());
    assertTrue(loaded.isContiguous());
  }

  @Test
  void metadataRoundTripsAndIsEmptyWhenAbsent() throws IOException {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("step", "1200");
    metadata.put("format", "pt");
    metadata.put("note", "ünïcödé \"quoted\" ✓");
    Path with = dir.resolve("with.safetensors");
    Path without = dir.resolve("without.safetensors");
    SafeTensors.save(Map.of("x", Torch.fromArray(new float[] {1}, 1)), metadata, with);
    SafeTensors.save(Map.of("x", Torch.fromArray(new float[] {1}, 1)), without);

    Map<String, String> sortedByKey = new LinkedHashMap<>();
    sortedByKey.put("format", "pt");
    sortedByKey.put("note", "ünïcödé \"quoted\" ✓");
    sortedByKey.put("step", "1200");
    assertEquals(new ArrayList<>(sortedByKey.entrySet()), new ArrayList<>(SafeTensors.metadata(with).entrySet()));
    assertEquals(Map.of(), SafeTensors.metadata(without));
    assertArrayEquals(new float[] {1}, SafeTensors.load(with).get("x").toFloatArray());
  }

  @Test
  void tinyFileHasExactBytes() throws IOException {
    Map<String, Tensor> tensors = Map.of(
        "b", Torch.fromArray(new boolean[] {true}),
        "a", Torch.fromArray(new float[] {1.0f, -2.0f}, 2));
    Path file = dir.resolve("tiny.safetensors");
    SafeTensors.save(tensors, Map.of("k", "v"), file);

    String json = "{\"__metadata__\":{\"k\":\"v\"},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[8,9]}}";
    assertEquals(132, json.length());
    ByteBuffer expected = ByteBuffer.allocate(8 + 136 + 9).order(ByteOrder.LITTLE_ENDIAN);
    expected.putLong(136);
    expected.put((json + "    ").getBytes(StandardCharsets.UTF_8));  // 8 + 136 is a multiple of 8
    expected.put(new byte[] {0x00, 0x00, (byte) 0x80, 0x3f});  // 1.0f
    expected.put(new byte[] {0x00, 0x00, 0x00, (byte) 0xc0});  // -2.0f
    expected.put((byte) 1);
    assertArrayEquals(expected.array(), Files.readAllBytes(file));
  }

  @Test
  void saveReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
    Path file = dir.resolve("ckpt.safetensors");
    SafeTensors.save(Map.of("x", Torch.fromArray(new float[] {1}, 1)), file);
    SafeTensors.save(Map.of("y", Torch.fromArray(new float[] {2}, 1)), file);

    assertEquals(List.of("y"), new ArrayList<>(SafeTensors.load(file).keySet()));
    assertEquals(List.of(file), listDir());
  }

  @Test
  void failedSaveKeepsTheOldFile() throws IOException {
    Path file = dir.resolve("ckpt.safetensors");
    SafeTensors.save(Map.of("x", Torch.fromArray(new float[] {1}, 1)), file);
    byte[] before = Files.readAllBytes(file);
    Map<String, Tensor> bad = new HashMap<>();
    bad.put("__metadata__", Torch.fromArray(new float[] {2}, 1));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(bad, file));
    assertEquals("save: '__metadata__' is reserved for the metadata, not a tensor name", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    assertEquals(List.of(file), listDir());
  }

  // ---------------------------------------------------------------- corrupt sources

  @Test
  void fileShorterThanTheLengthPrefixIsRefused() throws IOException {
    assertRefused(new byte[] {1, 2, 3, 4, 5}, "file is 5 bytes long, too short for the 8-byte header length");
  }

  @Test
  void headerLengthBeyondTheFileIsRefused() throws IOException {
    byte[] bytes = SafeTensors.toBytes(Map.of("a", Torch.fromArray(new float[] {1, 2}, 2)), null);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
    assertRefused(bytes, "header length 1000 is larger than the " + (bytes.length - 8)
        + " bytes that follow the length prefix (truncated file or corrupt prefix?)");
  }

  @Test
  void absurdHeaderLengthIsRefused() throws IOException {
    byte[] bytes = SafeTensors.toBytes(Map.of("a", Torch.fromArray(new float[] {1, 2}, 2)), null);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
    assertRefused(bytes, "header length 18446744073709551615 is larger than the limit of 100000000 bytes "
        + "(corrupt length prefix?)");
  }

  @Test
  void emptyHeaderIsRefused() throws IOException {
    assertRefused(new byte[8], "header must be a JSON object starting with '{', found nothing");
  }

  @Test
  void headerThatIsNotUtf8IsRefused() throws IOException {
    byte[] header = "{\"a?\":{}}".getBytes(StandardCharsets.US_ASCII);
    header[3] = (byte) 0xff;
    assertRefused(file(header, new byte[0]), "header is not valid UTF-8 (bad byte 0xff at file offset 11)");
  }

  @Test
  void headerThatIsNotAJsonObjectIsRefused() throws IOException {
    assertRefused(file("[1,2]", new byte[0]), "header must be a JSON object starting with '{', found '[1,2]'");
  }

  @Test
  void garbageJsonIsRefused() throws IOException {
    assertRefused(file("{not json}", new byte[0]), "header is not valid JSON at character 2: Unexpected character "
        + "('n' (code 110)): was expecting double-quote to start field name");
  }

  @Test
  void contentAfterTheHeaderObjectIsRefused() throws IOException {
    assertRefused(file("{} {}", new byte[0]), "header has content after its JSON object: '{'");
  }

  @Test
  void unsupportedDtypeIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]),
        "tensor 'a' has unsupported dtype 'I32' (supported: F32, F64, I64, BF16, F16, BOOL)");
  }

  @Test
  void negativeDimensionIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", new byte[8]),
        "tensor 'a' has a negative dimension in shape [2, -1]");
  }

  @Test
  void fractionalDimensionIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", new byte[8]),
        "tensor 'a' has a shape entry that is not a 64-bit integer: 2.5");
  }

  @Test
  void shapeTooLargeForAJavaArrayIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"BOOL\",\"shape\":[100000,100000],\"data_offsets\":[0,1]}}", new byte[1]),
        "tensor 'a' has shape [100000, 100000], more elements than a Java array can hold");
  }

  @Test
  void offsetBeyond64BitsIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}",
        new byte[8]), "tensor 'a' has a data_offsets entry that is not a 64-bit integer: 99999999999999999999");
  }

  @Test
  void offsetsThatDisagreeWithDtypeAndShapeAreRefused() throws IOException {
    assertRefused(file("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[784,512],\"data_offsets\":[0,100]}}",
        new byte[100]),
        "tensor 'fc1.weight' has data_offsets [0, 100] but dtype F32 and shape [784, 512] need 1605632 bytes");
  }

  @Test
  void offsetsThatEndBeforeTheyBeginAreRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", new byte[8]),
        "tensor 'a' has data_offsets [8, 4]; expected 0 <= begin <= end");
  }

  @Test
  void overlappingOffsetsAreRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
        "tensor 'b' has data_offsets [4, 12] which overlap tensor 'a' at [0, 8]");
  }

  @Test
  void offsetsLeavingAHoleAreRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", new byte[20]),
        "bytes [8, 12) of the data section belong to no tensor (a hole before tensor 'b')");
  }

  @Test
  void dataNotStartingAtOffsetZeroIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
        "bytes [0, 4) of the data section belong to no tensor (a hole before tensor 'a')");
  }

  @Test
  void fileTruncatedByOneByteIsRefused() throws IOException {
    byte[] valid = SafeTensors.toBytes(sampleTensors(), Map.of("k", "v"));
    long dataLength = dataLength(valid);
    assertRefused(Arrays.copyOf(valid, valid.length - 1), "file is truncated: the header describes " + dataLength
        + " bytes of tensor data but only " + (dataLength - 1) + " bytes follow the header");
  }

  @Test
  void bytesAfterTheLastTensorAreRefused() throws IOException {
    byte[] valid = SafeTensors.toBytes(sampleTensors(), null);
    long dataLength = dataLength(valid);
    assertRefused(Arrays.copyOf(valid, valid.length + 3), "3 bytes after the last tensor's data belong to no tensor "
        + "(the header describes " + dataLength + " bytes of tensor data, " + (dataLength + 3) + " follow it)");
  }

  @Test
  void duplicateTensorNameIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
        "duplicate tensor name 'a' in the header");
  }

  @Test
  void duplicateFieldIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]}}",
        new byte[4]), "tensor 'a' has field 'dtype' twice");
  }

  @Test
  void missingFieldIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
        "tensor 'a' lacks field 'data_offsets'");
  }

  @Test
  void unknownFieldIsRefused() throws IOException {
    assertRefused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"offsets\":[0,4]}}", new byte[4]),
        "tensor 'a' has an unknown field 'offsets' (expected dtype, shape and data_offsets)");
  }

  @Test
  void entryThatIsNotAnObjectIsRefused() throws IOException {
    assertRefused(file("{\"a\":5}", new byte[0]), "tensor 'a' must be an object with dtype, shape and data_offsets, "
        + "found 5");
  }

  @Test
  void nonStringMetadataIsRefused() throws IOException {
    assertRefused(file("{\"__metadata__\":{\"step\":3}}", new byte[0]),
        "__metadata__ value of 'step' must be a string, found 3");
  }

  @Test
  void boolByteOtherThanZeroOrOneIsRefusedAndNothingIsReturned() throws IOException {
    byte[] bytes = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
        + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[4,6]}}", new byte[] {0, 0, -128, 63, 1, 2});
    Path file = dir.resolve("bools.safetensors");
    Files.write(file, bytes);
    String problem = "tensor 'm' (BOOL) has byte 0x02 at element 1; a bool is stored as 0 or 1";

    assertEquals(SafeTensors.BYTES_SOURCE + ": " + problem,
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.fromBytes(bytes)).getMessage());
    assertEquals(file + ": " + problem,
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(file)).getMessage());
    assertEquals(Map.of(), SafeTensors.metadata(file));  // metadata() validates the header only
  }

  // ---------------------------------------------------------------- PyTorch interop

  @Test
  void torchWrittenFileLoadsWithExactValues() throws IOException {
    Path file = InteropPython.resource("torch_written.safetensors");
    JsonNode expected = new ObjectMapper().readTree(InteropPython.resource("torch_written.json").toFile());

    Map<String, Tensor> loaded = SafeTensors.load(file);
    assertEquals(fieldNames(expected.get("tensors")), new ArrayList<>(loaded.keySet()));
    assertMatchesJson(expected.get("tensors"), loaded);
    assertEquals(new ObjectMapper().convertValue(expected.get("metadata"), Map.class), SafeTensors.metadata(file));
  }

  @Test
  void torchReadsDdp4jFileWithExactValues() throws IOException, InterruptedException {
    Assumptions.assumeTrue(InteropPython.torchAvailable(), "skipped: " + InteropPython.PYTHON + " -c 'import torch' fails here, so there is "
        + "no PyTorch to read the file with");
    Map<String, Tensor> tensors = sampleTensors();
    Path file = dir.resolve("ddp4j_written.safetensors");
    SafeTensors.save(tensors, Map.of("producer", "ddp4j"), file);

    JsonNode printed = new ObjectMapper().readTree(InteropPython.run(InteropPython.resource("safetensors_io.py").toString(), "read",
        file.toString()));
    assertEquals(Map.of("producer", "ddp4j"), new ObjectMapper().convertValue(printed.get("metadata"), Map.class));
    assertEquals(fieldNames(printed.get("tensors")), tensors.keySet().stream().sorted().toList());
    assertMatchesJson(printed.get("tensors"), tensors);
  }

  // ---------------------------------------------------------------- helpers

  /** One tensor or more of every dtype, with scalars, empty tensors and special float values. */
  private static Map<String, Tensor> sampleTensors() {
    Map<String, Tensor> t = new HashMap<>();
    t.put("f32", Torch.fromArray(new float[] {1.5f, -0.0f, Float.POSITIVE_INFINITY, Float.NaN, Float.MIN_VALUE,
        Float.MAX_VALUE}, 2, 3));
    t.put("f32.scalar", Torch.fromArray(new float[] {-7.25f}));
    t.put("f32.empty", Torch.fromArray(new float[0], 0, 3));
    t.put("f64", Torch.fromArray(new double[] {0.1, -2.5, 1e300, Double.NEGATIVE_INFINITY}, 2, 1, 2));
    t.put("f64.scalar", Torch.fromArray(new double[] {Math.PI}));
    t.put("i64", Torch.fromArray(new long[] {-1, 1L << 62, Long.MIN_VALUE, Long.MAX_VALUE}, 4));
    t.put("i64.scalar", Torch.fromArray(new long[] {(1L << 40) + 7}));
    t.put("i64.empty", Torch.fromArray(new long[0], 2, 0));
    t.put("bf16", half(DType.BFLOAT16, new short[] {0x3f80, (short) 0xc049, 0x7fc0, (short) 0xff80}, 2, 2));
    t.put("bf16.scalar", half(DType.BFLOAT16, new short[] {0x0001}));
    t.put("f16", half(DType.FLOAT16, new short[] {0x3800, (short) 0xfbff, 0x0001}, 3));
    t.put("f16.empty", half(DType.FLOAT16, new short[0], 0));
    t.put("bool", Torch.fromArray(new boolean[] {true, false, true, true}, 2, 2));
    t.put("bool.scalar", Torch.fromArray(new boolean[] {false}));
    return t;
  }

  private static Tensor half(DType dtype, short[] bits, int... shape) {
    return Tensors.fromStorage(Tensors.halfStorage(dtype, bits), shape);
  }

  /** The elements' raw bit patterns in row-major order (int64: values, bool: 0 or 1). */
  private static long[] bits(Tensor t) {
    Tensor c = t.contiguous();
    Storage s = c.storage();
    long[] out = new long[c.numel()];
    for (int i = 0; i < out.length; i++) {
      int j = c.storageOffset() + i;
      out[i] = switch (c.dtype()) {
        case FLOAT32 -> Integer.toUnsignedLong(Float.floatToRawIntBits(s.floats()[j]));
        case FLOAT64 -> Double.doubleToRawLongBits(s.doubles()[j]);
        case INT64 -> s.longs()[j];
        case BFLOAT16, FLOAT16 -> s.halves()[j] & 0xffff;
        case BOOL -> s.bools()[j];
      };
    }
    return out;
  }

  private static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
    assertEquals(expected.keySet().stream().sorted().toList(), new ArrayList<>(actual.keySet()));
    for (Map.Entry<String, Tensor> e : expected.entrySet()) {
      Tensor a = actual.get(e.getKey());
      assertEquals(e.getValue().dtype(), a.dtype(), e.getKey());
      assertArrayEquals(e.getValue().shape(), a.shape(), e.getKey());
      assertArrayEquals(bits(e.getValue()), bits(a), e.getKey());
    }
  }

  /** Compares tensors with {name: {dtype, shape, bits}} as safetensors_io.py prints them. */
  private static void assertMatchesJson(JsonNode expected, Map<String, Tensor> actual) {
    for (Map.Entry<String, JsonNode> e : expected.properties()) {
      Tensor t = actual.get(e.getKey());
      assertEquals(e.getValue().get("dtype").asText(), SafeTensorsDTypes.code(t.dtype()), e.getKey());
      int[] shape = new int[e.getValue().get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = e.getValue().get("shape").get(i).intValue();
      }
      assertArrayEquals(shape, t.shape(), e.getKey());
      JsonNode bitsNode = e.getValue().get("bits");
      long[] bits = new long[bitsNode.size()];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = new BigInteger(bitsNode.get(i).asText()).longValue();  // u64 bit patterns wrap to signed
      }
      assertArrayEquals(bits, bits(t), e.getKey());
    }
  }

  private static List<String> fieldNames(JsonNode object) {
    return object.properties().stream().map(Map.Entry::getKey).toList();
  }

  /** A safetensors file of a header (padded here) and data, built by hand. */
  private static byte[] file(String headerJson, byte[] data) {
    return file(headerJson.getBytes(StandardCharsets.UTF_8), data);
  }

  private static byte[] file(byte[] header, byte[] data) {
    int padded = (header.length + 7) / 8 * 8;
    ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(padded).put(header);
    for (int i = header.length; i < padded; i++) {
      b.put((byte) ' ');
    }
    return b.put(data).array();
  }

  private static long dataLength(byte[] file) {
    return file.length - 8 - ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
  }

  /** Asserts that the bytes are refused, as bytes and as a file, with {@code problem} as the message. */
  private void assertRefused(byte[] bytes, String problem) throws IOException {
    SafeTensorsFormatException fromBytes =
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.fromBytes(bytes));
    assertEquals(SafeTensors.BYTES_SOURCE + ": " + problem, fromBytes.getMessage());

    Path file = dir.resolve("corrupt.safetensors");
    Files.write(file, bytes);
    assertEquals(file + ": " + problem,
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(file)).getMessage());
    assertEquals(file + ": " + problem,
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.metadata(file)).getMessage());
  }

  private List<Path> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
