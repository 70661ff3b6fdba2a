/**
 * CUDA backend of the tensor library through JCuda: {@link dev.ddp4j.gpu.CudaBackend}, a
 * {@link dev.ddp4j.tensor.backend.Backend} found with {@link java.util.ServiceLoader}, and
 * {@link dev.ddp4j.gpu.CudaProbe} to check a host. It probes devices through the driver API; it has
 * no device memory or kernels yet, so tensors stay on the CPU.
 *
 * <p>Lifetimes: the probe's answer is computed once per JVM and kept (JCuda loads its native
 * library once). Threads: everything here may be called from any thread.
 */
package dev.ddp4j.gpu;
