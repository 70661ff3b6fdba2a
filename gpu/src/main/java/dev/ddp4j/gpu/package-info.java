/**
 * CUDA backend of the tensor library through JCuda: {@link dev.ddp4j.gpu.CudaBackend}, a
 * {@link dev.ddp4j.tensor.backend.Backend} found with {@link java.util.ServiceLoader}, and
 * {@link dev.ddp4j.gpu.CudaProbe} to check a host; plus the device kernels, not yet wired into tensor
 * ops: {@link dev.ddp4j.gpu.CudaKernels} loads the checked-in PTX (built from {@code src/main/cuda} by
 * {@code build-ptx.sh}) into a {@link dev.ddp4j.gpu.CudaContext} and launches
 * {@link dev.ddp4j.gpu.CudaKernel}s, and {@link dev.ddp4j.gpu.CudaGemmCheck} checks and times the GEMMs.
 * Tensors still stay on the CPU: there is no device storage yet.
 *
 * <p>Lifetimes: the probe's answer is computed once per JVM and kept (JCuda loads its native
 * library once). A {@code CudaContext} retains a device's primary context until closed; a
 * {@code CudaKernels} owns its loaded modules until closed; callers own the device memory they pass.
 * Threads: the probe may be called from any thread; contexts, kernels and launches need the context
 * current on the calling thread, and launches are asynchronous on the given stream.
 */
package dev.ddp4j.gpu;
