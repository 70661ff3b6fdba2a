package dev.ddp4j.tensor.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.models.Models;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Module structure (names, state dicts, modes), initialisation, and layer forward/backward values
 * against PyTorch 1.13. The expected values come from
 * {@code src/test/resources/reference/module_reference.py}.
 */
class ModuleTest {
  private static final double RTOL = 1e-6;
  private static final double ATOL = 1e-6;

  private static void assertClose(float[] expected, Tensor actual, String what) {
    float[] a = actual.toFloatArray();
    assertEquals(expected.length, a.length, what + ": numel");
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - a[i]) <= ATOL + RTOL * Math.abs(expected[i]))) {
        fail(what + ": element " + i + " expected " + expected[i] + " but was " + a[i]);
      }
    }
  }

  private static Tensor t(float[] values, int... shape) {
    return Torch.fromArray(values, shape);
  }

  /** "name [d0, d1]" for every parameter, in order. */
  private static List<String> namesAndShapes(Module m) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) {
      out.add(e.getKey() + " " + java.util.Arrays.toString(e.getValue().shape()));
    }
    return out;
  }

  // ------------------------------------------------------------------ names

  @Test
  void mlpParameterNamesAndShapesEqualTorchs() {
    assertEquals(List.of("1.weight [512, 784]", "1.bias [512]", "3.weight [512, 512]", "3.bias [512]",
        "5.weight [10, 512]", "5.bias [10]"), namesAndShapes(Models.mlp()));
  }

  @Test
  void leNetParameterNamesAndShapesEqualTorchs() {
    assertEquals(List.of("0.weight [6, 1, 5, 5]", "0.bias [6]", "3.weight [16, 6, 5, 5]", "3.bias [16]",
        "7.weight [120, 400]", "7.bias [120]", "9.weight [84, 120]", "9.bias [84]", "11.weight [10, 84]",
        "11.bias [10]"), namesAndShapes(Models.leNet()));
  }

  @Test
  void parametersRequireGradAndStateDictAddsBuffersAfterEachModulesParameters() {
    Sequential m = new Sequential(new Linear(3, 2), new BatchNorm1d(2), new Sequential(new ReLU(), new Linear(2, 1)));
    for (Tensor p : m.parameters()) {
      assertTrue(p.requiresGrad() && p.isLeaf());
    }
    Map<String, Tensor> sd = m.stateDict();
    assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
        "1.num_batches_tracked", "2.1.weight", "2.1.bias"), List.copyOf(sd.keySet()));
    assertEquals(List.of("1.running_mean", "1.running_var", "1.num_batches_tracked"),
        List.copyOf(m.namedBuffers().keySet()));
    assertEquals(DType.INT64, sd.get("1.num_batches_tracked").dtype());
    assertEquals(0, sd.get("1.num_batches_tracked").dim());
    assertFalse(sd.get("0.weight").requiresGrad());
    // State-dict entries share storage with the parameters, as torch's detached state_dict tensors.
    sd.get("0.bias").fill_(7);
    assertArrayEquals(new float[] {7f, 7f}, ((Linear) m.get(0)).bias.toFloatArray());
  }

  // ------------------------------------------------------------------ initialisation

  private static void assertUniformWithin(Tensor w, double bound, String what) {
    float[] v = w.toFloatArray();
    double max = 0;
    double sum = 0;
    for (float x : v) {
      if (Math.abs(x) > bound * (1 + 1e-6)) {
        fail(what + ": " + x + " is outside ±" + bound);
      }
      max = Math.max(max, Math.abs(x));
      sum += x;
    }
    // A uniform draw over the whole range, not a constant or a narrower range.
    double expectedGap = 2 * bound / (v.length + 1);
    assertTrue(max > bound - 10 * expectedGap, what + ": max |w| " + max + " is far below the bound " + bound);
    assertTrue(Math.abs(sum / v.length) < 4 * bound / Math.sqrt(3 * v.length), what + ": mean " + sum / v.length);
  }

  @Test
  void linearAndConvInitIsUniformWithinOneOverSqrtFanIn() {
    Torch.manualSeed(11);
    Sequential lenet = Models.leNet();
    Map<String, Tensor> p = lenet.namedParameters();
    int[][] fanIns = {{0, 25}, {3, 150}, {7, 400}, {9, 120}, {11, 84}};
    for (int[] f : fanIns) {
      double bound = 1 / Math.sqrt(f[1]);
      assertUniformWithin(p.get(f[0] + ".weight"), bound, f[0] + ".weight");
      assertUniformWithin(p.get(f[0] + ".bias"), bound, f[0] + ".bias");
    }
    Linear big = new Linear(784, 512);
    assertUniformWithin(big.weight, 1 / 28.0, "Linear(784, 512).weight");
  }

  @Test
  void manualSeedMakesInitReproducible() {
    Torch.manualSeed(123);
    Map<String, Tensor> a = Models.leNet().stateDict();
    Torch.manualSeed(123);
    Map<String, Tensor> b = Models.leNet().stateDict();
    Torch.manualSeed(124);
    Map<String, Tensor> c = Models.leNet().stateDict();
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
    }
    assertFalse(java.util.Arrays.equals(a.get("0.weight").toFloatArray(), c.get("0.weight").toFloatArray()));
  }

  // ------------------------------------------------------------------ state dicts

  private static Sequential smallNet() {
    return new Sequential(new Linear(3, 2), new ReLU(), new Linear(2, 1));
  }

  private static Map<String, Tensor> valuesOf(Module m) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    m.stateDict().forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }

  private static void assertUnchanged(Map<String, Tensor> before, Module m) {
    Map<String, Tensor> now = m.stateDict();
    for (String k : before.keySet()) {
      assertArrayEquals(before.get(k).toFloatArray(), now.get(k).toFloatArray(), k);
    }
  }

  @Test
  void loadStateDictCopiesValuesIntoTheSameTensors() {
    Sequential src = smallNet();
    Sequential dst = smallNet();
    Tensor weightBefore = ((Linear) dst.get(0)).weight;
    dst.loadStateDict(src.stateDict(), true);
    assertSame(weightBefore, dst.namedParameters().get("0.weight"));
    assertTrue(weightBefore.requiresGrad());
    for (Map.Entry<String, Tensor> e : src.stateDict().entrySet()) {
      assertArrayEquals(e.getValue().toFloatArray(), dst.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
    }
  }

  @Test
  void strictLoadListsMissingAndUnexpectedKeysAndChangesNothing() {
    Sequential m = smallNet();
    Map<String, Tensor> before = valuesOf(m);
    Map<String, Tensor> state = new LinkedHashMap<>(valuesOf(smallNet()));
    state.remove("0.bias");
    state.remove("2.weight");
    state.put("2.extra", Torch.zeros(1));
    state.put("1.weight", Torch.zeros(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
    assertEquals("Error(s) in loading state_dict for Sequential: Missing key(s) in state_dict: [0.bias, 2.weight]; "
        + "Unexpected key(s) in state_dict: [1.weight, 2.extra]", e.getMessage());
    assertUnchanged(before, m);
  }

  @Test
  void sizeMismatchIsListedInStrictAndNonStrictLoadsAndChangesNothing() {
    Sequential m = smallNet();
    Map<String, Tensor> before = valuesOf(m);
    Map<String, Tensor> state = new LinkedHashMap<>(valuesOf(smallNet()));
    state.put("0.weight", Torch.zeros(3, 2));
    state.put("2.bias", Torch.zeros(2));
    String expected = "Error(s) in loading state_dict for Sequential: size mismatch for 0.weight: copying a param "
        + "with shape [3, 2] from checkpoint, the shape in current model is [2, 3]; size mismatch for 2.bias: "
        + "copying a param with shape [2] from checkpoint, the shape in current model is [1]";
    for (boolean strict : new boolean[] {true, false}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, strict));
      assertEquals(expected, e.getMessage());
      assertUnchanged(before, m);
    }
  }

  @Test
  void nonStrictLoadSkipsMissingAndUnexpectedKeys() {
    Sequential m = smallNet();
    Map<String, Tensor> before = valuesOf(m);
    Map<String, Tensor> state = new LinkedHashMap<>();
    state.put("2.bias", Torch.full(0.5, 1));
    state.put("9.weight", Torch.zeros(4));
    m.loadStateDict(state, false);
    assertArrayEquals(new float[] {0.5f}, m.stateDict().get("2.bias").toFloatArray());
    before.remove("2.bias");
    assertUnchanged(before, m);
  }

  // ------------------------------------------------------------------ modes

  @Test
  void trainAndEvalPropagateToEveryDescendant() {
    Dropout dropout = new Dropout(0.5);
    BatchNorm1d bn = new BatchNorm1d(4);
    Sequential inner = new Sequential(bn, new ReLU());
    Sequential m = new Sequential(new Linear(4, 4), dropout, inner);
    assertTrue(m.isTraining() && inner.isTraining() && bn.isTraining() && dropout.isTraining());
    assertSame(m, m.eval());
    assertFalse(m.isTraining() || inner.isTraining() || bn.isTraining() || dropout.isTraining());
    m.train();
    assertTrue(m.isTraining() && inner.isTraining() && bn.isTraining() && dropout.isTraining());
    inner.train(false);
    assertTrue(m.isTraining() && dropout.isTraining());
    assertFalse(bn.isTraining());
  }

  @Test
  void moduleZeroGradClearsEveryParametersGrad() {
    Sequential m = smallNet();
    m.forward(Torch.ones(2, 3)).sum().backward();
    assertTrue(m.parameters().stream().allMatch(p -> p.grad() != null));
    m.zeroGrad();
    for (Tensor p : m.parameters()) {
      assertNull(p.grad());
    }
  }

  // ------------------------------------------------------------------ dropout

  @Test
  void dropoutInEvalIsTheIdentity() {
    Dropout d = new Dropout(0.4);
    d.eval();
    Tensor x = Torch.randn(3, 5);
    assertArrayEquals(x.toFloatArray(), d.forward(x).toFloatArray());
  }

  @Test
  void dropoutInTrainingZeroesAboutPAndScalesTheRestByOneOverOneMinusP() {
    Torch.manualSeed(5);
    int n = 200_000;
    double p = 0.3;
    Tensor x = Torch.ones(n).requiresGrad_();
    Tensor y = new Dropout(p).forward(x);
    float scale = 1f / 0.7f;
    float[] v = y.toFloatArray();
    int zeros = 0;
    for (float f : v) {
      if (f == 0) {
        zeros++;
      } else if (Math.abs(f - scale) > 1e-6) {
        fail("kept element " + f + " is not scaled by 1/(1-p) = " + scale);
      }
    }
    // The zero count is Binomial(n, 0.3): its standard deviation is about 205, so ±2000 is ten of them.
    assertTrue(Math.abs(zeros - p * n) < 2000, "zeros: " + zeros);
    y.sum().backward();
    assertArrayEquals(v, x.grad().toFloatArray(), "the gradient is the same mask and scale");
    assertArrayEquals(new float[] {0f, 0f, 0f}, new Dropout(1).forward(Torch.ones(3)).toFloatArray());
  }

  @Test
  void dropoutRejectsProbabilitiesOutsideZeroOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
    assertEquals("Dropout: dropout probability has to be between 0 and 1, but got 1.5", e.getMessage());
  }

  // ------------------------------------------------------------------ batch norm

  @Test
  void batchNorm1dTrainingStepRunningStatsAndEvalMatchTorch() {
    BatchNorm1d bn = new BatchNorm1d(3);
    Map<String, Tensor> affine = new LinkedHashMap<>();
    affine.put("weight", Torch.tensor(1.5f, 0.5f, -1.0f));
    affine.put("bias", Torch.tensor(0.1f, 0.2f, 0.3f));
    bn.loadStateDict(affine, false);
    Tensor x = t(new float[] {1.0f, 2.0f, -1.0f, 0.5f, -1.0f, 3.0f, 2.0f, 0.0f, 1.0f, -1.5f, 4.0f, 0.0f}, 4, 3)
        .requiresGrad_();
    Tensor out = bn.forward(x);
    out.backward(t(new float[] {1.0f, 0.5f, -1.0f, 2.0f, -0.5f, 0.0f, 0.0f, 1.0f, 1.0f, -1.0f, 2.0f, 0.5f}, 4, 3));
    assertClose(new float[] {0.688346624f, 0.395283103f, 1.48321319f, 0.099999994f, -0.385849297f, -1.22127414f,
        1.86503983f, -0.12547183f, 0.130969524f, -2.2533865f, 0.916038036f, 0.807091355f}, out, "train out");
    assertClose(new float[] {0.362060845f, -0.141221479f, 0.540898502f, 1.7650398f, -0.09709052f, 0.367036253f,
        -1.26720393f, 0.191972867f, -0.560215354f, -0.859896719f, 0.046339117f, -0.347719371f}, x.grad(), "x.grad");
    assertClose(new float[] {1.96115541f, 2.9943409f, 1.09869802f}, bn.weight.grad(), "weight.grad");
    assertClose(new float[] {2f, 3f, 0.5f}, bn.bias.grad(), "bias.grad");
    // momentum 0.1; the running variance takes the unbiased batch variance.
    assertClose(new float[] {0.0500000007f, 0.125f, 0.075000003f}, bn.runningMean, "running_mean");
    assertClose(new float[] {1.11666667f, 1.39166665f, 1.1916666f}, bn.runningVar, "running_var");
    assertEquals(1, bn.numBatchesTracked.item());
    bn.eval();
    assertClose(new float[] {0.029026283f, 0.570859075f, -1.46340275f, 4.28744936f, -0.700657725f, -0.0893226862f},
        bn.forward(t(new float[] {0.0f, 1.0f, 2.0f, 3.0f, -2.0f, 0.5f}, 2, 3)), "eval out");
    assertEquals(1, bn.numBatchesTracked.item(), "eval does not count batches");
  }

  @Test
  void batchNorm2dTrainingStepRunningStatsAndEvalMatchTorch() {
    BatchNorm2d bn = new BatchNorm2d(2);
    Tensor x = t(new float[] {0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.5f, 3.0f, 1.0f, -2.0f, 0.25f, 0.75f, 1.25f,
        -1.5f, 2.5f, 0.1f, 0.3f, -0.7f, 1.9f, 0.6f, -0.8f, 2.2f, -1.3f, 0.45f, 0.05f}, 2, 2, 2, 3).requiresGrad_();
    Tensor out = bn.forward(x);
    out.mul(Torch.arange(24).to(DType.FLOAT32).view(2, 2, 2, 3).div(10)).sum().backward();
    assertClose(new float[] {0.0607620776f, -1.15447974f, 1.27600384f, 0.870923281f, -0.344318509f, -0.749399066f,
        1.9042902f, 0.408284813f, -1.83572328f, -0.152717218f, 0.221284136f, 0.595285475f, -1.5595603f,
        1.68108439f, -0.263302386f, -0.101270147f, -0.911431313f, 1.19498765f, 0.109083749f, -0.938120067f,
        1.30588806f, -1.31212139f, -0.0031166852f, -0.302317768f}, out, "train out");
    assertClose(new float[] {-0.689683855f, -0.587729692f, -0.548589647f, -0.460594177f, -0.358640075f,
        -0.270644635f, -0.43003422f, -0.516884863f, -0.684560835f, -0.427903354f, -0.312690407f, -0.1974774f,
        0.310426891f, 0.335608393f, 0.450125188f, 0.528349638f, 0.623324454f, 0.668048024f, 0.273588002f,
        0.235232607f, 0.552509189f, 0.344420552f, 0.56066525f, 0.603135288f}, x.grad(), "x.grad");
    assertClose(new float[] {0.255200893f, -1.73349631f}, bn.weight.grad(), "weight.grad");
    assertClose(new float[] {10.1999998f, 17.3999996f}, bn.bias.grad(), "bias.grad");
    assertClose(new float[] {0.0425000004f, 0.0454166681f}, bn.runningMean, "running_mean");
    assertClose(new float[] {1.06620455f, 1.09497535f}, bn.runningVar, "running_var");
    bn.eval();
    Tensor evalIn = t(new float[] {1.0f, 0.0f, -1.0f, 2.0f, 0.5f, 3.0f, -2.0f, 0.25f, 1.5f, 4.0f, -0.5f, 0.0f},
        1, 2, 2, 3);
    assertClose(new float[] {0.92729193f, -0.0411591716f, -1.0096103f, 1.89574301f, 0.443066359f, 2.86419415f,
        -1.95468879f, 0.195508704f, 1.39006293f, 3.77917123f, -0.521223783f, -0.0434021354f}, bn.forward(evalIn),
        "eval out");
  }

  @Test
  void batchNormRejectsWrongRanksAndSingleValueBatches() {
    IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
        () -> new BatchNorm2d(3).forward(Torch.zeros(4, 3)));
    assertEquals("BatchNorm2d: expected 1 possible input ranks [4], got input of shape [4, 3]", rank.getMessage());
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> new BatchNorm1d(3).forward(Torch.zeros(1, 3)));
    assertEquals("BatchNorm1d: expected more than 1 value per channel when training, got input size [1, 3]",
        one.getMessage());
  }

  // ------------------------------------------------------------------ linear, conv, pooling

  @Test
  void linearForwardAndBackwardMatchTorch() {
    Linear lin = new Linear(3, 2);
    lin.loadStateDict(Map.of("weight", t(new float[] {0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f}, 2, 3),
        "bias", Torch.tensor(0.01f, -0.02f)), true);
    Tensor x = t(new float[] {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 2.0f}, 2, 3).requiresGrad_();
    Tensor out = lin.forward(x);
    out.backward(t(new float[] {1.0f, -1.0f, 0.5f, 2.0f}, 2, 2));
    assertClose(new float[] {0.610000014f, -0.420000106f, 0.410000026f, -1.37f}, out, "out");
    assertClose(new float[] {-0.300000012f, -0.699999988f, 0.900000036f, 0.850000024f, 0.899999976f, -1.05000007f},
        x.grad(), "x.grad");
    assertClose(new float[] {0.5f, 2.25f, 4f, -3f, -1f, 1f}, lin.weight.grad(), "weight.grad");
    assertClose(new float[] {1.5f, 1f}, lin.bias.grad(), "bias.grad");
  }

  @Test
  void conv2dStride2Padding1ThenMaxAndAvgPoolMatchTorch() {
    Conv2d conv = new Conv2d(1, 2, 3, 2, 1);
    conv.loadStateDict(Map.of(
        "weight", t(new float[] {0.2f, -0.1f, 0.4f, 0.3f, 0.5f, -0.6f, -0.2f, 0.1f, 0.7f,
            -0.3f, 0.8f, 0.05f, 0.6f, -0.4f, 0.25f, 0.1f, -0.5f, 0.3f}, 2, 1, 3, 3),
        "bias", Torch.tensor(0.1f, -0.2f)), true);
    Tensor x = t(new float[] {0.3f, -1.2f, 0.8f, 2.1f, -0.3f, 1.5f, 0.0f, -0.7f, 0.9f, 1.1f, -2.0f, 0.6f, 1.3f, -0.2f,
        0.4f, 0.7f, -1.1f, 0.25f, 1.8f, -0.9f, 1.0f, 0.45f, -0.35f, -1.6f, 0.15f}, 1, 1, 5, 5).requiresGrad_();
    Tensor y = conv.forward(x);
    Tensor mp = new MaxPool2d(2, 1, 0, 1, false).forward(y);
    Tensor ap = new AvgPool2d(2, 1, 0, false, true).forward(y);
    assertArrayEquals(new int[] {1, 2, 3, 3}, y.shape());
    assertArrayEquals(new int[] {1, 2, 2, 2}, mp.shape());
    assertArrayEquals(new int[] {1, 2, 2, 2}, ap.shape());
    Tensor upMp = t(new float[] {1.0f, -2.0f, 0.5f, 3.0f, -1.0f, 2.0f, 0.25f, 1.5f}, 1, 2, 2, 2);
    Tensor upAp = t(new float[] {0.75f, -0.5f, 1.25f, 2.0f, -1.5f, 0.5f, 1.0f, -0.25f}, 1, 2, 2, 2);
    mp.mul(upMp).sum().add(ap.mul(upAp).sum()).backward();
    assertClose(new float[] {1.12000012f, -0.560000062f, 0.50999999f, -2.11000013f, 2.9849999f, -0.140000015f,
        -0.180000007f, 1.495f, 0.144999966f, -1.37000012f, -0.0950001106f, 0.720000029f, 1.26999998f,
        -0.619999945f, 0.75999999f, 0.0174999833f, 0.430000007f, -2.48000002f}, y, "conv");
    assertClose(new float[] {2.9849999f, 2.9849999f, 2.9849999f, 2.9849999f, 1.26999998f, 0.75999999f, 1.26999998f,
        0.75999999f}, mp, "maxpool");
    assertClose(new float[] {0.358749956f, 0.698749959f, 0.547499955f, 1.12124991f, -0.203750059f, 0.191249996f,
        0.274375021f, -0.477499992f}, ap, "avgpool");
    assertClose(new float[] {0.243750006f, -0.337500036f, 0.131249994f, -0.0625f, -0.112499997f, -0.543749988f,
        0.831250012f, -0.256250024f, 0.35937503f, 2.73749995f, 0.600000024f, 0.456250012f, 1.71249998f,
        0.209374905f, -1.23750007f, 0.65625f, -0.350000054f, 0.4375f, 3.078125f, -1.84375f, 0.0562499985f,
        0.231250018f, 0.331250012f, -0.328125f, 0.275000006f}, x.grad(), "x.grad");
    assertClose(new float[] {0.34374994f, -1.22812486f, 4.15625f, 1.17812514f, 3.78437495f, -1.62812507f,
        -3.1500001f, 0.956250072f, 5.58124971f, 2.88750005f, 2.92812514f, 0.00624997914f, -0.00312503427f,
        2.91875005f, -0.774999976f, 6.59375f, -4.0843749f, 0.625f}, conv.weight.grad(), "weight.grad");
    assertClose(new float[] {6f, 2.5f}, conv.bias.grad(), "bias.grad");
  }

  @Test
  void leNetOnAZeroBatchGivesTenLogitsPerSample() {
    Torch.manualSeed(3);
    Sequential lenet = Models.leNet();
    Tensor out = lenet.forward(Torch.zeros(3, 1, 28, 28));
    assertArrayEquals(new int[] {3, 10}, out.shape());
    float[] v = out.toFloatArray();
    for (int i = 0; i < 10; i++) {
      assertTrue(Float.isFinite(v[i]));
      assertEquals(v[i], v[10 + i]);
      assertEquals(v[i], v[20 + i]);
    }
    assertArrayEquals(new int[] {2, 10}, Models.mlp().forward(Torch.zeros(2, 1, 28, 28)).shape());
  }
}
