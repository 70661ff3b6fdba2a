package dev.ddp4j.exchange.ddp;

import java.util.ArrayList;
import java.util.List;

/**
 * Which parameters share a bucket (PyTorch's {@code compute_bucket_assignment_by_size}): parameters
 * are taken in reverse registration order, the order in which backward usually produces their
 * gradients, and a bucket closes as soon as it holds at least its cap (the first bucket's cap, then
 * the others'). A parameter larger than a cap fills a bucket alone.
 *
 * <p>A pure function of the parameter sizes and the caps, so every rank with the same model and
 * options computes the same assignment. Sizes count 4 bytes an element, the float32 the
 * collectives move, whatever the parameter's dtype.
 */
public final class BucketAssignment {
  /** Bytes one gradient element takes in a bucket. */
  public static final int BYTES_PER_ELEMENT = 4;

  private BucketAssignment() {}

  /**
   * The buckets of parameters with {@code numels} (in registration order): each bucket is a list of
   * parameter indices, in the order they are flattened into it.
   */
  public static List<List<Integer>> compute(int[] numels, long firstBucketCapBytes, long bucketCapBytes) {
    List<List<Integer>> buckets = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long bytes = 0;
    for (int i = numels.length - 1; i >= 0; i--) {
      current.add(i);
      bytes += (long) numels[i] * BYTES_PER_ELEMENT;
      long cap = buckets.isEmpty() ? firstBucketCapBytes : bucketCapBytes;
      if (bytes >= cap) {
        buckets.add(List.copyOf(current));
        current = new ArrayList<>();
        bytes = 0;
      }
    }
    if (!current.isEmpty()) {
      buckets.add(List.copyOf(current));
    }
    return List.copyOf(buckets);
  }
}
