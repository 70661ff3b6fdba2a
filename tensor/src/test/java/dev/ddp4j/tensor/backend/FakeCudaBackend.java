package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.EmulatedDeviceOps;

/**
 * A test-only CUDA provider that reports one device, registered in the test classpath's
 * {@code META-INF/services} so the {@link java.util.ServiceLoader} path of {@link Backends} can be
 * checked without a GPU. Its one device runs {@link EmulatedDeviceOps}: device storages without Java
 * arrays whose kernels are the CPU's, so every device path of the tensor library runs in tests.
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

  private static final EmulatedDeviceOps CUDA0 = new EmulatedDeviceOps(Device.cuda(0));

  @Override
  public DeviceOps ops(Device device) {
    return CUDA0;
  }
}
