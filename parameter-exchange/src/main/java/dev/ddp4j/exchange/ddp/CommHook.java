package dev.ddp4j.exchange.ddp;

import dev.ddp4j.exchange.collective.Collective;
import java.util.concurrent.CompletionStage;

/**
 * The seam between the {@link Reducer} ("what is reduced, when") and the {@link Collective} ("how
 * bytes move"), as PyTorch's {@code register_comm_hook}: given one full bucket of this rank's
 * gradients, start whatever communication averages it across ranks and complete with the averaged
 * values.
 *
 * <p>Called on the rank's compute thread (inside backward, or in
 * {@link DistributedDataParallel#finishGradientSync()}), once per bucket per synchronised step, in
 * bucket order; it must only issue collectives, not wait for them. The stage may complete on any
 * thread; its array (the bucket's buffer or a new one of the same length) is read on the compute
 * thread afterwards. Every rank must use the same hook.
 */
@FunctionalInterface
public interface CommHook {
  /** Starts averaging {@code bucket} across ranks; completes with the averaged values. */
  CompletionStage<float[]> reduce(GradBucket bucket, Collective collective);
}
