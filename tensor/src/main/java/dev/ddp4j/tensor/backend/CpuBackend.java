package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;

/**
 * The CPU as a {@link Backend}: always available, one device ({@code cpu}). It is wired into
 * {@link BackendRegistry} rather than registered as a service, so that the CPU works even where the
 * service files are lost (a shaded jar) and no provider on the classpath can replace it.
 */
final class CpuBackend implements Backend {
  static final CpuBackend INSTANCE = new CpuBackend();

  private CpuBackend() {}

  @Override
  public Device.Type type() {
    return Device.Type.CPU;
  }

  @Override
  public Availability probe() {
    return Availability.available(1, "cpu (" + Runtime.getRuntime().availableProcessors() + " hardware threads, "
        + System.getProperty("os.arch") + ")");
  }
}
