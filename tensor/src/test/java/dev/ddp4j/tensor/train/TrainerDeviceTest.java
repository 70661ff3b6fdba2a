package dev.ddp4j.tensor.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.SGD;
import org.junit.jupiter.api.Test;

/**
 * {@link Trainer#device} on the test classpath's emulated {@code cuda:0}: the same epoch, loss and accuracy
 * as on the CPU, and the trained weights stay on the device.
 */
class TrainerDeviceTest {
  @Test
  void anEpochOnTheDeviceMatchesTheCpu() {
    Generator g = new Generator(5);
    Tensor x = Torch.randn(g, DType.FLOAT32, 96, 1, 28, 28);
    Tensor y = Torch.randint(0, 10, 96);
    TensorDataset data = new TensorDataset(x, y);
    Module cpuNet = Models.mlp();
    Module devNet = Models.mlp();
    devNet.loadStateDict(cpuNet.stateDict(), true);
    Trainer cpu = new Trainer(cpuNet, new CrossEntropyLoss(), new SGD(cpuNet.parameters(), 0.05, 0.9));
    Trainer dev = new Trainer(devNet, new CrossEntropyLoss(), new SGD(devNet.parameters(), 0.05, 0.9))
        .device(Device.cuda(0));
    assertEquals(Device.cuda(0), devNet.parameters().get(0).device());
    Trainer.EpochStats a;
    Trainer.EpochStats b;
    Trainer.Evaluation ea;
    Trainer.Evaluation eb;
    try (DataLoader l1 = DataLoader.builder(data).batchSize(32).shuffle(true).seed(1).build();
        DataLoader l2 = DataLoader.builder(data).batchSize(32).shuffle(true).seed(1).build()) {
      a = cpu.trainEpoch(l1, 0, null);
      b = dev.trainEpoch(l2, 0, null);
      ea = cpu.evaluate(l1);
      eb = dev.evaluate(l2);
    }
    assertEquals(a.trainLoss(), b.trainLoss(), 1e-4);
    assertEquals(a.steps(), b.steps());
    assertEquals(ea.loss(), eb.loss(), 1e-4);
    assertEquals(ea.accuracy(), eb.accuracy(), 1e-9);
    assertEquals(Device.cuda(0), devNet.parameters().get(0).device());
  }
}
