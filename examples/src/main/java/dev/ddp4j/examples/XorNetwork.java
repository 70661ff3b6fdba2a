package dev.ddp4j.examples;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.nn.BCELoss;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.Sequential;
import dev.ddp4j.tensor.nn.Sigmoid;
import dev.ddp4j.tensor.optim.SGD;

/**
 * A two-layer network learns XOR, full batch, until its loss is small. The Java twin of:
 *
 * <pre>{@code
 * X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]]); Y = torch.tensor([[0.], [1.], [1.], [0.]])
 * model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
 * criterion = nn.BCELoss(); optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
 * for epoch in range(max_epochs):
 *     optimizer.zero_grad()
 *     loss = criterion(model(X), Y)
 *     loss.backward()
 *     optimizer.step()
 *     if loss.item() < 0.01: break
 * print(model(X))
 * }</pre>
 *
 * <p>{@code Models.xor()} builds the same network. Run: {@code XorNetwork [--max-epochs 5000] [--lr 0.5]}.
 */
public final class XorNetwork {
  private static final double TARGET_LOSS = 0.01;

  private XorNetwork() {}

  public static void main(String[] args) {
    run(args);
  }

  /** Runs the example and returns the four predictions, in the order of the inputs. */
  public static float[] run(String... args) {
    Args options = Args.parse(args, "--max-epochs", "--lr");
    int maxEpochs = options.getInt("--max-epochs", 5000);
    double lr = options.getDouble("--lr", 0.5);
    Torch.manualSeed(0);

    Tensor inputs = Torch.tensor(new float[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}});
    Tensor targets = Torch.tensor(new float[][] {{0}, {1}, {1}, {0}});

    Sequential model = new Sequential(new Linear(2, 4), new Sigmoid(), new Linear(4, 1), new Sigmoid());
    BCELoss criterion = new BCELoss();
    SGD optimizer = new SGD(model.parameters(), lr, 0.9);
    System.out.println(model);

    for (int epoch = 0; epoch < maxEpochs; epoch++) {
      optimizer.zeroGrad();
      // A module is called through forward(...): Java objects are not callable like model(X).
      Tensor loss = criterion.forward(model.forward(inputs), targets);
      loss.backward();
      optimizer.step();
      if (epoch % 500 == 0) {
        System.out.printf("epoch %4d  loss %.4f%n", epoch, loss.item());
      }
      if (loss.item() < TARGET_LOSS) {
        System.out.printf("fitted after %d epochs, loss %.4f%n", epoch + 1, loss.item());
        break;
      }
    }

    Tensor predictions;
    try (var noGrad = Torch.noGrad()) {
      predictions = model.forward(inputs);
    }
    System.out.println(predictions);
    return predictions.toFloatArray();
  }
}
