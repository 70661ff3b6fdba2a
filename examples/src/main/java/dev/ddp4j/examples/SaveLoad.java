package dev.ddp4j.examples;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.Batch;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.FashionMnist;
import dev.ddp4j.tensor.data.Normalize;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.io.SafeTensors;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.optim.SGD;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Saves a trained model's and its optimizer's state dicts, loads them into fresh objects, and
 * checks that the copy predicts the same and resumes training the same. The Java twin of PyTorch's
 * save-and-load tutorial, with safetensors files instead of pickles:
 *
 * <pre>{@code
 * save_file(model.state_dict(), "model.safetensors")
 * model2 = NeuralNetwork()
 * model2.load_state_dict(load_file("model.safetensors"), strict=True); model2.eval()
 * print(torch.equal(model(X), model2(X)))                               # True
 *
 * save_file(optimizer.state_dict(), "optimizer.safetensors", {"epoch": "1"})   # flattened to tensors
 * optimizer2 = torch.optim.SGD(model2.parameters(), lr=0.01, momentum=0.9)
 * optimizer2.load_state_dict(...)
 * }</pre>
 *
 * <p>Run: {@code SaveLoad [--limit 2000] [--dir DIR] [--data /usr/share/datasets/fashion-mnist]};
 * the files go to {@code DIR} (default: a new temporary directory).
 */
public final class SaveLoad {
  private SaveLoad() {}

  /** Whether the loaded model predicted exactly as the trained one, and resumed training identically. */
  public record Result(boolean samePredictions, boolean sameAfterResumedStep) {}

  public static void main(String[] args) throws IOException {
    run(args);
  }

  /** Runs the example. */
  public static Result run(String... args) throws IOException {
    Args options = Args.parse(args, "--limit", "--dir", "--data");
    int limit = options.getInt("--limit", 2000);
    Path dataDir = options.getPath("--data", FashionMnist.DEFAULT_DIR);
    Path dir = options.getPath("--dir", null);
    if (dir == null) {
      dir = Files.createTempDirectory("ddp4j-save-load");
    }
    Torch.manualSeed(0);

    // Train the MLP for one short epoch.
    TensorDataset trainData = Normalize.FASHION_MNIST.apply(FashionMnist.load(dataDir, true, limit));
    Module model = Models.mlp();
    Optimizer optimizer = new SGD(model.parameters(), 0.01, 0.9);
    CrossEntropyLoss lossFn = new CrossEntropyLoss();
    try (DataLoader loader = DataLoader.builder(trainData).batchSize(64).shuffle(true).build()) {
      for (Batch batch : loader) {
        optimizer.zeroGrad();
        lossFn.forward(model.forward(batch.inputs()), batch.targets()).backward();
        optimizer.step();
      }
    }
    Tensor images = trainData.inputs().narrow(0, 0, 8);
    Tensor labels = trainData.targets().narrow(0, 0, 8);

    // Save the weights: the state dict maps PyTorch's names ("1.weight", ...) to tensors.
    Path modelFile = dir.resolve("model.safetensors");
    SafeTensors.save(model.stateDict(), modelFile);
    System.out.println("saved " + model.stateDict().keySet() + " to " + modelFile);

    // A fresh model has other (random) weights until the state dict is loaded into it.
    Module loaded = Models.mlp();
    model.eval();
    loaded.eval();
    System.out.println("fresh model predicts the same: " + predict(model, images).equal(predict(loaded, images)));
    loaded.loadStateDict(SafeTensors.load(modelFile), true);
    Tensor expected = predict(model, images);
    Tensor actual = predict(loaded, images);
    boolean samePredictions = actual.equal(expected);
    System.out.println("predicted classes: " + expected.argmax(1));
    System.out.println("loaded model predicts the same: " + samePredictions);

    // The optimizer's state (momentum buffers, hyper-parameters) is a state dict of tensors too;
    // safetensors keeps a string-to-string metadata map beside them, here the epoch.
    Path optimizerFile = dir.resolve("optimizer.safetensors");
    SafeTensors.save(optimizer.stateDict(), Map.of("epoch", "1"), optimizerFile);
    Optimizer loadedOptimizer = new SGD(loaded.parameters(), 0.01, 0.9);
    loadedOptimizer.loadStateDict(SafeTensors.load(optimizerFile));
    System.out.println("optimizer state " + optimizer.stateDict().keySet().size() + " tensors, metadata "
        + SafeTensors.metadata(optimizerFile));

    // Resuming: one more step from each pair lands on the same weights only if the momentum came back too.
    model.train();
    loaded.train();
    step(model, optimizer, lossFn, images, labels);
    step(loaded, loadedOptimizer, lossFn, images, labels);
    boolean sameAfterStep = true;
    Map<String, Tensor> resumed = loaded.stateDict();
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      sameAfterStep &= e.getValue().equal(resumed.get(e.getKey()));
    }
    System.out.println("identical weights after one resumed step: " + sameAfterStep);
    return new Result(samePredictions, sameAfterStep);
  }

  private static Tensor predict(Module model, Tensor images) {
    try (var noGrad = Torch.noGrad()) {
      return model.forward(images);
    }
  }

  private static void step(Module model, Optimizer optimizer, CrossEntropyLoss lossFn, Tensor x, Tensor y) {
    optimizer.zeroGrad();
    lossFn.forward(model.forward(x), y).backward();
    optimizer.step();
  }
}
