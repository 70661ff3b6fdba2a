package dev.ddp4j.exchange.collective;

import dev.ddp4j.tensor.Half;
import java.nio.ShortBuffer;

/**
 * bfloat16 as a compressed form of float32 buffers: round to nearest even (as PyTorch's
 * {@code tensor.to(torch.bfloat16)}), NaN stays NaN, values beyond the largest bfloat16 round to
 * infinity. Encoding keeps the upper 16 bits of each rounded float, so decoding is exact and
 * {@code decode(encode(x)) == round(x)}.
 *
 * <p>Stateless; every method may be called from any thread.
 */
public final class Bf16 {
  private Bf16() {}

  /** The bfloat16 bits of {@code value}, rounded to nearest even. */
  public static short encode(float value) {
    return Half.floatToBf16(value);
  }

  /** The float that the bfloat16 bits {@code bits} stand for (exact). */
  public static float decode(short bits) {
    return Half.bf16ToFloat(bits);
  }

  /** {@code value} rounded to the nearest bfloat16, as a float. */
  public static float round(float value) {
    return decode(encode(value));
  }

  /** Rounds {@code values[off, off + n)} to bfloat16 in place. */
  public static void roundInPlace(float[] values, int off, int n) {
    for (int i = off, end = off + n; i < end; i++) {
      values[i] = round(values[i]);
    }
  }

  /** Encodes {@code src[off, off + n)} into {@code dst} from its position on, advancing it by {@code n}. */
  public static void encode(float[] src, int off, int n, ShortBuffer dst) {
    int base = dst.position();
    for (int i = 0; i < n; i++) {
      dst.put(base + i, encode(src[off + i]));
    }
    dst.position(base + n);
  }

  /** Decodes {@code n} values from {@code src}'s position on into {@code dst[off, off + n)}, advancing {@code src} by {@code n}. */
  public static void decode(ShortBuffer src, float[] dst, int off, int n) {
    int base = src.position();
    for (int i = 0; i < n; i++) {
      dst[off + i] = decode(src.get(base + i));
    }
    src.position(base + n);
  }
}
