/**
 * A single-process training loop (train an epoch, evaluate) shared by the CLI, the examples and,
 * later, each rank of distributed training.
 *
 * <p>A {@link dev.ddp4j.tensor.train.Trainer} borrows the model, loss and optimizer it is given and
 * runs everything on the calling thread; listeners are called on that thread too.
 */
package dev.ddp4j.tensor.train;
