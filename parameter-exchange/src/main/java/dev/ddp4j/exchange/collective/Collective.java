package dev.ddp4j.exchange.collective;

import java.util.concurrent.CompletionStage;

/**
 * Collective operations over the float32 buffers of all ranks of a process group: "how bytes move"
 * in data-parallel training. Obtain one per rank with {@link Communicator#collective}.
 *
 * <p>Contract for every operation:
 * <ul>
 *   <li>Every rank issues the same operations, with the same arguments where they must agree
 *       (lengths, op, root), in the same order. Issue them from one thread per rank (the rank's
 *       compute thread), since the issue order defines the sequence numbers.
 *   <li>A buffer handed to an operation belongs to the collective until the returned stage
 *       completes: the caller must neither read nor write it before then (ranks in one JVM read
 *       each other's buffers directly). The caller's writes before the call are seen by the
 *       collective, and its writes are seen by the caller once the stage completes.
 *   <li>Several operations may be in flight; they run one after another and complete in issue order.
 *   <li>A stage completes exceptionally with a {@link CollectiveException} when a peer stops, does not
 *       answer within the configured timeout, or another rank gives up; nothing waits forever. The
 *       whole generation is then failed, and the buffers of its failed collectives hold partial data:
 *       discard them (peers in this JVM may still read them until they too have failed).
 *   <li>Stages complete on the communicator's dispatcher thread: do real work in continuations
 *       with the {@code ...Async(fn, executor)} variants.
 * </ul>
 */
public interface Collective {

  /** In-place allreduce with float32 on the wire; completes with {@code buffer}, holding the reduction on every rank. */
  default CompletionStage<float[]> allReduce(float[] buffer, ReduceOp op) {
    return allReduce(buffer, op, WireFormat.FLOAT32);
  }

  /**
   * In-place allreduce (ring reduce-scatter, then ring all-gather); completes with {@code buffer}.
   * With {@link WireFormat#BF16}, values are rounded to bfloat16 wherever they leave a rank, so the
   * result is bf16-rounded and bit-identical on every rank.
   */
  CompletionStage<float[]> allReduce(float[] buffer, ReduceOp op, WireFormat format);

  /** Copies rank {@code root}'s buffer into every rank's {@code buffer} (same length everywhere); completes with {@code buffer}. */
  CompletionStage<float[]> broadcast(float[] buffer, int root);

  /**
   * Concatenates every rank's {@code mine} in rank order into a new array of world size x
   * {@code mine.length} elements; all ranks must pass the same length.
   */
  CompletionStage<float[]> allGather(float[] mine);

  /**
   * Reduces {@code buffer} across ranks and completes with this rank's chunk of the result: chunk r
   * of N near-equal chunks (the first {@code length % N} one element longer). {@code buffer} is scratch
   * space: its contents afterwards are unspecified.
   */
  CompletionStage<float[]> reduceScatter(float[] buffer, ReduceOp op);

  /** Completes once every rank has issued this barrier. */
  CompletionStage<Void> barrier();
}
