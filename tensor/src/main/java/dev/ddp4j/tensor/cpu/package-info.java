/**
 * CPU compute kernels on Java arrays: matrix multiply ({@link dev.ddp4j.tensor.cpu.Gemm}, on
 * OpenBLAS, the Vector API or plain loops) and its benchmark.
 *
 * <p>Kernels own no memory of their callers: they read and write the arrays they are given for the
 * duration of a call and keep only per-thread scratch buffers of their own. They are stateless
 * apart from one-time kernel selection, may be called from any thread and concurrently, and split
 * large calls over the shared intra-op pool of {@link dev.ddp4j.tensor.Threads}.
 */
package dev.ddp4j.tensor.cpu;
