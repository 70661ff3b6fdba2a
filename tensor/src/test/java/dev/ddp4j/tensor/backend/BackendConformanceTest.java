package dev.ddp4j.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.Device;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend conformance suite against the emulated device of the test classpath ({@link FakeCudaBackend}):
 * proves that every op the suite covers dispatches to a device's kernels, places its result there, and
 * computes the CPU's values, without a GPU. ddp4j-gpu runs the same suite on real CUDA devices.
 */
class BackendConformanceTest {
  static List<BackendConformance.Check> checks() {
    return BackendConformance.checks();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("checks")
  void passesOnTheEmulatedDevice(BackendConformance.Check check) {
    check.body().accept(Device.cuda(0));
  }

  @Test
  void aWrongResultFailsTheCheck() {
    AssertionError e = assertThrows(AssertionError.class, () -> BackendConformance.assertClose("x",
        dev.ddp4j.tensor.Torch.tensor(1f, 2f), dev.ddp4j.tensor.Torch.tensor(1f, 2.01f), 1e-4, 1e-5));
    assertTrue(e.getMessage().contains("element 1"), e.getMessage());
  }
}
