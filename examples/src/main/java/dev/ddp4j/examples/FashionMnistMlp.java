package dev.ddp4j.examples;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.Batch;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.FashionMnist;
import dev.ddp4j.tensor.data.Normalize;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Flatten;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.nn.ReLU;
import dev.ddp4j.tensor.nn.Sequential;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.optim.SGD;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A multi-layer perceptron classifies Fashion-MNIST, with the training loop written out. The Java
 * twin of PyTorch's quickstart:
 *
 * <pre>{@code
 * train_loader = DataLoader(train_data, batch_size=64, shuffle=True)
 * model = nn.Sequential(nn.Flatten(), nn.Linear(28*28, 512), nn.ReLU(),
 *                       nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
 * loss_fn = nn.CrossEntropyLoss(); optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
 * for t in range(epochs):
 *     model.train()
 *     for batch, (X, y) in enumerate(train_loader):
 *         loss = loss_fn(model(X), y)
 *         optimizer.zero_grad(); loss.backward(); optimizer.step()
 *     model.eval()
 *     with torch.no_grad():
 *         correct += (model(X).argmax(1) == y).sum().item()   # for each test batch
 *     print(f"Test Error: Accuracy: {100*correct:>0.1f}%, Avg loss: {test_loss:>8f}")
 * }</pre>
 *
 * <p>{@code Models.mlp()} builds the same network. Run: {@code FashionMnistMlp [--epochs 5]
 * [--limit N] [--batch-size 64] [--lr 0.01] [--data /usr/share/datasets/fashion-mnist]}; {@code
 * --limit} keeps the first N examples of each split.
 */
public final class FashionMnistMlp {
  private FashionMnistMlp() {}

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

    // Images [N, 1, 28, 28] scaled to [0, 1] (ToTensor) and int64 labels [N].
    TensorDataset trainData = FashionMnist.load(dataDir, true, limit);
    TensorDataset testData = FashionMnist.load(dataDir, false, limit);
    System.out.println("train " + trainData.size() + " examples, test " + testData.size());

    Module model = new Sequential(
        new Flatten(),
        new Linear(28 * 28, 512), new ReLU(),
        new Linear(512, 512), new ReLU(),
        new Linear(512, 10));
    System.out.println(model);
    CrossEntropyLoss lossFn = new CrossEntropyLoss();
    Optimizer optimizer = new SGD(model.parameters(), lr, 0.9);

    // transforms.Normalize((0.2860,), (0.3530,)) runs on the loader thread, as in a DataLoader worker.
    // A loader owns a prefetch thread, so it is closed with try-with-resources.
    double accuracy = 0;
    try (DataLoader trainLoader = DataLoader.builder(trainData).batchSize(batchSize).shuffle(true)
            .inputTransform(Normalize.FASHION_MNIST).build();
        DataLoader testLoader = DataLoader.builder(testData).batchSize(batchSize)
            .inputTransform(Normalize.FASHION_MNIST).build()) {
      for (int t = 0; t < epochs; t++) {
        System.out.printf("Epoch %d%n-------------------------------%n", t + 1);
        train(trainLoader, model, lossFn, optimizer);
        accuracy = test(testLoader, model, lossFn);
      }
    }
    System.out.println("Done!");
    return accuracy;
  }

  private static void train(DataLoader loader, Module model, CrossEntropyLoss lossFn, Optimizer optimizer) {
    int size = loader.dataset().size();
    model.train();
    int batchIndex = 0;
    int seen = 0;
    for (Batch batch : loader) {
      Tensor loss = lossFn.forward(model.forward(batch.inputs()), batch.targets());

      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();

      seen += batch.size();
      if (batchIndex % 100 == 0) {
        System.out.printf("loss: %.6f  [%5d/%5d]%n", loss.item(), seen, size);
      }
      batchIndex++;
    }
  }

  /** Evaluates on the whole test loader and returns the accuracy. */
  private static double test(DataLoader loader, Module model, CrossEntropyLoss lossFn) {
    model.eval();
    double lossSum = 0;
    long correct = 0;
    try (var noGrad = Torch.noGrad()) {
      for (Batch batch : loader) {
        Tensor logits = model.forward(batch.inputs());
        lossSum += lossFn.forward(logits, batch.targets()).item();
        correct += (long) logits.argmax(1).eq(batch.targets()).sum().item();
      }
    }
    double accuracy = (double) correct / loader.dataset().size();
    System.out.printf("Test Error:%n Accuracy: %.1f%%, Avg loss: %.6f%n%n", 100 * accuracy,
        lossSum / loader.numBatches());
    return accuracy;
  }
}
