package dev.ddp4j.exchange.collective;

/**
 * How the ring cuts a buffer of {@code length} elements into {@code chunks} near-equal chunks, and each
 * chunk into segments of at most {@code segmentElements}: the first {@code length % chunks} chunks
 * have one element more than the others, so chunk sizes differ by at most one (any length, 0
 * included). Every rank computes the same layout from the same length.
 *
 * <p>Immutable.
 *
 * @param length elements in the whole buffer
 * @param chunks number of chunks (the world size)
 * @param segmentElements largest number of elements in one segment
 */
record ChunkLayout(int length, int chunks, int segmentElements) {

  ChunkLayout {
    if (length < 0 || chunks < 1 || segmentElements < 1) {
      throw new IllegalArgumentException(
          "bad layout: length " + length + ", chunks " + chunks + ", segment " + segmentElements);
    }
  }

  /** First element of chunk {@code c}. */
  int chunkOffset(int c) {
    int base = length / chunks;
    return c * base + Math.min(c, length % chunks);
  }

  /** Number of elements of chunk {@code c}. */
  int chunkLength(int c) {
    return length / chunks + (c < length % chunks ? 1 : 0);
  }

  /** Number of segments of chunk {@code c} (0 for an empty chunk). */
  int segmentCount(int c) {
    return (int) ((chunkLength(c) + (long) segmentElements - 1) / segmentElements);
  }

  /** First element, in the whole buffer, of segment {@code s} of chunk {@code c}. */
  int segmentOffset(int c, int s) {
    return chunkOffset(c) + s * segmentElements;
  }

  /** Number of elements of segment {@code s} of chunk {@code c}. */
  int segmentLength(int c, int s) {
    return Math.min(segmentElements, chunkLength(c) - s * segmentElements);
  }
}
