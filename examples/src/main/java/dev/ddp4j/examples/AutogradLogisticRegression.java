package dev.ddp4j.examples;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.List;

/**
 * Autograd by hand: the gradient idioms of PyTorch's autograd tutorial, then logistic regression
 * written with raw tensors (no {@code nn}, no optimizer) on two generated Gaussian blobs. The Java
 * twin of:
 *
 * <pre>{@code
 * x = torch.ones(2, 2, requires_grad=True)
 * y = 3 * x * x
 * y.backward(torch.ones_like(y))        # x.grad == 6 * x
 *
 * w = torch.randn(2, 1) * 0.01; w.requires_grad_(); b = torch.zeros(1, requires_grad=True)
 * for epoch in range(epochs):
 *     p = torch.sigmoid(X @ w + b)
 *     loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
 *     loss.backward()
 *     with torch.no_grad():
 *         w -= lr * w.grad; b -= lr * b.grad
 *         w.grad.zero_(); b.grad.zero_()
 * print(((p > 0.5).float() == y).float().mean())
 * }</pre>
 *
 * <p>Run: {@code AutogradLogisticRegression [--epochs 100] [--lr 0.5] [--samples 200]} (samples per class).
 */
public final class AutogradLogisticRegression {
  private AutogradLogisticRegression() {}

  public static void main(String[] args) {
    double accuracy = run(args);
    System.out.printf("final accuracy: %.4f%n", accuracy);
  }

  /** Runs the example and returns the training accuracy of the fitted model. */
  public static double run(String... args) {
    Args options = Args.parse(args, "--epochs", "--lr", "--samples");
    int epochs = options.getInt("--epochs", 100);
    double lr = options.getDouble("--lr", 0.5);
    int perClass = options.getInt("--samples", 200);
    Torch.manualSeed(0);

    gradientIdioms();

    // Two Gaussian blobs, centred at (-2, -2) (label 0) and (2, 2) (label 1).
    Tensor features = Torch.cat(List.of(Torch.randn(perClass, 2).sub(2), Torch.randn(perClass, 2).add(2)), 0);
    Tensor labels = Torch.cat(List.of(Torch.zeros(perClass, 1), Torch.ones(perClass, 1)), 0);

    // Parameters are plain leaf tensors that require grad.
    Tensor w = Torch.randn(2, 1).mul(0.01).requiresGrad_();
    Tensor b = Torch.zeros(1).requiresGrad_();

    Tensor probs = null;
    for (int epoch = 0; epoch < epochs; epoch++) {
      probs = features.matmul(w).add(b).sigmoid();
      // Binary cross-entropy from log ops: -(y·log p + (1 - y)·log(1 - p)).mean(); rsub(1) is 1 - t.
      Tensor loss = labels.mul(probs.log()).add(labels.rsub(1).mul(probs.rsub(1).log())).mean().neg();
      loss.backward();

      // The update must not be recorded: Python's `with torch.no_grad():` is a try-with-resources.
      try (var noGrad = Torch.noGrad()) {
        w.sub_(w.grad(), lr);
        b.sub_(b.grad(), lr);
        // Gradients accumulate across backward calls, so clear them before the next one.
        w.grad().zero_();
        b.grad().zero_();
      }
      if (epoch % 20 == 0 || epoch == epochs - 1) {
        System.out.printf("epoch %3d  loss %.4f%n", epoch, loss.item());
      }
    }

    double accuracy = probs.gt(0.5).to(DType.FLOAT32).eq(labels).to(DType.FLOAT32).mean().item();
    System.out.println("w = " + w.detach().view(-1) + ", b = " + b.detach());
    return accuracy;
  }

  /** The autograd idioms of the seeds, each printed as PyTorch prints it. */
  private static void gradientIdioms() {
    // y.backward(torch.ones_like(y)): a non-scalar output needs a gradient of its own shape.
    Tensor x = Torch.ones(2, 2).requiresGrad_();
    Tensor y = x.mul(x).mul(3);
    y.backward(Torch.onesLike(y));
    System.out.println("dy/dx = 6x:\n" + x.grad());

    // A second backward adds to x.grad instead of replacing it.
    Tensor z = x.mul(x).mul(3).sum();
    z.backward();
    System.out.println("accumulated over two backward calls:\n" + x.grad());
    x.setGrad(null); // as `x.grad = None`

    // Only leaves keep .grad; retainGrad() keeps it for an intermediate result too.
    Tensor h = x.mul(2);
    h.retainGrad();
    h.pow(2).sum().backward();
    System.out.println("dL/dh = 2h:\n" + h.grad());
    System.out.println("dL/dx = 8x:\n" + x.grad());

    // detach() gives a tensor outside the graph, sharing storage; noGrad() records nothing.
    Tensor detached = h.detach();
    System.out.println("h.requiresGrad " + h.requiresGrad() + ", h.detach().requiresGrad " + detached.requiresGrad());
    try (var noGrad = Torch.noGrad()) {
      System.out.println("under noGrad, (x * 2).requiresGrad " + x.mul(2).requiresGrad());
    }
  }
}
