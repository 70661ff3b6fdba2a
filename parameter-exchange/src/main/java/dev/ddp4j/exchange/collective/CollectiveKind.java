package dev.ddp4j.exchange.collective;

/** The collective operations a {@link Communicator} runs; every rank must issue the same kinds in the same order. */
public enum CollectiveKind {
  /** Ring reduce-scatter, then ring all-gather, over one buffer; every rank ends with the reduction. */
  ALL_REDUCE,
  /** Pipelined ring from a root: every rank ends with the root's buffer. */
  BROADCAST,
  /** Ring all-gather: every rank ends with all ranks' equal-length blocks, in rank order. */
  ALL_GATHER,
  /** Ring reduce-scatter: rank r ends with chunk r of the reduction. */
  REDUCE_SCATTER,
  /** Every rank waits until all have arrived (arrive at rank 0, released by rank 0). */
  BARRIER
}
