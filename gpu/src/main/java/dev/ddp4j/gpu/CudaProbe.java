package dev.ddp4j.gpu;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.Backends;

/**
 * Prints what the CUDA probe finds, to check a host:
 * {@code java -cp <ddp4j-gpu, ddp4j-tensor, jcuda, jcuda-natives, slf4j-api jars> dev.ddp4j.gpu.CudaProbe}.
 * Exits 0 when at least one CUDA device is usable, 1 otherwise.
 */
public final class CudaProbe {
  private CudaProbe() {}

  public static void main(String[] args) {
    // Through the registry, as training would: this also checks that the service file is on the classpath.
    Availability a = Backends.availability(Device.Type.CUDA);
    System.out.println("CUDA " + a);
    System.exit(a.available() ? 0 : 1);
  }
}
