package dev.ddp4j.tensor;

/**
 * Conversions between float32 and the 16-bit storage formats (bfloat16 and IEEE binary16), with
 * round-to-nearest-even as PyTorch uses. Java 17 has no {@code Float.floatToFloat16}, hence these.
 */
public final class Half {
  private Half() {}

  /** bfloat16 bits to float. */
  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** float to bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
  public static short floatToBf16(float v) {
    int x = Float.floatToRawIntBits(v);
    if ((x & 0x7F800000) == 0x7F800000 && (x & 0x007FFFFF) != 0) {
      return (short) ((x >>> 16) | 0x0040);
    }
    int rounding = 0x7FFF + ((x >>> 16) & 1);
    return (short) ((x + rounding) >>> 16);
  }

  /** IEEE binary16 bits to float (exact). */
  public static float fp16ToFloat(short bits) {
    int h = bits & 0xFFFF;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** float to IEEE binary16 bits, round to nearest even, overflow to infinity. */
  public static short floatToFp16(float v) {
    int x = Float.floatToRawIntBits(v);
    int sign = (x >>> 16) & 0x8000;
    int exp = (x >>> 23) & 0xFF;
    int mant = x & 0x7FFFFF;
    if (exp == 0xFF) {
      return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = m >>> shift;
      int rem = m & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++;
    }
    return (short) (sign | half);
  }
}
