package dev.ddp4j.tensor.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three steps of every optimizer from the same float32 parameter with hand-chosen gradients,
 * compared with PyTorch 1.13 element by element; state dicts, schedulers and argument checks.
 * The expected values come from {@code src/test/resources/reference/optim_reference.py}.
 */
class OptimizerTest {
  private static final double RTOL = 1e-6;

  private static final float[] P0 = {1.0f, -2.0f, 3.0f, 0.5f};
  private static final float[][] GRADS = {
      {0.1f, -0.2f, 0.3f, 0.4f},
      {-0.5f, 0.25f, 0.05f, -0.1f},
      {0.2f, 0.2f, -0.3f, 0.6f},
  };

  /** An optimizer under test: how to build it on a parameter list and torch's parameter after each step. */
  record Case(String name, Function<List<Tensor>, Optimizer> factory, float[][] expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("SGD lr 0.1", ps -> new SGD(ps, 0.1), new float[][] {
            {0.99000001f, -1.98000002f, 2.97000003f, 0.460000008f},
            {1.03999996f, -2.00500011f, 2.96499991f, 0.469999999f},
            {1.01999998f, -2.0250001f, 2.99499989f, 0.409999996f}}),
        new Case("SGD momentum 0.9 dampening 0.5", ps -> new SGD(ps, 0.1, 0.9, 0.5, 0, false), new float[][] {
            {0.99000001f, -1.98000002f, 2.97000003f, 0.460000008f},
            {1.00600004f, -1.97450006f, 2.94050002f, 0.42900002f},
            {1.01040006f, -1.97955f, 2.92895007f, 0.371100008f}}),
        new Case("SGD nesterov 0.9 weight decay 0.01", ps -> new SGD(ps, 0.1, 0.9, 0, 0.01, true), new float[][] {
            {0.979099989f, -1.95819998f, 2.93729997f, 0.423049986f},
            {1.0633297f, -1.98415935f, 2.89548922f, 0.408441186f},
            {1.05499732f, -2.02101541f, 2.91650152f, 0.271897972f}}),
        new Case("RMSprop lr 0.01", ps -> new RMSprop(ps, 0.01), new float[][] {
            {0.900000095f, -1.9000001f, 2.9000001f, 0.400000036f},
            {0.998076975f, -1.97823977f, 2.8834796f, 0.424368531f},
            {0.961396754f, -2.03148723f, 2.95405626f, 0.341695666f}}),
        new Case("RMSprop centered momentum weight decay",
            ps -> new RMSprop(ps, 0.01, 0.9, 1e-6, 0.1, 0.5, true), new float[][] {
            {0.966667235f, -1.96666694f, 2.96666694f, 0.466666907f},
            {0.978981435f, -1.95454967f, 2.93186903f, 0.454058379f},
            {0.966894388f, -1.94889784f, 2.91484118f, 0.418615848f}}),
        new Case("Adam lr 0.1", ps -> new Adam(ps, 0.1), new float[][] {
            {0.899999976f, -1.89999998f, 2.9000001f, 0.400000006f},
            {0.95983541f, -1.91627324f, 2.82166743f, 0.353053182f},
            {0.979554892f, -1.96080184f, 2.82346272f, 0.279848754f}}),
        new Case("Adam betas (0.8, 0.99) eps 1e-6 weight decay 0.1", ps -> new Adam(ps, 0.1, 0.8, 0.99, 1e-6, 0.1),
            new float[][] {
            {0.900000453f, -1.90000021f, 2.9000001f, 0.400000215f},
            {0.942991138f, -1.84937477f, 2.80646038f, 0.347955227f},
            {0.93067044f, -1.81537092f, 2.74070525f, 0.26851806f}}),
        new Case("AdamW betas (0.8, 0.99) eps 1e-6 weight decay 0.1",
            ps -> new AdamW(ps, 0.1, 0.8, 0.99, 1e-6, 0.1), new float[][] {
            {0.890000999f, -1.88000047f, 2.87000036f, 0.395000249f},
            {0.945666254f, -1.88327444f, 2.76620698f, 0.349035263f},
            {0.953826725f, -1.91559005f, 2.74984407f, 0.270023823f}}));
  }

  private static Tensor param(float[] values) {
    return Torch.fromArray(values, 2, 2).requiresGrad_();
  }

  private static void step(Optimizer opt, Tensor p, int i) {
    p.setGrad(Torch.fromArray(GRADS[i], 2, 2));
    opt.step();
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double tol = RTOL * Math.abs(expected[i]);
      if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
        fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
      }
    }
  }

  // ------------------------------------------------------------------ update formulas

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void threeStepsMatchTorchElementwise(Case c) {
    Tensor p = param(P0);
    Optimizer opt = c.factory().apply(List.of(p));
    for (int i = 0; i < GRADS.length; i++) {
      step(opt, p, i);
      assertClose(c.expected()[i], p.toFloatArray(), c.name() + " after step " + (i + 1));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void parameterWithoutGradIsLeftAlone(Case c) {
    Tensor p = param(P0);
    Tensor q = param(new float[] {5f, 6f, 7f, 8f});
    Optimizer opt = c.factory().apply(List.of(q, p));
    step(opt, p, 0);
    assertArrayEquals(new float[] {5f, 6f, 7f, 8f}, q.toFloatArray());
    assertClose(c.expected()[0], p.toFloatArray(), c.name());
  }

  @Test
  void zeroGradSetsEveryGradToNull() {
    Tensor p = param(P0);
    Tensor q = param(new float[] {1f, 1f, 1f, 1f});
    SGD opt = new SGD(List.of(p, q), 0.1);
    p.setGrad(Torch.ones(2, 2));
    q.setGrad(Torch.ones(2, 2));
    assertNotNull(p.grad());
    opt.zeroGrad();
    assertNull(p.grad());
    assertNull(q.grad());
  }

  // ------------------------------------------------------------------ state dicts

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void stateDictRoundTripContinuesLikeAnUninterruptedRun(Case c) {
    Tensor p = param(P0);
    Optimizer opt = c.factory().apply(List.of(p));
    step(opt, p, 0);
    step(opt, p, 1);
    Map<String, Tensor> saved = opt.stateDict();

    Tensor resumed = param(p.toFloatArray());
    Optimizer fresh = c.factory().apply(List.of(resumed));
    fresh.loadStateDict(saved);
    step(opt, p, 2);
    step(fresh, resumed, 2);
    assertArrayEquals(p.toFloatArray(), resumed.toFloatArray(), c.name());
    assertClose(c.expected()[2], resumed.toFloatArray(), c.name());
  }

  @Test
  void stateDictHoldsCopiesOfStateAndHyperParameters() {
    Tensor p = param(P0);
    Adam opt = new Adam(List.of(p), 0.1, 0.8, 0.99, 1e-6, 0.1);
    step(opt, p, 0);
    Map<String, Tensor> sd = opt.stateDict();
    assertEquals(List.of("state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq", "param_groups.0.lr",
        "param_groups.0.beta1", "param_groups.0.beta2", "param_groups.0.eps", "param_groups.0.weight_decay"),
        List.copyOf(sd.keySet()));
    assertEquals(1.0, sd.get("state.0.step").item());
    assertEquals(DType.FLOAT64, sd.get("param_groups.0.lr").dtype());
    assertEquals(0.99, sd.get("param_groups.0.beta2").item());
    // exp_avg after one step is (1 - beta1) * (g + weight_decay * p).
    float[] expAvg = {0.04f, -0.08f, 0.12f, 0.09f};
    assertClose(expAvg, sd.get("state.0.exp_avg").toFloatArray(), "exp_avg");
    sd.get("state.0.exp_avg").fill_(100);
    assertClose(expAvg, opt.stateDict().get("state.0.exp_avg").toFloatArray(),
        "the optimizer's own state after editing the returned copy");
  }

  @Test
  void loadStateDictWithAWrongShapeThrowsAndChangesNothing() {
    Tensor p = param(P0);
    Adam opt = new Adam(List.of(p), 0.1);
    step(opt, p, 0);
    Map<String, Tensor> bad = new LinkedHashMap<>();
    bad.put("param_groups.0.lr", Torch.scalar(5.0, DType.FLOAT64));
    bad.put("state.0.step", Torch.scalar(7));
    bad.put("state.0.exp_avg", Torch.zeros(4));
    bad.put("state.0.exp_avg_sq", Torch.zeros(2, 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(bad));
    assertEquals("loadStateDict: state 'state.0.exp_avg' has shape [4] but parameter 0 has shape [2, 2]",
        e.getMessage());
    assertEquals(0.1, opt.getLr());
    // The untouched state continues exactly as torch's uninterrupted Adam.
    step(opt, p, 1);
    step(opt, p, 2);
    assertClose(cases().filter(c -> c.name().equals("Adam lr 0.1")).findFirst().orElseThrow().expected()[2],
        p.toFloatArray(), "Adam after a failed load");
  }

  @Test
  void loadStateDictRejectsUnknownKeysAndParameterIndices() {
    Tensor p = param(P0);
    SGD opt = new SGD(List.of(p), 0.1, 0.9);
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> opt.loadStateDict(Map.of("momentum", Torch.zeros(2, 2))));
    assertEquals("loadStateDict: unexpected optimizer state key 'momentum'", unknown.getMessage());
    IllegalArgumentException index = assertThrows(IllegalArgumentException.class,
        () -> opt.loadStateDict(Map.of("state.3.momentum_buffer", Torch.zeros(2, 2))));
    assertEquals("loadStateDict: state for parameter 3 but the optimizer has 1 parameters", index.getMessage());
  }

  // ------------------------------------------------------------------ schedulers

  @Test
  void stepLrHalvesEveryThreeEpochsLikeTorch() {
    SGD opt = new SGD(List.of(param(P0)), 0.1);
    LRScheduler.StepLR s = new LRScheduler.StepLR(opt, 3, 0.5);
    assertEquals(0.1, opt.getLr());
    // torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5), lr after each step().
    double[] torch = {0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.00625};
    for (int i = 0; i < torch.length; i++) {
      s.step();
      assertEquals(i + 1, s.lastEpoch());
      assertEquals(torch[i], opt.getLr(), 1e-15, "epoch " + (i + 1));
    }
  }

  /**
   * Torch computes the cosine schedule recursively from the previous rate; this library uses the
   * closed form, so the two agree only to rounding (about 1e-16 here), including past T_max where
   * both rise again.
   */
  @Test
  void cosineAnnealingLrMatchesTorchToRounding() {
    SGD opt = new SGD(List.of(param(P0)), 0.1);
    LRScheduler.CosineAnnealingLR s = new LRScheduler.CosineAnnealingLR(opt, 5, 0.01);
    double[] torch = {0.09140576474687263, 0.06890576474687263, 0.04109423525312736, 0.018594235253127367, 0.01,
        0.018594235253127367, 0.04109423525312739, 0.06890576474687267, 0.09140576474687269, 0.10000000000000006,
        0.09140576474687272, 0.06890576474687268};
    for (int i = 0; i < torch.length; i++) {
      s.step();
      assertEquals(torch[i], opt.getLr(), 1e-12, "epoch " + (i + 1));
    }
  }

  @Test
  void schedulersRejectNonPositivePeriods() {
    SGD opt = new SGD(List.of(param(P0)), 0.1);
    assertMessage("StepLR: step_size must be positive, got 0", () -> new LRScheduler.StepLR(opt, 0, 0.5));
    assertMessage("CosineAnnealingLR: T_max must be positive, got -1",
        () -> new LRScheduler.CosineAnnealingLR(opt, -1, 0));
  }

  // ------------------------------------------------------------------ argument checks

  private static void assertMessage(String expected, Executable ctor) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ctor);
    assertEquals(expected, e.getMessage());
  }

  @Test
  void invalidHyperParametersThrowAsTorchDoes() {
    List<Tensor> ps = List.of(param(P0));
    assertMessage("SGD: Invalid learning rate: -0.1", () -> new SGD(ps, -0.1));
    assertMessage("SGD: Invalid momentum value: -0.5", () -> new SGD(ps, 0.1, -0.5));
    assertMessage("SGD: Invalid weight_decay value: -1.0", () -> new SGD(ps, 0.1, 0, 0, -1, false));
    assertMessage("SGD: Nesterov momentum requires a momentum and zero dampening",
        () -> new SGD(ps, 0.1, 0, 0, 0, true));
    assertMessage("SGD: Nesterov momentum requires a momentum and zero dampening",
        () -> new SGD(ps, 0.1, 0.9, 0.1, 0, true));
    assertMessage("RMSprop: Invalid learning rate: -1.0", () -> new RMSprop(ps, -1));
    assertMessage("RMSprop: Invalid alpha value: -0.1", () -> new RMSprop(ps, 0.1, -0.1, 1e-8, 0, 0, false));
    assertMessage("RMSprop: Invalid epsilon value: -1.0", () -> new RMSprop(ps, 0.1, 0.99, -1, 0, 0, false));
    assertMessage("RMSprop: Invalid momentum value: -1.0", () -> new RMSprop(ps, 0.1, 0.99, 1e-8, 0, -1, false));
    assertMessage("RMSprop: Invalid weight_decay value: -1.0",
        () -> new RMSprop(ps, 0.1, 0.99, 1e-8, -1, 0, false));
    assertMessage("Adam: Invalid beta parameter at index 0: 1.0", () -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0));
    assertMessage("Adam: Invalid beta parameter at index 1: -0.1", () -> new Adam(ps, 0.1, 0.9, -0.1, 1e-8, 0));
    assertMessage("Adam: Invalid epsilon value: -1.0", () -> new Adam(ps, 0.1, 0.9, 0.999, -1, 0));
    assertMessage("Adam: Invalid weight_decay value: -1.0", () -> new Adam(ps, 0.1, 0.9, 0.999, 1e-8, -1));
    assertMessage("AdamW: Invalid weight_decay value: -1.0", () -> new AdamW(ps, 0.1, 0.9, 0.999, 1e-8, -1));
    assertMessage("AdamW: Invalid learning rate: -0.1", () -> new AdamW(ps, -0.1));
  }

  @Test
  void parametersMustBeLeavesThatRequireGrad() {
    assertMessage("SGD: optimizer got an empty parameter list", () -> new SGD(List.of(), 0.1));
    assertMessage("Adam: parameter 1 must be a leaf tensor that requires grad",
        () -> new Adam(List.of(param(P0), Torch.zeros(2)), 0.1));
    Tensor nonLeaf = param(P0).mul(2.0);
    assertMessage("SGD: parameter 0 must be a leaf tensor that requires grad", () -> new SGD(List.of(nonLeaf), 0.1));
  }
}
