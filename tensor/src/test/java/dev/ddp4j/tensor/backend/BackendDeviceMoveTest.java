package dev.ddp4j.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void tensorToTheDeviceAndBackKeepsTheValues() {
    Tensor t = Torch.tensor(1f, 2f, 3f);
    Tensor d = t.to(Device.cuda(0));
    assertEquals(Device.cuda(0), d.device());
    assertTrue(d.storage().isOnDevice());
    assertEquals(Device.CPU, t.device());
    Tensor back = d.to(Device.CPU);
    assertEquals(Device.CPU, back.device());
    assertArrayEquals(new float[] {1f, 2f, 3f}, back.toFloatArray());
  }

  @Test
  void theElementsOfADeviceTensorAreNotInAJavaArray() {
    Tensor d = Torch.tensor(1f, 2f).to(Device.cuda(0));
    assertEquals("the elements are on cuda:0, not in a Java array; copy the tensor to the CPU with to(Device.CPU) first",
        assertThrows(IllegalStateException.class, () -> d.storage().floats()).getMessage());
  }

  @Test
  void toIsDifferentiable() {
    Tensor t = Torch.tensor(1f, 2f, 3f).requiresGrad_();
    Tensor y = t.to(Device.cuda(0)).mul(2).sum();
    y.backward();
    assertEquals(Device.CPU, t.grad().device());
    assertArrayEquals(new float[] {2f, 2f, 2f}, t.grad().toFloatArray());
  }

  @Test
  void aBackendWithoutKernelsRefusesAsNotImplemented() {
    Backend probeOnly = new Backend() {
      @Override
      public Device.Type type() {
        return Device.Type.CUDA;
      }

      @Override
      public Availability probe() {
        return Availability.available(1, "probe only");
      }
    };
    assertEquals("tensor operations on cuda:0 are not implemented yet in this build",
        assertThrows(UnsupportedOperationException.class, () -> probeOnly.ops(Device.cuda(0))).getMessage());
  }

  @Test
  void anOpWithoutADeviceKernelNamesItself() {
    Tensor d = Torch.tensor(1f, 2f).to(Device.cuda(0));
    Tensor mask = Torch.tensor(1f, 0f).gt(0).to(Device.cuda(0));
    assertEquals("maskedSelect is not implemented for tensors on cuda:0 in this build; move the tensor to the CPU "
        + "with to(Device.CPU)",
        assertThrows(UnsupportedOperationException.class, () -> d.maskedSelect(mask)).getMessage());
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
  void moduleToCudaMovesParametersInPlace() {
    Linear linear = new Linear(3, 2);
    List<Tensor> before = linear.parameters();
    float[] weights = linear.weight.toFloatArray();
    assertSame(linear, linear.to(Device.cuda(0)));
    List<Tensor> after = linear.parameters();
    for (int i = 0; i < before.size(); i++) {
      assertSame(before.get(i), after.get(i));
      assertEquals(Device.cuda(0), after.get(i).device());
    }
    assertArrayEquals(weights, linear.weight.toFloatArray());
    assertEquals(Device.cuda(0), linear.forward(Torch.ones(4, 3).to(Device.cuda(0))).device());
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
