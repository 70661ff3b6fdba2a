package dev.ddp4j.tensor.train;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.amp.GradScaler;
import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.data.Batch;
import dev.ddp4j.tensor.data.BatchIterator;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.nn.Loss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;

/**
 * The training loop of one process: for each batch, zero the gradients, forward, loss, backward,
 * optimizer step; and an evaluation pass under no-grad. Classification accuracy is argmax against
 * int64 labels, or a 0.5 threshold for a single sigmoid output against 0/1 float targets.
 *
 * <p>With {@link #amp(DType)} set, forward and loss (in training and evaluation) run inside an
 * {@link Autocast} scope, and float16 training scales the loss with a {@link GradScaler}, as PyTorch's
 * AMP recipe does; backward and the optimizer step run outside the scope on float32 parameters.
 */
public final class Trainer {
  private final Module model;
  private final Loss loss;
  private final Optimizer optimizer;
  private DType ampDtype;
  private GradScaler scaler;
  private Device device = Device.CPU;

  /** One optimizer step's outcome, for progress reporting. */
  public record StepInfo(int epoch, int step, int stepsInEpoch, int batchSize, double loss) {}

  /** Receives every step; called on the training thread. */
  @FunctionalInterface
  public interface StepListener {
    void onStep(StepInfo info);
  }

  /** Mean training loss and throughput of one epoch. */
  public record EpochStats(int epoch, double trainLoss, long samples, int steps, double seconds) {
    public double samplesPerSec() {
      return samples / seconds;
    }
  }

  /** Mean loss and accuracy over an evaluation set. */
  public record Evaluation(double loss, double accuracy, long samples) {}

  public Trainer(Module model, Loss loss, Optimizer optimizer) {
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
  }

  /**
   * Turns mixed precision on with {@code dtype} (bfloat16 or float16), or off with null. Float16 gets
   * a {@link GradScaler} with PyTorch's defaults; bfloat16, whose range is float32's, gets none.
   *
   * @return this trainer
   * @throws IllegalArgumentException if {@code dtype} is neither null, bfloat16 nor float16
   */
  public Trainer amp(DType dtype) {
    return amp(dtype, dtype == DType.FLOAT16 ? new GradScaler() : null);
  }

  /**
   * Turns mixed precision on with {@code dtype} and {@code scaler} (null for none), or off when
   * {@code dtype} is null (then {@code scaler} must be null too).
   *
   * @return this trainer
   * @throws IllegalArgumentException if {@code dtype} is neither null, bfloat16 nor float16, or a
   *     scaler is given without a dtype
   */
  public Trainer amp(DType dtype, GradScaler scaler) {
    if (dtype != null && !dtype.isHalf()) {
      throw new IllegalArgumentException("Trainer.amp: mixed precision needs torch.bfloat16 or torch.float16, got "
          + dtype);
    }
    if (dtype == null && scaler != null) {
      throw new IllegalArgumentException("Trainer.amp: a GradScaler needs an autocast dtype");
    }
    this.ampDtype = dtype;
    this.scaler = scaler;
    return this;
  }

  /** The autocast dtype, or null when mixed precision is off. */
  public DType ampDtype() {
    return ampDtype;
  }

  /** The loss scaler in use, or null. */
  public GradScaler gradScaler() {
    return scaler;
  }

  /** An autocast scope when mixed precision is on, else null (try-with-resources skips a null resource). */
  /**
   * Trains on {@code device}: moves the model there now ({@link Module#to}, in place, so the optimizer's
   * parameters move with it) and each batch as it is used; evaluation counts correct predictions on the
   * CPU. Returns this.
   */
  public Trainer device(Device target) {
    model.to(target);
    this.device = target;
    return this;
  }

  public Device device() {
    return device;
  }

  private Autocast.Scope autocastScope() {
    return ampDtype == null ? null : Autocast.enable(ampDtype);
  }

  /**
   * One optimisation step on a batch: zero the gradients, forward and loss (under autocast when mixed
   * precision is on), backward (scaled with a {@link GradScaler}), optimizer step. Returns the loss.
   */
  public double trainStep(Tensor inputs, Tensor targets) {
    inputs = inputs.to(device);
    targets = targets.to(device);
    optimizer.zeroGrad();
    Tensor l;
    try (Autocast.Scope ignored = autocastScope()) {
      l = loss.forward(model.forward(inputs), targets);
    }
    if (scaler != null) {
      scaler.scale(l).backward();
      scaler.step(optimizer);
      scaler.update();
    } else {
      l.backward();
      optimizer.step();
    }
    return l.item();
  }

  /** Trains one epoch over {@code loader} (which sets its own epoch for shuffling). */
  public EpochStats trainEpoch(DataLoader loader, int epoch, StepListener listener) {
    model.train();
    loader.setEpoch(epoch);
    long t0 = System.nanoTime();
    double lossSum = 0;
    long samples = 0;
    int steps = 0;
    int total = loader.numBatches();
    try (BatchIterator it = loader.iterator()) {
      while (it.hasNext()) {
        Batch b = it.next();
        double lv = trainStep(b.inputs(), b.targets());
        if (!Double.isFinite(lv)) {
          throw new ArithmeticException("training diverged: loss is " + lv + " at epoch " + epoch + ", step "
              + (steps + 1) + " (try a smaller learning rate)");
        }
        lossSum += lv;
        steps++;
        samples += b.size();
        if (listener != null) {
          listener.onStep(new StepInfo(epoch, steps, total, b.size(), lv));
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new EpochStats(epoch, steps == 0 ? Double.NaN : lossSum / steps, samples, steps, seconds);
  }

  /**
   * Loss (mean over samples) and accuracy of the model on {@code loader}, in eval mode, without grad,
   * under autocast when mixed precision is on.
   */
  public Evaluation evaluate(DataLoader loader) {
    model.eval();
    double lossSum = 0;
    long correct = 0;
    long samples = 0;
    try (GradMode.Scope ignored = GradMode.noGrad(); Autocast.Scope amp = autocastScope();
        BatchIterator it = loader.iterator()) {
      while (it.hasNext()) {
        Batch b = it.next();
        Tensor out = model.forward(b.inputs().to(device));
        lossSum += loss.forward(out, b.targets().to(device)).item() * b.size();
        correct += countCorrect(out.to(Device.CPU), b.targets());
        samples += b.size();
      }
    } finally {
      model.train();
    }
    return new Evaluation(lossSum / samples, (double) correct / samples, samples);
  }

  /** Correct predictions in a batch: argmax for class indices, threshold 0.5 for one probability. */
  public static long countCorrect(Tensor output, Tensor targets) {
    if (targets.dtype() == DType.INT64) {
      return (long) output.argmax(1).eq(targets).to(DType.INT64).sum().item();
    }
    Tensor predicted = output.gt(0.5).to(targets.dtype());
    return (long) predicted.eq(targets).to(DType.INT64).sum().item();
  }

  /** The XOR truth table as inputs [4, 2] and float targets [4, 1]. */
  public static Tensor[] xorData() {
    Tensor x = Torch.fromArray(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
    Tensor y = Torch.fromArray(new float[] {0, 1, 1, 0}, 4, 1);
    return new Tensor[] {x, y};
  }
}
