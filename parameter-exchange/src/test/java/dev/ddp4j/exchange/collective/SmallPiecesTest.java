package dev.ddp4j.exchange.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.ShortBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Chunk layout, bf16 codec and settings. */
class SmallPiecesTest {

  @Test
  void chunksAreNearEqualContiguousAndSegmentsCoverThem() {
    for (int chunks = 1; chunks <= 8; chunks++) {
      for (int length = 0; length <= 60; length++) {
        ChunkLayout layout = new ChunkLayout(length, chunks, 3);
        int next = 0;
        for (int c = 0; c < chunks; c++) {
          assertEquals(next, layout.chunkOffset(c));
          int len = layout.chunkLength(c);
          assertTrue(len == length / chunks || len == length / chunks + 1);
          int covered = 0;
          for (int s = 0; s < layout.segmentCount(c); s++) {
            assertEquals(next + covered, layout.segmentOffset(c, s));
            int n = layout.segmentLength(c, s);
            assertTrue(n >= 1 && n <= 3);
            covered += n;
          }
          assertEquals(len, covered);
          next += len;
        }
        assertEquals(length, next);
      }
    }
    assertEquals(2, new ChunkLayout(Integer.MAX_VALUE - 8, 1, Integer.MAX_VALUE - 9).segmentCount(0));
  }

  @Test
  void bf16RoundsToNearestEvenAndDecodesExactly() {
    assertEquals((short) 0x3F80, Bf16.encode(1.0f));
    assertEquals(1.0f, Bf16.round(1.00390625f), "tie below: to even");
    assertEquals(1.015625f, Bf16.round(1.01171875f), "tie above: to even");
    assertEquals(1.0078125f, Bf16.round(1.0078125f), "representable: unchanged");
    assertEquals(1.0078125f, Bf16.round(1.005f), "nearest");
    assertEquals(-0.0f, Bf16.round(-0.0f));
    assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.MAX_VALUE));
    assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
    float[] values = {3.14159f, -2.71828f, 1e-20f, 6.5e4f};
    short[] encoded = new short[values.length];
    ShortBuffer buf = ShortBuffer.wrap(encoded);
    Bf16.encode(values, 0, values.length, buf);
    assertEquals(values.length, buf.position());
    float[] decoded = new float[values.length];
    Bf16.decode(ShortBuffer.wrap(encoded), decoded, 0, values.length);
    float[] rounded = values.clone();
    Bf16.roundInPlace(rounded, 0, rounded.length);
    assertArrayEquals(rounded, decoded);
    assertEquals(3.140625f, decoded[0]);
  }

  @Test
  void settingsComeFromReferenceConf() {
    ExchangeSettings s = ExchangeSettings.fromConfig(ConfigFactory.load());
    assertEquals(new ExchangeSettings(256 * 1024, 16, Duration.ofSeconds(30)), s);
    assertEquals(65536, s.segmentElements());
  }

  @Test
  void segmentThatCannotFitAnArteryFrameIsRefusedUpFront() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExchangeSettings.fromConfig(
        ConfigFactory.parseString("akka.actor.provider = cluster").withFallback(ConfigFactory.load())
            .withFallback(ConfigFactory.parseString("akka.remote.artery.advanced.maximum-frame-size = 256KiB"))));
    assertEquals("ddp4j.exchange.segment-bytes = 262144 plus 4096 bytes of headers exceeds"
        + " akka.remote.artery.advanced.maximum-frame-size = 262144: Artery would drop every full segment;"
        + " set the frame size to at least 266240 bytes or lower the segment size", e.getMessage());
    ExchangeSettings fits = ExchangeSettings.fromConfig(ConfigFactory.parseString(
        "akka.actor.provider = remote\nakka.remote.artery.advanced.maximum-frame-size = 512KiB")
        .withFallback(ConfigFactory.load()));
    assertEquals(262144, fits.segmentBytes());
  }

  @Test
  void badSettingsAreRefusedWithTheKeyName() {
    assertEquals("ddp4j.exchange.segment-bytes must be a positive multiple of 4, got 6",
        assertThrows(IllegalArgumentException.class, () -> new ExchangeSettings(6, 1, Duration.ofSeconds(1)))
            .getMessage());
    assertEquals("ddp4j.exchange.window must be >= 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new ExchangeSettings(4, 0, Duration.ofSeconds(1)))
            .getMessage());
    assertEquals("ddp4j.exchange.timeout must be > 0, got PT0S",
        assertThrows(IllegalArgumentException.class, () -> new ExchangeSettings(4, 1, Duration.ZERO)).getMessage());
  }
}
