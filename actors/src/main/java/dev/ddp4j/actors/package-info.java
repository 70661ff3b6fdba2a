/**
 * Rank actors and the library API for an existing ActorSystem: {@link
 * dev.ddp4j.actors.DistributedTraining} starts a {@link dev.ddp4j.actors.TrainingCoordinator} that
 * spawns one {@link dev.ddp4j.actors.RankActor} per rank and returns a {@link
 * dev.ddp4j.actors.TrainingHandle} (progress as {@link dev.ddp4j.actors.TrainingEvent}s, pause,
 * resume, stop, and a {@code CompletionStage} for rank 0's weights).
 *
 * <p>Lifetimes: the coordinator owns its rank actors; each rank actor owns its communicator (a child)
 * and its compute thread, and on that thread its replica, optimizer, loss and data loader. Stopping
 * the coordinator stops all of them; a rank that stops releases its compute thread from any pending
 * collective.
 *
 * <p>Threads: actors run on Akka's dispatcher and never compute; each rank's forward, backward,
 * gradient sync and optimizer step run on its single {@code ddp4j-rank-R-compute} thread, which
 * reports back by message. The handle may be used from any thread; the factories of a
 * {@link dev.ddp4j.actors.TrainingSpec} are called on the compute threads, concurrently.
 */
package dev.ddp4j.actors;
