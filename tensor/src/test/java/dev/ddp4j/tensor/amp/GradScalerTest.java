package dev.ddp4j.tensor.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.optim.SGD;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GradScaler: scaling, unscaling, skipped steps on inf/NaN, the scale's backoff and growth, state dicts. */
class GradScalerTest {

  /** A float32 parameter [1, 2, 3] and plain SGD with lr 0.5 on it. */
  private static SGD sgdOn(Tensor p) {
    return new SGD(List.of(p), 0.5);
  }

  private static Tensor param() {
    return Torch.tensor(1f, 2f, 3f).requiresGrad_();
  }

  /** loss = Σ c·p with c = [0.5, -1.25, 3], so dloss/dp = c. */
  private static Tensor loss(Tensor p) {
    return p.mul(Torch.tensor(0.5f, -1.25f, 3f)).sum();
  }

  @Test
  void scaleMultipliesTheLossAndItsGradientsByTheScale() {
    GradScaler scaler = new GradScaler();
    assertEquals(65536.0, scaler.getScale());
    Tensor p = param();
    Tensor scaled = scaler.scale(loss(p));
    assertEquals((0.5 - 2.5 + 9) * 65536, scaled.item());
    scaled.backward();
    assertArrayEquals(new float[] {32768f, -81920f, 196608f}, p.grad().toFloatArray());
  }

  @Test
  void unscaleDividesEveryGradientByTheScaleInPlace() {
    GradScaler scaler = new GradScaler();
    Tensor p = param();
    Tensor q = Torch.tensor(4f).requiresGrad_();
    SGD opt = new SGD(List.of(p, q), 0.5);
    scaler.scale(loss(p).add(q.mul(3.0))).backward();
    Tensor gradBefore = p.grad();
    scaler.unscale(opt);
    assertSame(gradBefore, p.grad(), "unscale works in place");
    assertArrayEquals(new float[] {0.5f, -1.25f, 3f}, p.grad().toFloatArray());
    assertArrayEquals(new float[] {3f}, q.grad().toFloatArray());
    assertArrayEquals(new float[] {1f, 2f, 3f}, p.detach().toFloatArray(), "unscale does not step");
  }

  @Test
  void stepAfterUnscaleDoesNotUnscaleAgainAndUpdatesTheParameters() {
    GradScaler scaler = new GradScaler();
    Tensor p = param();
    SGD opt = sgdOn(p);
    scaler.scale(loss(p)).backward();
    scaler.unscale(opt);
    assertTrue(scaler.step(opt));
    // p - 0.5·c
    assertArrayEquals(new float[] {0.75f, 2.625f, 1.5f}, p.detach().toFloatArray());
    scaler.update();
    assertEquals(65536.0, scaler.getScale());
    assertEquals(1, scaler.getGrowthTracker());
  }

  @Test
  void anInfGradientSkipsTheStepAndBacksTheScaleOff() {
    GradScaler scaler = new GradScaler();
    Tensor p = param();
    SGD opt = sgdOn(p);
    scaler.scale(loss(p)).backward();
    p.grad().set(Double.POSITIVE_INFINITY, 1);
    assertFalse(scaler.step(opt));
    assertArrayEquals(new float[] {1f, 2f, 3f}, p.detach().toFloatArray(), "the step must be skipped");
    scaler.update();
    assertEquals(32768.0, scaler.getScale());
    assertEquals(0, scaler.getGrowthTracker());
  }

  @Test
  void aNanGradientAlsoSkipsTheStep() {
    GradScaler scaler = new GradScaler();
    Tensor p = param();
    SGD opt = sgdOn(p);
    scaler.scale(loss(p)).backward();
    p.grad().set(Double.NaN, 0);
    assertFalse(scaler.step(opt));
    assertArrayEquals(new float[] {1f, 2f, 3f}, p.detach().toFloatArray());
  }

  /**
   * PyTorch's {@code _amp_update_scale_} rule, applied by hand to the sequence good ×3, inf, good ×2,
   * inf, good ×3 with scale 8, growth 2, backoff 0.5, interval 3: growth on the third consecutive
   * good step, backoff and tracker reset on each inf. (PyTorch 1.13 has no CPU kernel for it, so the
   * sequence could not be run there.)
   */
  @Test
  void scaleFollowsBackoffAndGrowthOverASequenceOfSteps() {
    GradScaler scaler = new GradScaler(8.0, 2.0, 0.5, 3, true);
    Tensor p = param();
    SGD opt = sgdOn(p);
    boolean[] inf = {false, false, false, true, false, false, true, false, false, false};
    double[] scales = {8, 8, 16, 8, 8, 8, 4, 4, 4, 8};
    int[] trackers = {1, 2, 0, 0, 1, 2, 0, 1, 2, 0};
    for (int i = 0; i < inf.length; i++) {
      opt.zeroGrad();
      scaler.scale(loss(p)).backward();
      if (inf[i]) {
        p.grad().set(Double.NEGATIVE_INFINITY, 2);
      }
      assertEquals(!inf[i], scaler.step(opt), "step " + i);
      scaler.update();
      assertEquals(scales[i], scaler.getScale(), "scale after step " + i);
      assertEquals(trackers[i], scaler.getGrowthTracker(), "tracker after step " + i);
    }
  }

  @Test
  void theScaleDoesNotGrowToInfinity() {
    GradScaler scaler = new GradScaler(3e38, 2.0, 0.5, 1, true);
    Tensor p = param();
    SGD opt = sgdOn(p);
    scaler.scale(loss(p).mul(0.0)).backward();
    assertTrue(scaler.step(opt));
    scaler.update();
    assertEquals((double) (float) 3e38, scaler.getScale());
  }

  @Test
  void callsOutOfOrderFailClearly() {
    GradScaler scaler = new GradScaler();
    Tensor p = param();
    SGD opt = sgdOn(p);
    IllegalStateException e = assertThrows(IllegalStateException.class, scaler::update);
    assertEquals("update(): no inf checks were recorded prior to update (call step() or unscale() first).",
        e.getMessage());
    scaler.scale(loss(p)).backward();
    scaler.unscale(opt);
    e = assertThrows(IllegalStateException.class, () -> scaler.unscale(opt));
    assertEquals("unscale() has already been called on this optimizer since the last update().", e.getMessage());
    scaler.step(opt);
    e = assertThrows(IllegalStateException.class, () -> scaler.step(opt));
    assertEquals("step() has already been called since the last update().", e.getMessage());
    e = assertThrows(IllegalStateException.class, () -> scaler.unscale(opt));
    assertEquals("unscale() is being called after step().", e.getMessage());
    scaler.update();
    opt.zeroGrad();
    scaler.scale(loss(p)).backward();
    assertTrue(scaler.step(opt), "a new iteration starts after update()");
  }

  @Test
  void float16GradientsAreRefused() {
    GradScaler scaler = new GradScaler();
    Tensor p = Torch.tensor(1f, 2f).to(DType.FLOAT16).requiresGrad_();
    SGD opt = new SGD(List.of(p), 0.1);
    scaler.scale(p.sum()).backward();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scaler.step(opt));
    assertEquals("GradScaler: Attempting to unscale FP16 gradients (keep float32 master parameters and let "
        + "autocast cast them).", e.getMessage());
  }

  @Test
  void stateDictRoundTripsScaleAndGrowthTracker() {
    GradScaler scaler = new GradScaler(1024.0, 4.0, 0.25, 5, true);
    Tensor p = param();
    SGD opt = sgdOn(p);
    for (int i = 0; i < 2; i++) {
      opt.zeroGrad();
      scaler.scale(loss(p)).backward();
      if (i == 0) {
        p.grad().set(Double.POSITIVE_INFINITY, 0);
      }
      scaler.step(opt);
      scaler.update();
    }
    Map<String, Tensor> state = scaler.stateDict();
    assertEquals(List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"),
        List.copyOf(state.keySet()));
    assertEquals(256.0, state.get("scale").item());
    assertEquals(1.0, state.get("_growth_tracker").item());

    GradScaler restored = new GradScaler();
    restored.loadStateDict(state);
    assertEquals(256.0, restored.getScale());
    assertEquals(1, restored.getGrowthTracker());
    assertEquals(state.keySet(), restored.stateDict().keySet());
    for (String k : state.keySet()) {
      assertEquals(state.get(k).item(), restored.stateDict().get(k).item(), k);
    }
    // The restored policy is the saved one: 4 more good steps reach the interval of 5 and grow by 4.
    Tensor q = param();
    SGD opt2 = sgdOn(q);
    for (int i = 0; i < 4; i++) {
      opt2.zeroGrad();
      restored.scale(loss(q)).backward();
      restored.step(opt2);
      restored.update();
    }
    assertEquals(1024.0, restored.getScale());
  }

  @Test
  void loadStateDictChecksItsInput() {
    GradScaler scaler = new GradScaler();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scaler.loadStateDict(Map.of()));
    assertEquals("GradScaler.loadStateDict: the source state dict is empty, possibly because it was saved from a "
        + "disabled GradScaler", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> scaler.loadStateDict(Map.of("scale", Torch.scalar(2.0))));
    assertEquals("GradScaler.loadStateDict: missing key 'growth_factor'", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> scaler.loadStateDict(Map.of("scales", Torch.scalar(2.0))));
    assertEquals("GradScaler.loadStateDict: unexpected key 'scales'", e.getMessage());
    assertEquals(65536.0, scaler.getScale());
  }

  @Test
  void aDisabledScalerPassesEverythingThrough() {
    GradScaler scaler = new GradScaler(false);
    Tensor p = param();
    SGD opt = sgdOn(p);
    Tensor l = loss(p);
    assertSame(l, scaler.scale(l));
    l.backward();
    p.grad().set(Double.POSITIVE_INFINITY, 1);
    assertTrue(scaler.step(opt));
    scaler.update();
    assertEquals(1.0, scaler.getScale());
    assertTrue(scaler.stateDict().isEmpty());
  }

  @Test
  void constructorRejectsBadPolicies() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new GradScaler(0, 2, 0.5, 10, true));
    assertEquals("GradScaler: initScale must be finite and > 0, got 0.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 1, 0.5, 10, true));
    assertEquals("GradScaler: growthFactor should be > 1, got 1.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 2, 1, 10, true));
    assertEquals("GradScaler: backoffFactor should be in (0, 1), got 1.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GradScaler(1, 2, 0.5, 0, true));
    assertEquals("GradScaler: growthInterval should be > 0, got 0", e.getMessage());
  }
}
