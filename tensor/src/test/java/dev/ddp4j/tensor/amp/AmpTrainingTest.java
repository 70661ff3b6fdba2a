package dev.ddp4j.tensor.amp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.nn.ReLU;
import dev.ddp4j.tensor.nn.Sequential;
import dev.ddp4j.tensor.optim.SGD;
import dev.ddp4j.tensor.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Training a small MLP through {@link Trainer} under autocast: it converges and stays near the float32 run. */
class AmpTrainingTest {
  private static final int SAMPLES = 512;
  private static final int FEATURES = 8;
  private static final int CLASSES = 4;
  private static final int EPOCHS = 6;

  /** Four Gaussian blobs in 8-D: class k is centred on ±1.5 in a pattern fixed by seed 7, noise σ = 1. */
  private static TensorDataset blobs() {
    Generator gen = new Generator(7);
    Tensor centres = Torch.randn(gen, DType.FLOAT32, CLASSES, FEATURES).sign().mul(1.5);
    long[] labels = new long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      labels[i] = i % CLASSES;
    }
    Tensor y = Torch.fromArray(labels, SAMPLES);
    Tensor x = centres.indexSelect(0, y).add(Torch.randn(gen, DType.FLOAT32, SAMPLES, FEATURES));
    return new TensorDataset(x, y);
  }

  private static Module mlp() {
    Torch.manualSeed(0);
    return new Sequential(new Linear(FEATURES, 32), new ReLU(), new Linear(32, CLASSES));
  }

  /** Per-epoch mean training losses of a run with {@code amp} (null: float32). */
  private static double[] train(Module model, DType amp, TensorDataset data) {
    Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1)).amp(amp);
    double[] losses = new double[EPOCHS];
    try (DataLoader loader = DataLoader.builder(data).batchSize(32).shuffle(true).seed(0).build()) {
      for (int e = 0; e < EPOCHS; e++) {
        losses[e] = trainer.trainEpoch(loader, e, null).trainLoss();
      }
    }
    return losses;
  }

  @Test
  void bf16AutocastTrainingConvergesNearTheFloat32Run() {
    TensorDataset data = blobs();
    Module full = mlp();
    Module mixed = mlp();
    double[] fullLosses = train(full, null, data);
    double[] mixedLosses = train(mixed, DType.BFLOAT16, data);

    assertTrue(mixedLosses[EPOCHS - 1] < 0.3 * mixedLosses[0],
        "bf16 loss must fall clearly: first epoch " + mixedLosses[0] + ", last " + mixedLosses[EPOCHS - 1]);
    assertEquals(fullLosses[EPOCHS - 1], mixedLosses[EPOCHS - 1], 0.01, "final losses float32 vs bf16");

    List<Tensor> fp = full.parameters();
    List<Tensor> mp = mixed.parameters();
    double maxDiff = 0;
    for (int i = 0; i < fp.size(); i++) {
      assertEquals(DType.FLOAT32, mp.get(i).dtype(), "master parameters stay float32");
      maxDiff = Math.max(maxDiff, fp.get(i).sub(mp.get(i)).abs().max().item());
    }
    assertTrue(maxDiff > 0, "bf16 rounding must change the parameters");
    assertTrue(maxDiff < 0.01, "parameters drift from the float32 run by " + maxDiff);

    try (DataLoader loader = DataLoader.builder(data).batchSize(128).build()) {
      Trainer.Evaluation eval = new Trainer(mixed, new CrossEntropyLoss(), new SGD(mixed.parameters(), 0))
          .amp(DType.BFLOAT16).evaluate(loader);
      assertTrue(eval.accuracy() > 0.9, "accuracy " + eval.accuracy());
      assertFalse(Autocast.isEnabled(), "evaluation closes its autocast scope");
    }
  }

  @Test
  void fp16AutocastTrainsWithALossScaler() {
    Module model = mlp();
    Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1))
        .amp(DType.FLOAT16);
    assertEquals(DType.FLOAT16, trainer.ampDtype());
    assertNotNull(trainer.gradScaler());
    TensorDataset data = blobs();
    double first;
    double last;
    try (DataLoader loader = DataLoader.builder(data).batchSize(32).shuffle(true).seed(0).build()) {
      first = trainer.trainEpoch(loader, 0, null).trainLoss();
      last = first;
      for (int e = 1; e < EPOCHS; e++) {
        last = trainer.trainEpoch(loader, e, null).trainLoss();
      }
    }
    assertTrue(last < 0.3 * first, "fp16 loss must fall clearly: first epoch " + first + ", last " + last);
    assertEquals(65536.0, trainer.gradScaler().getScale(), "96 good steps: no backoff, no growth before 2000");
    assertEquals(EPOCHS * SAMPLES / 32, trainer.gradScaler().getGrowthTracker());
  }

  /**
   * One LeNet step on random images: bfloat16 rounding through five layers moves the first conv's
   * gradient by 14% (relative L2) here; PyTorch 1.13's CPU autocast, run the same way on its own
   * LeNet and seed, moves it by 15%, and later layers by 0.1-10% in both.
   */
  @Test
  void leNetUnderBf16AutocastGivesFloat32GradientsCloseToTheFloat32Ones() {
    Torch.manualSeed(1);
    Module net = Models.leNet();
    Tensor images = Torch.randn(new Generator(2), DType.FLOAT32, 4, 1, 28, 28);
    Tensor labels = Torch.fromArray(new long[] {3, 1, 4, 1}, 4);
    CrossEntropyLoss ce = new CrossEntropyLoss();
    ce.forward(net.forward(images), labels).backward();
    List<Tensor> exact = net.parameters().stream().map(p -> p.grad().clone()).toList();
    net.zeroGrad();
    Tensor logits;
    Tensor l;
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      logits = net.forward(images);
      l = ce.forward(logits, labels);
    }
    assertEquals(DType.BFLOAT16, logits.dtype());
    assertEquals(DType.FLOAT32, l.dtype());
    l.backward();
    List<Tensor> ps = net.parameters();
    for (int i = 0; i < ps.size(); i++) {
      Tensor g = ps.get(i).grad();
      assertEquals(DType.FLOAT32, g.dtype(), "grad " + i);
      Tensor e = exact.get(i);
      double relative = Math.sqrt(g.sub(e).pow(2).sum().item() / e.pow(2).sum().item());
      assertTrue(relative > 0 && relative < 0.25, "grad " + i + " is " + relative + " away from float32 (relative L2)");
    }
  }

  @Test
  void ampSettingsAreChecked() {
    Module model = mlp();
    Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1));
    assertNull(trainer.ampDtype());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.amp(DType.INT64));
    assertEquals("Trainer.amp: mixed precision needs torch.bfloat16 or torch.float16, got torch.int64", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> trainer.amp(null, new GradScaler()));
    assertEquals("Trainer.amp: a GradScaler needs an autocast dtype", e.getMessage());
    assertNull(trainer.amp(DType.BFLOAT16).gradScaler(), "bf16 needs no scaler");
    assertNull(trainer.amp(null).ampDtype());
  }
}
