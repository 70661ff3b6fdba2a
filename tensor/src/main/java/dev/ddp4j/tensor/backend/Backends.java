package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;

/**
 * The registry of device backends: the built-in CPU backend plus the providers found once, lazily,
 * with {@link java.util.ServiceLoader} (ddp4j-gpu provides CUDA). Each kind is probed at most once
 * per JVM, on first use, and the answer is kept: a missing driver costs one failed library load,
 * not one per tensor.
 *
 * <p>All methods are thread-safe. The CPU never needs the providers: {@code require(Device.CPU)}
 * loads nothing.
 */
public final class Backends {
  private Backends() {}

  /** Loaded on first use of a non-CPU kind; class initialisation makes this lazy and thread-safe. */
  private static final class Holder {
    static final BackendRegistry REGISTRY = BackendRegistry.fromServiceLoader();
  }

  /**
   * The backend of {@code device}, after checking that it can be used: its kind has a provider on
   * the classpath, the provider's probe found devices, and the index names one of them.
   *
   * @throws IllegalStateException naming the device and why it cannot be used: no provider on the
   *     classpath ("add the ddp4j-gpu module to the classpath"), the probe's reason it is
   *     unavailable, or "cuda:3 requested but 1 CUDA device is present"
   */
  public static Backend require(Device device) {
    if (device == Device.CPU || device.type() == Device.Type.CPU) {
      return CpuBackend.INSTANCE;
    }
    return Holder.REGISTRY.require(device);
  }

  /**
   * What the probe of {@code type} found, or, without a provider, an unavailable answer saying so.
   * Never throws; for choosing a default device and for diagnostics.
   */
  public static Availability availability(Device.Type type) {
    return Holder.REGISTRY.availability(type);
  }
}
