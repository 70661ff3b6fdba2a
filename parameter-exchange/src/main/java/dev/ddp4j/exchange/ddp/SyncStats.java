package dev.ddp4j.exchange.ddp;

/**
 * What one synchronised step cost in gradient communication, for per-step timelines.
 *
 * @param buckets the number of buckets
 * @param launchedDuringBackward buckets whose allreduce started inside backward (the rest started in
 *     {@link DistributedDataParallel#finishGradientSync()}, after an unused parameter held them back)
 * @param exposedWaitNanos how long {@code finishGradientSync} waited: the communication backward did not hide
 * @param communicationNanos how long the step's buckets were being reduced (they run one after another,
 *     each from its launch or its predecessor's end to its own end); what exceeds
 *     {@code exposedWaitNanos} was hidden under backward
 */
public record SyncStats(int buckets, int launchedDuringBackward, long exposedWaitNanos, long communicationNanos) {}
