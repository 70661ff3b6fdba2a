package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.Backends;
import org.junit.jupiter.api.Test;

/** The probe on a host without a usable GPU (this build machine); {@link CudaGpuTest} covers hosts with one. */
class CudaBackendTest {
  /** JCuda's message when libcuda.so.1 is missing (JCuda 12.6.0, verified in STACK-NOTES §6). */
  private static final String JCUDA_NO_DRIVER_MESSAGE = """
      Error while loading native library "JCudaDriver-12.6.0-linux-x86_64"
      Operating system name: Linux
      Architecture         : amd64
      Architecture bit size: 64
      ---(start of nested stack traces)---
      Stack trace from the attempt to load the library as a file:
      java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib
      Stack trace from the attempt to load the library as a resource:
      java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory
      ---(end of nested stack traces)---
      """;

  private static final String NO_DRIVER_REASON = "libcuda.so.1 could not be loaded (no NVIDIA driver): "
      + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: "
      + "cannot open shared object file: No such file or directory";

  @Test
  void probeWithoutAGpuReportsWhyInsteadOfThrowing() {
    Availability a = new CudaBackend().probe();
    assumeFalse(a.available(), "this host has a CUDA device: " + a.description());
    assertEquals(0, a.deviceCount());
    String reason = a.description();
    assertTrue(reason.contains("libcuda") || reason.contains("driver"), reason);
    System.out.println("CUDA probe on this host: " + a);
  }

  @Test
  void probeRunsOncePerJvm() {
    assertSame(new CudaBackend().probe(), new CudaBackend().probe());
  }

  @Test
  void registryFindsTheCudaBackendThroughItsServiceFile() {
    Availability a = Backends.availability(Device.Type.CUDA);
    assertSame(new CudaBackend().probe(), a);
    assumeFalse(a.available(), "this host has a CUDA device: " + a.description());
    assertEquals("cuda:0 requested but CUDA is unavailable: " + a.description(),
        assertThrows(IllegalStateException.class, () -> Backends.require(Device.cuda(0))).getMessage());
  }

  @Test
  void missingLibcudaIsNamedInTheReason() {
    assertEquals(NO_DRIVER_REASON, CudaBackend.linkageReason(new UnsatisfiedLinkError(JCUDA_NO_DRIVER_MESSAGE)));
  }

  @Test
  void laterTouchesAfterAFailedLoadStillNameLibcuda() {
    // What every touch of JCudaDriver after the first failed one throws.
    NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
    later.initCause(new ExceptionInInitializerError(
        "Exception java.lang.UnsatisfiedLinkError: " + JCUDA_NO_DRIVER_MESSAGE + " [in thread \"main\"]"));
    assertEquals(NO_DRIVER_REASON, CudaBackend.linkageReason(later));
  }

  @Test
  void otherLinkFailuresAreNotBlamedOnAMissingDriver() {
    String reason = CudaBackend.linkageReason(new UnsatisfiedLinkError(
        "Error while loading native library \"JCudaDriver-12.6.0-linux-aarch64\"\nOperating system name: Linux"));
    assertEquals("the JCuda driver library could not be loaded (UnsatisfiedLinkError): "
        + "Error while loading native library \"JCudaDriver-12.6.0-linux-aarch64\"", reason);
    assertFalse(reason.contains("no NVIDIA driver"));
  }
}
