package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.models.Models;
import org.junit.jupiter.api.Test;

/** The throughput loop of {@link CudaCheck}, run on the CPU so that it is exercised without a GPU. */
class CudaCheckTest {
  @Test
  void theTrainingLoopRunsAndReportsARate() {
    double rate = CudaCheck.samplesPerSecond(Models::mlp, Device.CPU, 16);
    assertTrue(rate > 0 && Double.isFinite(rate), "rate " + rate);
  }
}
