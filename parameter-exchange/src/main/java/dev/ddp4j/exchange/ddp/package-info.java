/**
 * Distributed data parallel: "what is reduced, when". {@link
 * dev.ddp4j.exchange.ddp.DistributedDataParallel} wraps one rank's model replica, assigns its
 * parameters to buckets ({@link dev.ddp4j.exchange.ddp.BucketAssignment}), and during backward
 * hands each full bucket to a {@link dev.ddp4j.exchange.ddp.CommHook}, which averages it across
 * ranks through a {@link dev.ddp4j.exchange.collective.Collective}; {@link
 * dev.ddp4j.exchange.ddp.DistributedSampler} gives each rank its shard of the data.
 *
 * <p>Lifetimes: the caller owns the wrapped module, its optimizer and the collective; the wrapper
 * owns its reducer's bucket buffers, which the collective borrows from a bucket's launch until its
 * stage completes. {@code close()} removes the gradient hooks.
 *
 * <p>Threads: everything in a wrapper (construction, forward, the gradient hooks inside backward,
 * {@code finishGradientSync}, {@code noSync}) runs on the rank's one compute thread; the collective
 * completes stages on its own thread and the compute thread reads the results after joining them.
 * Options, hooks, the sampler and bucket assignments are immutable and safe from any thread.
 */
package dev.ddp4j.exchange.ddp;
