package dev.ddp4j.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.nn.ReLU;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code Tensor.to(Device)} and {@code Module.to(Device)} through the registry (the test classpath has {@link FakeCudaBackend}). */
class BackendDeviceMoveTest {
  @Test
  void tensorToCpuIsTheSameTensor() {
    Tensor t = Torch.tensor(1f, 2f, 3f);
    assertSame(t, t.to(Device.CPU));
    assertSame(t, t.to(Device.parse("cpu")));
  }

  @Test
  void tensorToAnAvailableCudaDeviceFailsAsNotImplemented() {
    Tensor t = Torch.tensor(1f, 2f, 3f);
    assertEquals("tensor operations on cuda:0 are not implemented yet in this build",
        assertThrows(UnsupportedOperationException.class, () -> t.to(Device.cuda(0))).getMessage());
    assertArrayEquals(new float[] {1f, 2f, 3f}, t.toFloatArray());
    assertEquals(Device.CPU, t.device());
  }

  @Test
  void tensorToAMissingCudaDeviceNamesIt() {
    Tensor t = Torch.tensor(1f);
    assertEquals("cuda:2 requested but 1 CUDA device is present",
        assertThrows(IllegalStateException.class, () -> t.to(Device.cuda(2))).getMessage());
  }

  @Test
  void moduleToCpuKeepsItsParameters() {
    Linear linear = new Linear(3, 2);
    List<Tensor> before = linear.parameters();
    assertSame(linear, linear.to(Device.CPU));
    List<Tensor> after = linear.parameters();
    assertEquals(before.size(), after.size());
    for (int i = 0; i < before.size(); i++) {
      assertSame(before.get(i), after.get(i));
    }
  }

  @Test
  void moduleToCudaFailsOnItsFirstTensor() {
    Module linear = new Linear(3, 2);
    assertEquals("tensor operations on cuda:0 are not implemented yet in this build",
        assertThrows(UnsupportedOperationException.class, () -> linear.to(Device.cuda(0))).getMessage());
    assertEquals("cuda:1 requested but 1 CUDA device is present",
        assertThrows(IllegalStateException.class, () -> linear.to(Device.cuda(1))).getMessage());
  }

  @Test
  void moduleWithoutTensorsStillChecksTheDevice() {
    Module relu = new ReLU();
    assertSame(relu, relu.to(Device.cuda(0)));
    assertEquals("cuda:5 requested but 1 CUDA device is present",
        assertThrows(IllegalStateException.class, () -> relu.to(Device.cuda(5))).getMessage());
  }
}
