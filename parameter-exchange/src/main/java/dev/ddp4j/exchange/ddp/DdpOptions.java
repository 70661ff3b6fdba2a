package dev.ddp4j.exchange.ddp;

import java.util.Objects;

/**
 * Options of {@link DistributedDataParallel}, as PyTorch's constructor arguments. Immutable; every
 * rank of a group must use equal options (the bucket assignment depends on the caps).
 *
 * @param bucketCapBytes cap of every bucket after the first, in bytes of float32 gradient values
 * @param firstBucketCapBytes cap of the first bucket (the last-registered parameters, whose
 *     gradients come first in backward), small so that communication starts early
 * @param findUnusedParameters tolerate parameters that get no gradient in a step (they count as
 *     zero, and keep no gradient when no rank used them); without it such a step fails naming them
 * @param broadcastBuffers copy rank 0's buffers (BatchNorm statistics) to every rank before each
 *     training forward
 * @param commHook how a bucket's gradients are averaged across ranks
 * @param gradientAsBucketView PyTorch's {@code gradient_as_bucket_view}: a float32 parameter on the CPU
 *     whose {@code .grad} is absent when a synchronised forward starts gets a zeroed view of its slot in
 *     its bucket as {@code .grad}, so backward accumulates straight into the bucket and the average
 *     lands in {@code .grad} without the two copies (gradient into bucket, average back) per step.
 *     A gradient the caller set or replaced is copied as before. Off: every gradient is its own tensor.
 *     With views, a bucket's gradients are averaged in place while backward goes on: read them after
 *     {@code finishGradientSync()}, not between backward and it.
 */
public record DdpOptions(long bucketCapBytes, long firstBucketCapBytes, boolean findUnusedParameters,
    boolean broadcastBuffers, CommHook commHook, boolean gradientAsBucketView) {

  /** PyTorch's {@code bucket_cap_mb = 25}. */
  public static final long DEFAULT_BUCKET_CAP_BYTES = 25L << 20;
  /** PyTorch's first-bucket cap ({@code dist._DEFAULT_FIRST_BUCKET_BYTES}, 1 MiB). */
  public static final long DEFAULT_FIRST_BUCKET_CAP_BYTES = 1L << 20;

  /** Checks the caps and the hook. */
  public DdpOptions {
    if (bucketCapBytes <= 0 || firstBucketCapBytes <= 0) {
      throw new IllegalArgumentException("bucket caps must be positive, got first=" + firstBucketCapBytes
          + " bytes, others=" + bucketCapBytes + " bytes");
    }
    Objects.requireNonNull(commHook, "commHook");
  }

  /**
   * PyTorch's defaults (1 MiB then 25 MiB buckets, no unused parameters, buffers broadcast, plain
   * averaging), except that gradients are views of their buckets (PyTorch's default is off; here it
   * saves two copies of every gradient per step, and the values are the same either way).
   */
  public static DdpOptions defaults() {
    return new DdpOptions(DEFAULT_BUCKET_CAP_BYTES, DEFAULT_FIRST_BUCKET_CAP_BYTES, false, true,
        CommHooks.allReduceAverage(), true);
  }

  public DdpOptions withBucketCapBytes(long bytes) {
    return new DdpOptions(bytes, firstBucketCapBytes, findUnusedParameters, broadcastBuffers, commHook,
        gradientAsBucketView);
  }

  public DdpOptions withFirstBucketCapBytes(long bytes) {
    return new DdpOptions(bucketCapBytes, bytes, findUnusedParameters, broadcastBuffers, commHook,
        gradientAsBucketView);
  }

  public DdpOptions withFindUnusedParameters(boolean value) {
    return new DdpOptions(bucketCapBytes, firstBucketCapBytes, value, broadcastBuffers, commHook,
        gradientAsBucketView);
  }

  public DdpOptions withBroadcastBuffers(boolean value) {
    return new DdpOptions(bucketCapBytes, firstBucketCapBytes, findUnusedParameters, value, commHook,
        gradientAsBucketView);
  }

  public DdpOptions withCommHook(CommHook hook) {
    return new DdpOptions(bucketCapBytes, firstBucketCapBytes, findUnusedParameters, broadcastBuffers, hook,
        gradientAsBucketView);
  }

  public DdpOptions withGradientAsBucketView(boolean value) {
    return new DdpOptions(bucketCapBytes, firstBucketCapBytes, findUnusedParameters, broadcastBuffers, commHook, value);
  }
}
