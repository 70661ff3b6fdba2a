/**
 * Tensors with autograd, in the shape of PyTorch's {@code torch} package: {@link dev.ddp4j.tensor.Tensor}
 * (strided views over a {@link dev.ddp4j.tensor.Storage}), the factories and free functions of
 * {@link dev.ddp4j.tensor.Torch}, dtypes, the CPU kernels behind the ops, and the intra-op thread
 * count ({@link dev.ddp4j.tensor.Threads}).
 *
 * <p>Lifetimes: a tensor owns nothing but a reference to its storage; views keep the storage alive.
 * Graph nodes are owned by the tensors they produced and are freed by backward unless retained.
 * Threads: tensors are not thread-safe. One thread (a rank's compute thread) builds a graph, runs
 * backward and mutates its tensors; kernels may split one op over the shared intra-op pool, which
 * never touches a tensor after the op returns.
 */
package dev.ddp4j.tensor;
