package dev.ddp4j.exchange.collective;

/**
 * How the float32 elements of a collective travel between ranks.
 *
 * <p>BF16 is a compressed form of float32 for a gradient comm hook: each value that leaves a rank is
 * first rounded to bfloat16 (round to nearest even, {@link Bf16}), in the sender's buffer, and only
 * its upper 16 bits cross a JVM boundary. Ranks in one JVM apply the same rounding, so a collective
 * gives bit-identical results whether its ranks share a JVM or not.
 */
public enum WireFormat {
  /** IEEE-754 binary32, 4 bytes an element, exact. */
  FLOAT32(4),
  /** bfloat16 (upper half of a binary32), 2 bytes an element, 8 significant bits. */
  BF16(2);

  private final int bytesPerElement;

  WireFormat(int bytesPerElement) {
    this.bytesPerElement = bytesPerElement;
  }

  /** Bytes one element takes in a serialized segment's payload. */
  public int bytesPerElement() {
    return bytesPerElement;
  }
}
