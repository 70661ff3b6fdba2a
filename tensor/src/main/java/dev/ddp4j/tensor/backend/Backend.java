package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;

/**
 * A kind of device tensors can live on (the CPU, CUDA GPUs), as a service provider found with
 * {@link java.util.ServiceLoader}: a module that adds a device kind (ddp4j-gpu adds CUDA) lists its
 * implementation in {@code META-INF/services/dev.ddp4j.tensor.backend.Backend}. Use backends
 * through {@link Backends}, which probes each one once per JVM and checks device indices; never call
 * a backend for a device it has not been {@link Backends#require required} for.
 *
 * <p>Implementations need a public no-argument constructor that does no work (in particular, loads
 * no native library): the registry instantiates every provider on the classpath, including those
 * whose devices are absent. All methods may be called from any thread.
 *
 * <p>A backend adds devices in two parts: the probe, and the kernels ({@link #ops}) the tensor
 * library calls for tensors on its devices. The CPU has no {@link DeviceOps}: the library's own
 * Java kernels are the CPU's.
 */
public interface Backend {
  /** The device kind this backend serves; at most one backend per kind is allowed on the classpath. */
  Device.Type type();

  /**
   * Looks for devices of this kind. May be slow and may load native libraries; must not throw:
   * every failure (a missing driver, a library that does not link, no device) becomes
   * {@link Availability#unavailable} with the precise reason. {@link Backends} calls this at most
   * once per JVM and caches the answer.
   */
  Availability probe();

  /**
   * The kernels of {@code device} (a device of this backend's kind, already checked to exist): the
   * tensor library allocates device storage and runs every op on that device's tensors through
   * them. The default throws {@link UnsupportedOperationException}: a backend that can probe its
   * devices but has no kernels must refuse rather than hand back CPU tensors.
   */
  default DeviceOps ops(Device device) {
    throw notImplemented(device);
  }

  /** The error for an operation on {@code device} that this build has no implementation of. */
  static UnsupportedOperationException notImplemented(Device device) {
    return new UnsupportedOperationException(
        "tensor operations on " + device + " are not implemented yet in this build");
  }
}
