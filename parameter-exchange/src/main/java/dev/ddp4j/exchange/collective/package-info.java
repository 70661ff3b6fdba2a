/**
 * Collectives over actors: allreduce, broadcast, all-gather, reduce-scatter and barrier on float32
 * buffers, run as a ring by one {@link dev.ddp4j.exchange.collective.Communicator} actor per rank of a
 * {@link dev.ddp4j.exchange.collective.ProcessGroup}, behind the
 * {@link dev.ddp4j.exchange.collective.Collective} interface that returns {@code CompletionStage}s.
 * {@link dev.ddp4j.exchange.collective.RingNode} is the bootstrap that forms a ring of ranks in separate
 * JVMs (Akka Cluster on Artery TCP, rank 0 the seed).
 *
 * <p>Lifetimes: whoever spawns a communicator (the rank actor) owns it and gives it each new
 * generation's group; a communicator owns the state of its current generation and drops it when the
 * next arrives. A buffer handed to a collective belongs to the collective until its stage completes;
 * ranks in one JVM read each other's buffers by reference, without serialization.
 *
 * <p>Threads: a rank's caller (its compute thread) issues collectives through
 * {@code Collective}; everything else here runs on the communicator's actor thread, including the
 * completion of the caller's stages. {@link dev.ddp4j.exchange.collective.Bf16},
 * {@link dev.ddp4j.exchange.collective.ExchangeSettings} and the records are safe from any thread.
 */
package dev.ddp4j.exchange.collective;
