package dev.ddp4j.exchange.collective;

import java.util.concurrent.CompletableFuture;

/**
 * One collective as its caller issued it, waiting in a communicator's queue or running.
 *
 * @param kind which collective
 * @param buffer the caller's buffer (for ALL_GATHER: its own block); owned by the collective until {@code result} completes
 * @param op how to combine (ALL_REDUCE, REDUCE_SCATTER); ignored otherwise
 * @param root the rank whose buffer a BROADCAST sends; ignored otherwise
 * @param format how elements travel between ranks
 * @param result completed by the communicator, on its own thread, with the result array or the failure
 */
record Request(
    CollectiveKind kind, float[] buffer, ReduceOp op, int root, WireFormat format,
    CompletableFuture<float[]> result) {}
