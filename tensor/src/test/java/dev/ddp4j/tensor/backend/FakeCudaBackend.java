package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;

/**
 * A test-only CUDA provider that reports one device, registered in the test classpath's
 * {@code META-INF/services} so the {@link java.util.ServiceLoader} path of {@link Backends} can be
 * checked without a GPU. Like a backend without kernels, it keeps the default {@link #fromCpu}.
 */
public final class FakeCudaBackend implements Backend {
  public static final String DESCRIPTION = "cuda:0 Fake GPU (test provider)";

  @Override
  public Device.Type type() {
    return Device.Type.CUDA;
  }

  @Override
  public Availability probe() {
    return Availability.available(1, DESCRIPTION);
  }
}
