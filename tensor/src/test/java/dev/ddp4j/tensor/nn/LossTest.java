package dev.ddp4j.tensor.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Loss values and input gradients against PyTorch 1.13 for fixed small inputs, and the errors for
 * bad targets. The expected values come from {@code src/test/resources/reference/loss_reference.py}.
 */
class LossTest {
  private static final double RTOL = 1e-6;
  private static final double ATOL = 1e-7;

  /** Runs {@code loss} on a fresh leaf copy of {@code input}, back-propagates {@code upstream} (ones if null). */
  private static Tensor[] valueAndGrad(BiFunction<Tensor, Tensor, Tensor> loss, Tensor input, Tensor target,
      Tensor upstream) {
    Tensor x = input.detach().clone().requiresGrad_();
    Tensor out = loss.apply(x, target);
    out.backward(upstream != null ? upstream : Torch.onesLike(out));
    return new Tensor[] {out, x.grad()};
  }

  private static void assertClose(float[] expected, Tensor actual, String what) {
    float[] a = actual.toFloatArray();
    assertEquals(expected.length, a.length, what + ": numel");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - a[i]) <= ATOL + RTOL * Math.abs(expected[i]))) {
        fail(what + ": element " + i + " expected " + expected[i] + " but was " + a[i]);
      }
    }
  }

  private static void check(Loss loss, Tensor input, Tensor target, Tensor upstream, float[] value, float[] grad) {
    Tensor[] r = valueAndGrad(loss::forward, input, target, upstream);
    assertClose(value, r[0], loss + " value");
    assertClose(grad, r[1], loss + " input gradient");
  }

  private static Tensor vec(float... v) {
    return Torch.tensor(v);
  }

  private static Tensor classes(long... v) {
    return Torch.fromArray(v, v.length);
  }

  // ------------------------------------------------------------------ MSE

  private static final Tensor MSE_X = Torch.tensor(new float[][] {{0.5f, -1.0f, 2.0f}, {0.0f, 1.5f, -0.5f}});
  private static final Tensor MSE_T = Torch.tensor(new float[][] {{1.0f, 0.0f, 2.0f}, {-1.0f, 1.0f, 0.5f}});

  @Test
  void mseMeanSumAndNoneMatchTorch() {
    check(new MSELoss(), MSE_X, MSE_T, null, new float[] {0.583333313f},
        new float[] {-0.166666672f, -0.333333343f, 0f, 0.333333343f, 0.166666672f, -0.333333343f});
    check(new MSELoss(F.Reduction.SUM), MSE_X, MSE_T, null, new float[] {3.5f},
        new float[] {-1f, -2f, 0f, 2f, 1f, -2f});
    Tensor upstream = Torch.tensor(new float[][] {{1f, -1f, 0.5f}, {2f, 0f, -3f}});
    check(new MSELoss(F.Reduction.NONE), MSE_X, MSE_T, upstream, new float[] {0.25f, 1f, 0f, 1f, 0.25f, 1f},
        new float[] {-1f, 2f, 0f, 4f, 0f, 6f});
    assertArrayEquals(new int[] {2, 3}, new MSELoss(F.Reduction.NONE).forward(MSE_X, MSE_T).shape());
    assertEquals(0, new MSELoss().forward(MSE_X, MSE_T).dim());
  }

  @Test
  void mseRejectsATargetOfAnotherShape() {
    assertMessage(IllegalArgumentException.class,
        "mseLoss: Using a target size ([3, 2]) that is different to the input size ([2, 3])",
        () -> new MSELoss().forward(MSE_X, MSE_T.t()));
  }

  // ------------------------------------------------------------------ BCE

  private static final Tensor BCE_X = vec(0.2f, 0.9f, 0.0f, 1.0f, 0.5f, 0.7f, 0.0f, 1.0f);
  private static final Tensor BCE_T = vec(0.0f, 1.0f, 1.0f, 0.0f, 1.0f, 0.3f, 0.0f, 1.0f);

  /**
   * Inputs of exactly 0 and 1 give a loss of 100 where the log is clamped and gradients of
   * (x - t) / max(x(1 - x), 1e-12): finite, as PyTorch's BCE backward, never NaN.
   */
  @Test
  void bceClampsLogAtMinus100AndMatchesTorchGradientsAtZeroAndOne() {
    float[] gradSum = {1.24999988f, -1.11111116f, -9.99999996e+11f, 9.99999996e+11f, -2f, 1.90476167f, 0f, 0f};
    check(new BCELoss(F.Reduction.NONE), BCE_X, BCE_T, null,
        new float[] {0.223143533f, 0.105360545f, 100f, 100f, 0.693147182f, 0.949783444f, 0f, 0f}, gradSum);
    check(new BCELoss(F.Reduction.SUM), BCE_X, BCE_T, null, new float[] {201.971436f}, gradSum);
    try (var noGrad = Torch.noGrad()) {
      assertClose(new float[] {201.971436f}, new BCELoss(F.Reduction.SUM).forward(BCE_X, BCE_T), "BCE without grad");
    }
    check(new BCELoss(), BCE_X, BCE_T, null, new float[] {25.2464294f},
        new float[] {0.156249985f, -0.138888896f, -1.24999999e+11f, 1.24999999e+11f, -0.25f, 0.238095209f, 0f, 0f});
  }

  @Test
  void bceTargetGradientsMatchTorch() {
    // torch: F.binary_cross_entropy(x, t, reduction="sum") with t.requires_grad: t.grad = -logit(x).
    Tensor t = vec(0f, 1f, 0.3f).requiresGrad_();
    new BCELoss(F.Reduction.SUM).forward(vec(0.2f, 0.9f, 0.5f), t).backward();
    assertClose(new float[] {1.38629436f, -2.19722438f, 0f}, t.grad(), "BCE target gradient");
    // torch: F.binary_cross_entropy_with_logits(x, t, reduction="sum"): t.grad = -x.
    Tensor tl = vec(0f, 1f, 0.3f).requiresGrad_();
    new BCEWithLogitsLoss(F.Reduction.SUM).forward(vec(-2f, 0f, 3f), tl).backward();
    assertClose(new float[] {2f, 0f, -3f}, tl.grad(), "BCE-with-logits target gradient");
  }

  @Test
  void bceRejectsATargetOfAnotherShape() {
    assertMessage(IllegalArgumentException.class,
        "bceLoss: Using a target size ([4]) that is different to the input size ([8])",
        () -> new BCELoss().forward(BCE_X, vec(0f, 1f, 0f, 1f)));
  }

  // ------------------------------------------------------------------ BCE with logits

  private static final Tensor BCEL_X = vec(-200f, -1f, 0f, 2f, 150f, 30f);
  private static final Tensor BCEL_T = vec(0f, 1f, 0.5f, 1f, 0f, 1f);

  /** Large |x| stays finite, and the gradient is sigmoid(x) - t everywhere, including x = 0. */
  @Test
  void bceWithLogitsIsFiniteForLargeLogitsAndMatchesTorch() {
    float[] gradSum = {0f, -0.731058598f, 0f, -0.119202971f, 1f, 0f};
    check(new BCEWithLogitsLoss(F.Reduction.NONE), BCEL_X, BCEL_T, null,
        new float[] {0f, 1.31326163f, 0.693147182f, 0.126928046f, 150f, 0f}, gradSum);
    check(new BCEWithLogitsLoss(F.Reduction.SUM), BCEL_X, BCEL_T, null, new float[] {152.133331f}, gradSum);
    check(new BCEWithLogitsLoss(), BCEL_X, BCEL_T, null, new float[] {25.3555546f},
        new float[] {0f, -0.1218431f, 0f, -0.0198671613f, 0.166666672f, 0f});
  }

  // ------------------------------------------------------------------ cross-entropy

  private static final Tensor CE_X = Torch.tensor(new float[][] {
      {1.0f, 2.0f, 0.5f}, {-1.0f, 0.0f, 3.0f}, {0.3f, -0.2f, 0.1f}, {2.0f, 2.0f, -1.0f}});
  private static final Tensor CE_T = classes(1, 2, 0, 0);
  private static final Tensor CE_UP = vec(1.0f, -2.0f, 0.5f, 3.0f);

  @Test
  void crossEntropyMatchesTorch() {
    check(new CrossEntropyLoss(), CE_X, CE_T, null, new float[] {0.533482015f}, new float[] {
        0.0578059703f, -0.0928670764f, 0.0350610949f, 0.00428695558f, 0.011653156f, -0.0159401149f,
        -0.146918327f, 0.0625221878f, 0.0843961239f, -0.128036112f, 0.121963888f, 0.00607222551f});
    check(new CrossEntropyLoss(F.Reduction.SUM, 0), CE_X, CE_T, null, new float[] {2.13392806f}, new float[] {
        0.231223881f, -0.371468306f, 0.14024438f, 0.0171478223f, 0.0466126241f, -0.0637604594f,
        -0.587673306f, 0.250088751f, 0.337584496f, -0.512144446f, 0.487855554f, 0.0242889021f});
    check(new CrossEntropyLoss(F.Reduction.NONE, 0), CE_X, CE_T, CE_UP,
        new float[] {0.46436879f, 0.0658839121f, 0.88593936f, 0.717735887f}, new float[] {
        0.231223881f, -0.371468306f, 0.14024438f, -0.0342956446f, -0.0932252482f, 0.127520919f,
        -0.293836653f, 0.125044376f, 0.168792248f, -1.53643334f, 1.46356666f, 0.072866708f});
  }

  @Test
  void crossEntropyWithLabelSmoothingMatchesTorch() {
    check(new CrossEntropyLoss(F.Reduction.MEAN, 0.1), CE_X, CE_T, null, new float[] {0.643482029f}, new float[] {
        0.0494726375f, -0.0762004107f, 0.0267277621f, -0.00404637819f, 0.00331982225f, 0.000726550817f,
        -0.130251676f, 0.054188855f, 0.076062791f, -0.111369446f, 0.113630556f, -0.00226110825f});
    check(new CrossEntropyLoss(F.Reduction.SUM, 0.1), CE_X, CE_T, null, new float[] {2.57392812f}, new float[] {
        0.19789055f, -0.304801643f, 0.106911048f, -0.0161855128f, 0.013279289f, 0.00290620327f,
        -0.521006703f, 0.21675542f, 0.304251164f, -0.445477784f, 0.454522222f, -0.00904443301f});
    check(new CrossEntropyLoss(F.Reduction.NONE, 0.1), CE_X, CE_T, CE_UP,
        new float[] {0.547702134f, 0.299217284f, 0.909272671f, 0.81773591f}, new float[] {
        0.19789055f, -0.304801643f, 0.106911048f, 0.0323710255f, -0.026558578f, -0.00581240654f,
        -0.260503352f, 0.10837771f, 0.152125582f, -1.33643329f, 1.3635664f, -0.0271333139f});
  }

  @Test
  void crossEntropyRejectsBadTargetsAndSmoothing() {
    assertMessage(IllegalArgumentException.class,
        "crossEntropy: expected target of dtype int64 (class indices), got torch.float32",
        () -> new CrossEntropyLoss().forward(CE_X, vec(1f, 2f, 0f, 0f)));
    assertMessage(IllegalArgumentException.class,
        "crossEntropy: Expected input batch_size (4) to match target batch_size (3)",
        () -> new CrossEntropyLoss().forward(CE_X, classes(1, 2, 0)));
    assertMessage(IllegalArgumentException.class,
        "crossEntropy: Expected input batch_size (4) to match target batch_size (2)",
        () -> new CrossEntropyLoss().forward(CE_X, Torch.fromArray(new long[] {1, 2, 0, 0}, 2, 2)));
    assertMessage(IndexOutOfBoundsException.class, "crossEntropy: Target 3 is out of bounds for 3 classes",
        () -> new CrossEntropyLoss().forward(CE_X, classes(1, 3, 0, 0)));
    assertMessage(IndexOutOfBoundsException.class, "crossEntropy: Target -1 is out of bounds for 3 classes",
        () -> new CrossEntropyLoss().forward(CE_X, classes(1, 2, -1, 0)));
    assertMessage(IllegalArgumentException.class,
        "crossEntropy: label_smoothing must be between 0.0 and 1.0. Got: 1.5",
        () -> new CrossEntropyLoss(F.Reduction.MEAN, 1.5).forward(CE_X, CE_T));
    assertMessage(IllegalArgumentException.class,
        "crossEntropy: expected input of shape [N, C] or [C], got [1, 4, 3]",
        () -> new CrossEntropyLoss().forward(CE_X.unsqueeze(0), CE_T));
  }

  // ------------------------------------------------------------------ NLL

  private static final Tensor NLL_X = Torch.tensor(new float[][] {
      {-0.5f, -1.5f, -2.0f}, {-3.0f, -0.1f, -2.5f}, {-1.0f, -1.0f, -1.2f}});
  private static final Tensor NLL_T = classes(2, 1, 0);

  @Test
  void nllMatchesTorch() {
    check(new NLLLoss(), NLL_X, NLL_T, null, new float[] {1.0333333f},
        new float[] {0f, 0f, -0.333333343f, 0f, -0.333333343f, 0f, -0.333333343f, 0f, 0f});
    check(new NLLLoss(F.Reduction.SUM), NLL_X, NLL_T, null, new float[] {3.0999999f},
        new float[] {0f, 0f, -1f, 0f, -1f, 0f, -1f, 0f, 0f});
    check(new NLLLoss(F.Reduction.NONE), NLL_X, NLL_T, vec(2f, -1f, 0.5f), new float[] {2f, 0.100000001f, 1f},
        new float[] {0f, 0f, -2f, 0f, 1f, 0f, -0.5f, 0f, 0f});
  }

  @Test
  void nllOfOneSampleTakesAZeroDimTarget() {
    Tensor target = Torch.scalar(2, DType.INT64);
    check(new NLLLoss(), NLL_X.select(0, 1), target, null, new float[] {2.5f}, new float[] {0f, 0f, -1f});
    assertEquals(0, new NLLLoss(F.Reduction.NONE).forward(NLL_X.select(0, 1), target).dim());
  }

  @Test
  void nllRejectsBadTargets() {
    assertMessage(IllegalArgumentException.class,
        "nllLoss: expected target of dtype int64 (class indices), got torch.float64",
        () -> new NLLLoss().forward(NLL_X, Torch.fromArray(new double[] {2, 1, 0}, 3)));
    assertMessage(IllegalArgumentException.class,
        "nllLoss: Expected input batch_size (3) to match target batch_size (4)",
        () -> new NLLLoss().forward(NLL_X, classes(2, 1, 0, 0)));
    assertMessage(IndexOutOfBoundsException.class, "nllLoss: Target 5 is out of bounds for 3 classes",
        () -> new NLLLoss().forward(NLL_X, classes(2, 5, 0)));
  }

  @Test
  void lossesNeedATarget() {
    assertMessage(UnsupportedOperationException.class, "MSELoss needs a target: call forward(input, target)",
        () -> new MSELoss().forward(MSE_X));
  }

  private static void assertMessage(Class<? extends RuntimeException> type, String expected, Executable call) {
    RuntimeException e = assertThrows(type, call);
    assertEquals(expected, e.getMessage());
  }
}
