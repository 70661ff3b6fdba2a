package dev.ddp4j.tensor.models;

import dev.ddp4j.tensor.nn.Conv2d;
import dev.ddp4j.tensor.nn.Flatten;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.MaxPool2d;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.nn.ReLU;
import dev.ddp4j.tensor.nn.Sequential;
import dev.ddp4j.tensor.nn.Sigmoid;
import java.util.Locale;

/** Factories for the seeds' models; initial weights come from the default generator. */
public final class Models {
  private Models() {}

  /** Flatten → Linear(784, 512) → ReLU → Linear(512, 512) → ReLU → Linear(512, 10). */
  public static Sequential mlp() {
    return new Sequential(new Flatten(), new Linear(784, 512), new ReLU(), new Linear(512, 512), new ReLU(),
        new Linear(512, 10));
  }

  /**
   * LeNet-5 for 28×28 inputs: Conv(1,6,5,pad 2) → ReLU → MaxPool2 → Conv(6,16,5) → ReLU → MaxPool2 →
   * Flatten → Linear(400,120) → ReLU → Linear(120,84) → ReLU → Linear(84,10).
   */
  public static Sequential leNet() {
    return new Sequential(new Conv2d(1, 6, 5, 1, 2), new ReLU(), new MaxPool2d(2), new Conv2d(6, 16, 5), new ReLU(),
        new MaxPool2d(2), new Flatten(), new Linear(400, 120), new ReLU(), new Linear(120, 84), new ReLU(),
        new Linear(84, 10));
  }

  /** XOR: Linear(2, 4) → Sigmoid → Linear(4, 1) → Sigmoid (trained with BCELoss). */
  public static Sequential xor() {
    return new Sequential(new Linear(2, 4), new Sigmoid(), new Linear(4, 1), new Sigmoid());
  }

  /** Logistic regression over flattened 28×28 images: Flatten → Linear(784, 10) (softmax in the loss). */
  public static Sequential logisticRegression() {
    return new Sequential(new Flatten(), new Linear(784, 10));
  }

  /** The model named {@code mlp}, {@code cnn}, {@code xor} or {@code logreg}. */
  public static Module byName(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "mlp" -> mlp();
      case "cnn", "lenet" -> leNet();
      case "xor" -> xor();
      case "logreg" -> logisticRegression();
      default -> throw new IllegalArgumentException("unknown model '" + name + "': expected mlp, cnn, xor or logreg");
    };
  }
}
