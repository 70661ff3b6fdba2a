package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.BackendConformance;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend conformance suite (the checks the tensor module runs against its emulated device) on every
 * CUDA device present; skipped, with the probe's reason, where there is none.
 */
@Tag("gpu")
class CudaConformanceTest {
  private static Availability probe;

  @BeforeAll
  static void probeOnce() {
    probe = new CudaBackend().probe();
    if (!probe.available()) {
      System.out.println("skipping the CUDA conformance suite: no CUDA device: " + probe.description());
    }
  }

  static List<BackendConformance.Check> checks() {
    return BackendConformance.checks();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("checks")
  void passesOnEachCudaDevice(BackendConformance.Check check) {
    assumeTrue(probe.available(), "no CUDA device: " + probe.description());
    for (int i = 0; i < probe.deviceCount(); i++) {
      check.body().accept(Device.cuda(i));
    }
  }
}
