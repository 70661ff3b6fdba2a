package dev.ddp4j.exchange.ddp;

import java.util.List;

/**
 * One full bucket handed to a {@link CommHook}: this rank's gradients of {@code parameterNames},
 * flattened in that order into {@code buffer} (float32). The hook owns {@code buffer} until its stage
 * completes.
 *
 * @param index the bucket's position; bucket 0 holds the last-registered parameters
 * @param buffer the flattened gradients (reused from step to step)
 * @param parameterNames the parameters in the bucket, in flattening order
 */
public record GradBucket(int index, float[] buffer, List<String> parameterNames) {}
