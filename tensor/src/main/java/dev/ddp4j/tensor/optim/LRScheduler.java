package dev.ddp4j.tensor.optim;

/**
 * Adjusts an optimizer's learning rate once per {@link #step()} (per epoch, as PyTorch's schedulers
 * are usually stepped). The base rate is the optimizer's rate at construction.
 */
public abstract class LRScheduler {
  protected final Optimizer optimizer;
  protected final double baseLr;
  private int lastEpoch;

  protected LRScheduler(Optimizer optimizer) {
    this.optimizer = optimizer;
    this.baseLr = optimizer.getLr();
  }

  /** Advances one epoch and sets the optimizer's learning rate. */
  public void step() {
    lastEpoch++;
    optimizer.setLr(lrAt(lastEpoch));
  }

  /** The number of steps taken. */
  public int lastEpoch() {
    return lastEpoch;
  }

  /** The learning rate after {@code epoch} steps. */
  protected abstract double lrAt(int epoch);

  /** Multiplies the rate by gamma every {@code stepSize} epochs. */
  public static final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
      super(optimizer);
      if (stepSize <= 0) {
        throw new IllegalArgumentException("StepLR: step_size must be positive, got " + stepSize);
      }
      this.stepSize = stepSize;
      this.gamma = gamma;
    }

    @Override
    protected double lrAt(int epoch) {
      return baseLr * Math.pow(gamma, epoch / stepSize);
    }
  }

  /** Cosine annealing from the base rate to {@code etaMin} over {@code tMax} epochs (closed form). */
  public static final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
      super(optimizer);
      if (tMax <= 0) {
        throw new IllegalArgumentException("CosineAnnealingLR: T_max must be positive, got " + tMax);
      }
      this.tMax = tMax;
      this.etaMin = etaMin;
    }

    @Override
    protected double lrAt(int epoch) {
      return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
  }
}
