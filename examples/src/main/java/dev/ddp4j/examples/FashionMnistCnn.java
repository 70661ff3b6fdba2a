package dev.ddp4j.examples;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.Batch;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.FashionMnist;
import dev.ddp4j.tensor.data.Normalize;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.nn.Conv2d;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.F;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.optim.SGD;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A LeNet-style convolutional network, written as a {@link Module} subclass in the functional
 * style, classifies Fashion-MNIST. The Java twin of PyTorch's "training a classifier" tutorial:
 *
 * <pre>{@code
 * class Net(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.conv1 = nn.Conv2d(1, 6, 5, padding=2); self.conv2 = nn.Conv2d(6, 16, 5)
 *         self.fc1 = nn.Linear(16 * 5 * 5, 120); self.fc2 = nn.Linear(120, 84); self.fc3 = nn.Linear(84, 10)
 *     def forward(self, x):
 *         x = F.max_pool2d(F.relu(self.conv1(x)), 2)
 *         x = F.max_pool2d(F.relu(self.conv2(x)), 2)
 *         x = torch.flatten(x, 1)
 *         x = F.relu(self.fc1(x)); x = F.relu(self.fc2(x))
 *         return self.fc3(x)
 * }</pre>
 *
 * <p>It trains as {@link FashionMnistMlp} does. {@code Models.leNet()} builds the same network as
 * a {@code Sequential}. Run: {@code FashionMnistCnn [--epochs 5] [--limit N] [--batch-size 64]
 * [--lr 0.01] [--data /usr/share/datasets/fashion-mnist]}.
 */
public final class FashionMnistCnn {
  private FashionMnistCnn() {}

  /**
   * The network. Layers with parameters are registered under the names PyTorch would give them
   * (so the state dict has {@code conv1.weight} and so on); the parameter-free ones are functions.
   */
  public static final class Net extends Module {
    // registerModule is Python's `self.conv1 = ...`: it makes the layer's parameters the model's.
    private final Conv2d conv1 = registerModule("conv1", new Conv2d(1, 6, 5, 1, 2));
    private final Conv2d conv2 = registerModule("conv2", new Conv2d(6, 16, 5));
    private final Linear fc1 = registerModule("fc1", new Linear(16 * 5 * 5, 120));
    private final Linear fc2 = registerModule("fc2", new Linear(120, 84));
    private final Linear fc3 = registerModule("fc3", new Linear(84, 10));

    @Override
    public Tensor forward(Tensor x) {
      x = F.maxPool2d(F.relu(conv1.forward(x)), 2); // [N, 6, 14, 14]
      x = F.maxPool2d(F.relu(conv2.forward(x)), 2); // [N, 16, 5, 5]
      x = x.flatten(1, -1);                         // torch.flatten(x, 1): [N, 400]
      x = F.relu(fc1.forward(x));
      x = F.relu(fc2.forward(x));
      return fc3.forward(x);
    }
  }

  public static void main(String[] args) throws IOException {
    run(args);
  }

  /** Runs the example and returns the test accuracy after the last epoch, in [0, 1]. */
  public static double run(String... args) throws IOException {
    Args options = Args.parse(args, "--epochs", "--limit", "--batch-size", "--lr", "--data");
    int epochs = options.getInt("--epochs", 5);
    int limit = options.getInt("--limit", Integer.MAX_VALUE);
    int batchSize = options.getInt("--batch-size", 64);
    double lr = options.getDouble("--lr", 0.01);
    Path dataDir = options.getPath("--data", FashionMnist.DEFAULT_DIR);
    Torch.manualSeed(0);

    TensorDataset trainData = FashionMnist.load(dataDir, true, limit);
    TensorDataset testData = FashionMnist.load(dataDir, false, limit);

    Net net = new Net();
    System.out.println(net);
    CrossEntropyLoss criterion = new CrossEntropyLoss();
    Optimizer optimizer = new SGD(net.parameters(), lr, 0.9);

    double accuracy = 0;
    try (DataLoader trainLoader = DataLoader.builder(trainData).batchSize(batchSize).shuffle(true)
            .inputTransform(Normalize.FASHION_MNIST).build();
        DataLoader testLoader = DataLoader.builder(testData).batchSize(batchSize)
            .inputTransform(Normalize.FASHION_MNIST).build()) {
      for (int epoch = 0; epoch < epochs; epoch++) {
        net.train();
        double runningLoss = 0;
        int i = 0;
        for (Batch batch : trainLoader) {
          optimizer.zeroGrad();
          Tensor loss = criterion.forward(net.forward(batch.inputs()), batch.targets());
          loss.backward();
          optimizer.step();

          runningLoss += loss.item();
          if (++i % 100 == 0) {
            System.out.printf("[%d, %5d] loss: %.3f%n", epoch + 1, i, runningLoss / 100);
            runningLoss = 0;
          }
        }
        accuracy = accuracy(net, testLoader);
        System.out.printf("epoch %d: accuracy of the network on the %d test images: %.1f %%%n", epoch + 1,
            testData.size(), 100 * accuracy);
      }
    }
    System.out.println("Finished Training");
    return accuracy;
  }

  private static double accuracy(Module net, DataLoader testLoader) {
    net.eval();
    long correct = 0;
    long total = 0;
    try (var noGrad = Torch.noGrad()) {
      for (Batch batch : testLoader) {
        Tensor predicted = net.forward(batch.inputs()).argmax(1);
        total += batch.size();
        correct += (long) predicted.eq(batch.targets()).sum().item();
      }
    }
    return (double) correct / total;
  }
}
