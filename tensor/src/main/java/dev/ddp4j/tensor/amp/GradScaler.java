package dev.ddp4j.tensor.amp;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.optim.Optimizer;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dynamic loss scaling for float16 training (PyTorch's {@code torch.cuda.amp.GradScaler}). Each
 * iteration: {@code scaler.scale(loss).backward()}, optionally {@link #unscale(Optimizer)} (to clip
 * gradients), {@link #step(Optimizer)}, then {@link #update()}. A step whose gradients hold an inf or
 * NaN is skipped and the scale shrinks by the backoff factor; after {@code growthInterval}
 * consecutive good iterations it grows by the growth factor. The scale is kept in float32, as
 * PyTorch keeps it, so its values match PyTorch's step for step.
 *
 * <p>A disabled scaler is a no-op wrapper: {@code scale} returns the loss, {@code step} steps.
 * Not synchronised: one thread (the one that drives the optimizers) uses it.
 */
public final class GradScaler {
  /** PyTorch's initial scale, 2^16. */
  public static final double DEFAULT_INIT_SCALE = 65536.0;
  /** Factor the scale is multiplied by after {@link #DEFAULT_GROWTH_INTERVAL_STEPS} good steps. */
  public static final double DEFAULT_GROWTH_FACTOR = 2.0;
  /** Factor the scale is multiplied by after a step with inf/NaN gradients. */
  public static final double DEFAULT_BACKOFF_FACTOR = 0.5;
  /** Consecutive steps without inf/NaN gradients before the scale grows. */
  public static final int DEFAULT_GROWTH_INTERVAL_STEPS = 2000;

  /** Where an optimizer is in the current iteration. */
  private enum Stage { READY, UNSCALED, STEPPED }

  /** One optimizer's progress since the last {@link #update()}. */
  private static final class OptimizerState {
    Stage stage = Stage.READY;
    boolean foundInf;
  }

  private final boolean enabled;
  private float scale;
  private double growthFactor;
  private double backoffFactor;
  private int growthInterval;
  private int growthTracker;
  private final Map<Optimizer, OptimizerState> perOptimizer = new IdentityHashMap<>();

  /** An enabled scaler with PyTorch's defaults. */
  public GradScaler() {
    this(true);
  }

  /** A scaler with PyTorch's defaults, enabled or not. */
  public GradScaler(boolean enabled) {
    this(DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL_STEPS, enabled);
  }

  /**
   * A scaler with the given policy.
   *
   * @throws IllegalArgumentException unless initScale is finite and positive, growthFactor &gt; 1,
   *     0 &lt; backoffFactor &lt; 1 and growthInterval &gt; 0
   */
  public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval,
      boolean enabled) {
    if (!(initScale > 0) || Double.isInfinite(initScale)) {
      throw new IllegalArgumentException("GradScaler: initScale must be finite and > 0, got " + initScale);
    }
    if (!(growthFactor > 1.0)) {
      throw new IllegalArgumentException("GradScaler: growthFactor should be > 1, got " + growthFactor);
    }
    if (!(backoffFactor > 0 && backoffFactor < 1.0)) {
      throw new IllegalArgumentException("GradScaler: backoffFactor should be in (0, 1), got " + backoffFactor);
    }
    if (growthInterval <= 0) {
      throw new IllegalArgumentException("GradScaler: growthInterval should be > 0, got " + growthInterval);
    }
    this.enabled = enabled;
    this.scale = (float) initScale;
    this.growthFactor = growthFactor;
    this.backoffFactor = backoffFactor;
    this.growthInterval = growthInterval;
  }

  public boolean isEnabled() {
    return enabled;
  }

  /** The current scale (1.0 when disabled). */
  public double getScale() {
    return enabled ? scale : 1.0;
  }

  /** Consecutive good iterations since the scale last changed. */
  public int getGrowthTracker() {
    return growthTracker;
  }

  /**
   * {@code loss} times the scale, differentiable (so backward yields scaled gradients); a bfloat16 or
   * float16 loss is first cast to float32, which is what PyTorch's promotion with its float32 scale
   * gives. A disabled scaler returns {@code loss} itself.
   */
  public Tensor scale(Tensor loss) {
    if (!enabled) {
      return loss;
    }
    return Autocast.toFloat32(loss).mul(Torch.scalar(scale, DType.FLOAT32));
  }

  /**
   * Divides every gradient of {@code optimizer}'s parameters by the scale in place (multiplying by
   * the float32 reciprocal, as PyTorch does) and records whether any holds an inf or NaN. Call it at
   * most once per optimizer between {@link #update()}s, before {@link #step(Optimizer)}.
   *
   * @throws IllegalStateException if called twice since the last update, or after step
   * @throws IllegalArgumentException if a gradient is float16 (unscaling would lose it)
   */
  public void unscale(Optimizer optimizer) {
    if (!enabled) {
      return;
    }
    OptimizerState st = perOptimizer.computeIfAbsent(optimizer, o -> new OptimizerState());
    if (st.stage == Stage.UNSCALED) {
      throw new IllegalStateException("unscale() has already been called on this optimizer since the last update().");
    }
    if (st.stage == Stage.STEPPED) {
      throw new IllegalStateException("unscale() is being called after step().");
    }
    float invScale = (float) (1.0 / (double) scale);
    boolean foundInf = false;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (Tensor p : optimizer.parameters()) {
        Tensor g = p.grad();
        if (g == null) {
          continue;
        }
        if (g.dtype() == DType.FLOAT16) {
          throw new IllegalArgumentException("GradScaler: Attempting to unscale FP16 gradients (keep float32 master "
              + "parameters and let autocast cast them).");
        }
        g.mul_(invScale);
        foundInf |= !allFinite(g);
      }
    }
    st.foundInf = foundInf;
    st.stage = Stage.UNSCALED;
  }

  /** True when every element is finite: x·0 is 0 for finite x and NaN for inf or NaN. */
  private static boolean allFinite(Tensor g) {
    return Double.isFinite(g.mul(0.0).sum().item());
  }

  /**
   * Unscales the gradients (unless {@link #unscale(Optimizer)} already did), then runs
   * {@code optimizer.step()} unless they hold an inf or NaN.
   *
   * @return whether the optimizer stepped
   * @throws IllegalStateException if step was already called for this optimizer since the last update
   */
  public boolean step(Optimizer optimizer) {
    if (!enabled) {
      optimizer.step();
      return true;
    }
    OptimizerState st = perOptimizer.get(optimizer);
    if (st != null && st.stage == Stage.STEPPED) {
      throw new IllegalStateException("step() has already been called since the last update().");
    }
    if (st == null || st.stage == Stage.READY) {
      unscale(optimizer);
      st = perOptimizer.get(optimizer);
    }
    boolean stepped = !st.foundInf;
    if (stepped) {
      optimizer.step();
    }
    st.stage = Stage.STEPPED;
    return stepped;
  }

  /**
   * Adjusts the scale from this iteration's inf checks: times the backoff factor (and the growth
   * tracker reset) if any optimizer saw inf/NaN, else times the growth factor once growthInterval
   * consecutive good iterations have passed. Ends the iteration for every optimizer.
   *
   * @throws IllegalStateException if no optimizer was unscaled or stepped since the last update
   */
  public void update() {
    if (!enabled) {
      return;
    }
    if (perOptimizer.isEmpty()) {
      throw new IllegalStateException("update(): no inf checks were recorded prior to update (call step() or "
          + "unscale() first).");
    }
    boolean foundInf = false;
    for (OptimizerState st : perOptimizer.values()) {
      foundInf |= st.foundInf;
    }
    if (foundInf) {
      scale = (float) (scale * backoffFactor);
      growthTracker = 0;
    } else if (growthTracker + 1 == growthInterval) {
      float grown = (float) (scale * growthFactor);
      if (Float.isFinite(grown)) {
        scale = grown;
      }
      growthTracker = 0;
    } else {
      growthTracker++;
    }
    perOptimizer.clear();
  }

  /**
   * Sets the scale to {@code newScale} (float32-rounded) and ends the iteration, ignoring the inf
   * checks (PyTorch's {@code update(new_scale)}).
   */
  public void update(double newScale) {
    if (!enabled) {
      return;
    }
    if (!(newScale > 0) || Double.isInfinite(newScale)) {
      throw new IllegalArgumentException("update: newScale must be finite and > 0, got " + newScale);
    }
    scale = (float) newScale;
    perOptimizer.clear();
  }

  /**
   * The scaler's state as 0-dim tensors: {@code scale} (float32), {@code growth_factor} and
   * {@code backoff_factor} (float64), {@code growth_interval} and {@code _growth_tracker} (int64), the
   * keys PyTorch uses. Empty when disabled.
   */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    if (!enabled) {
      return out;
    }
    out.put("scale", Torch.scalar(scale, DType.FLOAT32));
    out.put("growth_factor", Torch.scalar(growthFactor, DType.FLOAT64));
    out.put("backoff_factor", Torch.scalar(backoffFactor, DType.FLOAT64));
    out.put("growth_interval", Torch.scalar(growthInterval, DType.INT64));
    out.put("_growth_tracker", Torch.scalar(growthTracker, DType.INT64));
    return out;
  }

  private static final List<String> STATE_KEYS =
      List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker");

  /**
   * Restores a state made by {@link #stateDict()}; everything is checked before anything changes. A
   * disabled scaler ignores it.
   *
   * @throws IllegalArgumentException if the dict is empty, lacks a key or holds an unknown one
   */
  public void loadStateDict(Map<String, Tensor> dict) {
    if (!enabled) {
      return;
    }
    if (dict.isEmpty()) {
      throw new IllegalArgumentException("GradScaler.loadStateDict: the source state dict is empty, possibly because "
          + "it was saved from a disabled GradScaler");
    }
    for (String k : dict.keySet()) {
      if (!STATE_KEYS.contains(k)) {
        throw new IllegalArgumentException("GradScaler.loadStateDict: unexpected key '" + k + "'");
      }
    }
    for (String k : STATE_KEYS) {
      if (!dict.containsKey(k)) {
        throw new IllegalArgumentException("GradScaler.loadStateDict: missing key '" + k + "'");
      }
    }
    double newScale = dict.get("scale").item();
    if (!(newScale > 0) || Double.isInfinite(newScale)) {
      throw new IllegalArgumentException("GradScaler.loadStateDict: scale must be finite and > 0, got " + newScale);
    }
    scale = (float) newScale;
    growthFactor = dict.get("growth_factor").item();
    backoffFactor = dict.get("backoff_factor").item();
    growthInterval = (int) dict.get("growth_interval").item();
    growthTracker = (int) dict.get("_growth_tracker").item();
  }
}
