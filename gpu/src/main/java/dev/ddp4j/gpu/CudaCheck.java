package dev.ddp4j.gpu;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.BackendConformance;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.F;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.SGD;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Everything to check on a GPU host in one run: the backend conformance suite on {@code cuda:0} (one line
 * per check), then training throughput of the seeds' MLP and LeNet on synthetic Fashion-MNIST-shaped
 * batches at batch 64 and 512 (SGD lr 0.01, momentum 0.9; each step ends with {@code loss.item()}, as a
 * training loop that logs its loss). {@code --train-only} skips the suite. Exit status 0 when every check
 * passed, 1 otherwise, 2 without a GPU.
 * {@link CudaGemmCheck} checks and times the GEMM kernels.
 */
public final class CudaCheck {
  private static final int WARMUP_STEPS = 30;
  private static final int TIMED_STEPS = 200;

  private CudaCheck() {}

  public static void main(String[] args) {
    Availability probe = new CudaBackend().probe();
    System.out.println("CUDA probe: " + probe.description());
    if (!probe.available()) {
      System.exit(2);
    }
    Device device = Device.cuda(0);
    int failed = 0;
    boolean trainOnly = java.util.Arrays.asList(args).contains("--train-only");
    for (BackendConformance.Check check : trainOnly ? java.util.List.<BackendConformance.Check>of()
        : BackendConformance.checks()) {
      try {
        check.body().accept(device);
        System.out.println("ok    " + check.name());
      } catch (RuntimeException | AssertionError e) {
        failed++;
        System.out.println("FAIL  " + check.name() + ": " + e);
      }
    }
    if (!trainOnly) {
      System.out.printf(Locale.ROOT, "conformance: %d of %d checks passed on %s%n",
          BackendConformance.checks().size() - failed, BackendConformance.checks().size(), device);
    }
    System.out.println("| model | batch | samples/s on " + device + " |");
    System.out.println("|---|---|---|");
    for (String name : new String[] {"mlp", "cnn"}) {
      for (int batch : new int[] {64, 512}) {
        try {
          double rate = samplesPerSecond(name.equals("mlp") ? Models::mlp : Models::leNet, device, batch);
          System.out.printf(Locale.ROOT, "| %s | %d | %.0f |%n", name, batch, rate);
        } catch (RuntimeException e) {
          failed++;
          System.out.printf(Locale.ROOT, "| %s | %d | failed: %s |%n", name, batch, e);
        }
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }

  /** Training samples per second of a fresh model on {@code device} over synthetic batches. */
  static double samplesPerSecond(Supplier<Module> factory, Device device, int batch) {
    Torch.manualSeed(0);
    Module model = factory.get().to(device);
    SGD opt = new SGD(model.parameters(), 0.01, 0.9);
    Generator gen = new Generator(1);
    int pool = 8;
    Tensor[] xs = new Tensor[pool];
    Tensor[] ys = new Tensor[pool];
    for (int i = 0; i < pool; i++) {
      xs[i] = Torch.randn(gen, DType.FLOAT32, batch, 1, 28, 28);
      ys[i] = Torch.randint(0, 10, batch);
    }
    long start = 0;
    for (int step = 0; step < WARMUP_STEPS + TIMED_STEPS; step++) {
      if (step == WARMUP_STEPS) {
        start = System.nanoTime();
      }
      // Batches come from the host each step, as from a data loader.
      Tensor x = xs[step % pool].to(device);
      Tensor y = ys[step % pool].to(device);
      opt.zeroGrad();
      Tensor loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      double v = loss.item();
      if (!Double.isFinite(v)) {
        throw new ArithmeticException("loss is " + v + " at step " + step);
      }
    }
    return (double) TIMED_STEPS * batch / ((System.nanoTime() - start) / 1e9);
  }
}
