package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.Backends;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Checks that need a CUDA device; all skip, printing the probe's reason, where there is none. */
@Tag("gpu")
class CudaGpuTest {
  private static final Pattern DEVICE_0 =
      Pattern.compile("cuda:0 (.+?) \\(compute capability (\\d+)\\.(\\d+), (\\d+\\.\\d) GiB\\)");

  private static Availability probe;

  @BeforeAll
  static void probeOnce() {
    probe = new CudaBackend().probe();
    if (!probe.available()) {
      System.out.println("skipping the GPU tests: no CUDA device: " + probe.description());
    }
  }

  /** Per test rather than in {@code @BeforeAll}, so that Surefire counts each test as skipped. */
  @BeforeEach
  void requireAGpu() {
    assumeTrue(probe.available(), "no CUDA device: " + probe.description());
  }

  @Test
  void probeDescribesEachDevice() {
    assertTrue(probe.deviceCount() >= 1, probe.toString());
    Matcher m = DEVICE_0.matcher(probe.description());
    assertTrue(m.find(), probe.description());
    assertFalse(m.group(1).isBlank(), probe.description());
    assertTrue(Integer.parseInt(m.group(2)) >= 3, probe.description());
    assertTrue(Double.parseDouble(m.group(4)) > 0, probe.description());
  }

  @Test
  void registryChecksIndicesAgainstTheRealCount() {
    int n = probe.deviceCount();
    assertEquals(CudaBackend.class, Backends.require(Device.cuda(n - 1)).getClass());
    assertEquals("cuda:" + n + " requested but " + n + (n == 1 ? " CUDA device is present" : " CUDA devices are present"),
        assertThrows(IllegalStateException.class, () -> Backends.require(Device.cuda(n))).getMessage());
  }

  @Test
  void aTensorGoesToTheGpuAndBack() {
    Tensor d = Torch.tensor(1f, 2f, 3f).to(Device.cuda(0));
    assertEquals(Device.cuda(0), d.device());
    assertArrayEquals(new float[] {2f, 4f, 6f}, d.mul(2).to(Device.CPU).toFloatArray());
  }
}
