package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.autograd.Node;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact-value tests of the autograd engine: accumulation, retained graphs, hooks, grad mode, errors. */
class AutogradTest {

  private static Tensor vec(double... values) {
    return Torch.fromArray(values, values.length);
  }

  private static Tensor param(double... values) {
    return vec(values).requiresGrad_();
  }

  private static double[] grad(Tensor t) {
    return t.grad().toDoubleArray();
  }

  // ------------------------------------------------------------------ gradients

  @Test
  void gradientOfXSquaredPlusThreeXIsTwoXPlusThree() {
    Tensor x = param(1.0, 2.0, -3.0, 0.5);
    Tensor y = x.mul(x).add(x.mul(3.0));
    assertArrayEquals(new double[] {4.0, 10.0, 0.0, 1.75}, y.toDoubleArray());
    y.sum().backward();
    assertArrayEquals(new double[] {5.0, 7.0, -3.0, 4.0}, grad(x));
  }

  @Test
  void gradFnRecordsTheOpAndItsInputs() {
    Tensor x = param(1.0, 2.0);
    Tensor y = x.mul(vec(3.0, 4.0));
    assertEquals("MulBackward0", y.gradFn().name());
    assertFalse(y.isLeaf());
    assertTrue(y.requiresGrad());
    List<Node> next = y.gradFn().nextFunctions();
    assertEquals(2, next.size());
    assertEquals("AccumulateGrad", next.get(0).name());
    assertNull(next.get(1));
  }

  @Test
  void gradientsAccumulateAcrossBackwardCallsInPlace() {
    Tensor x = param(2.0, -1.0);
    x.mul(x).sum().backward();
    Tensor first = x.grad();
    assertArrayEquals(new double[] {4.0, -2.0}, grad(x));
    x.mul(3.0).sum().backward();
    assertArrayEquals(new double[] {7.0, 1.0}, grad(x));
    assertSame(first, x.grad(), "the gradient is accumulated into the existing tensor");
    x.setGrad(null);
    x.mul(3.0).sum().backward();
    assertArrayEquals(new double[] {3.0, 3.0}, grad(x));
  }

  @Test
  void backwardOfANonScalarTakesAGradientShapedLikeTheOutput() {
    Tensor a = param(1.0, 2.0, 3.0);
    Tensor b = param(4.0, 5.0, 6.0);
    Tensor tensorSum = a.add(b);
    tensorSum.backward(Torch.onesLike(tensorSum));
    assertArrayEquals(new double[] {1.0, 1.0, 1.0}, grad(a));
    assertArrayEquals(new double[] {1.0, 1.0, 1.0}, grad(b));

    Tensor c = param(1.0, 2.0, 3.0);
    Tensor d = param(4.0, 5.0, 6.0);
    c.mul(d).backward(vec(1.0, 2.0, -1.0));
    assertArrayEquals(new double[] {4.0, 10.0, -6.0}, grad(c));
    assertArrayEquals(new double[] {1.0, 4.0, -3.0}, grad(d));
  }

  @Test
  void secondBackwardWithoutRetainGraphThrowsAndLeavesTheGradientAlone() {
    Tensor x = param(1.0, 2.0);
    Tensor y = x.mul(x).sum();
    y.backward();
    assertArrayEquals(new double[] {2.0, 4.0}, grad(x));
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().startsWith("MulBackward0: trying to backward through the graph a second time"),
        e.getMessage());
    assertArrayEquals(new double[] {2.0, 4.0}, grad(x));
  }

  @Test
  void retainGraphAllowsAnotherBackwardThatAccumulates() {
    Tensor x = param(1.0, 2.0);
    Tensor y = x.mul(x).sum();
    y.backward(null, true);
    assertArrayEquals(new double[] {2.0, 4.0}, grad(x));
    y.backward(null, true);
    assertArrayEquals(new double[] {4.0, 8.0}, grad(x));
    y.backward();
    assertArrayEquals(new double[] {6.0, 12.0}, grad(x));
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("backward through the graph a second time"), e.getMessage());
  }

  @Test
  void graphIsFreedAfterBackwardSoItsSavedTensorsAreGone() {
    Tensor x = param(0.5, -1.5);
    Tensor h = x.exp();
    Tensor y = h.mul(vec(2.0, 3.0)).sum();
    y.backward();
    // Both saving nodes released their tensors: backward from either of them now fails.
    IllegalStateException fromMul = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(fromMul.getMessage().startsWith("MulBackward0: trying to backward through the graph a second time"),
        fromMul.getMessage());
    IllegalStateException fromExp = assertThrows(IllegalStateException.class,
        () -> h.backward(vec(1.0, 1.0)));
    assertTrue(fromExp.getMessage().startsWith("ExpBackward0: trying to backward through the graph a second time"),
        fromExp.getMessage());
  }

  @Test
  void diamondGraphSumsTheGradientsOfBothPaths() {
    Tensor x = param(1.5, -2.0);
    int[] calls = {0};
    x.registerPostAccumulateGradHook(t -> calls[0]++);
    Tensor a = x.mul(3.0);
    Tensor b = x.mul(x);
    a.add(b).sum().backward();
    assertArrayEquals(new double[] {6.0, -1.0}, grad(x));
    assertEquals(1, calls[0]);
  }

  // ------------------------------------------------------------------ hooks

  @Test
  void postAccumulateGradHookFiresOnceAfterTheFinalGradient() {
    Tensor x = vec(2.0, 3.0);
    Tensor w = param(0.5, -1.0);
    List<double[]> seen = new ArrayList<>();
    w.registerPostAccumulateGradHook(t -> {
      assertSame(w, t);
      seen.add(t.grad().toDoubleArray());
    });
    // Three paths into w: d/dw (x*w*w + w) = 2xw + 1.
    x.mul(w).mul(w).add(w).sum().backward();
    assertEquals(1, seen.size());
    assertArrayEquals(new double[] {3.0, -5.0}, seen.get(0));
    x.mul(w).mul(w).add(w).sum().backward();
    assertEquals(2, seen.size());
    assertArrayEquals(new double[] {6.0, -10.0}, seen.get(1));
  }

  @Test
  void postAccumulateGradHooksFireInReverseOrderOfUse() {
    Tensor x = Torch.fromArray(new double[] {1.0, -2.0}, 1, 2);
    Tensor w1 = Torch.fromArray(new double[] {0.5, -0.25, 1.0, 0.75}, 2, 2).requiresGrad_();
    Tensor w2 = Torch.fromArray(new double[] {1.5, 0.5, -0.5, 2.0}, 2, 2).requiresGrad_();
    Tensor w3 = Torch.fromArray(new double[] {0.25, -1.0}, 2, 1).requiresGrad_();
    List<String> order = new ArrayList<>();
    w1.registerPostAccumulateGradHook(t -> order.add("w1"));
    w2.registerPostAccumulateGradHook(t -> order.add("w2"));
    w3.registerPostAccumulateGradHook(t -> order.add("w3"));
    x.mm(w1).tanh().mm(w2).tanh().mm(w3).sum().backward();
    assertEquals(List.of("w3", "w2", "w1"), order);
  }

  @Test
  void postAccumulateGradHookIsRefusedOnANonLeaf() {
    Tensor h = param(1.0).mul(2.0);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> h.registerPostAccumulateGradHook(t -> { }));
    assertEquals("registerPostAccumulateGradHook: post accumulate grad hooks cannot be registered on non-leaf "
        + "tensors", e.getMessage());
  }

  @Test
  void hookOnALeafSeesAndReplacesItsGradient() {
    Tensor x = param(1.0, 2.0);
    List<double[]> seen = new ArrayList<>();
    Tensor.RemovableHandle handle = x.registerHook(g -> {
      seen.add(g.toDoubleArray());
      return g.mul(10.0);
    });
    x.mul(2.0).sum().backward();
    assertArrayEquals(new double[] {2.0, 2.0}, seen.get(0));
    assertArrayEquals(new double[] {20.0, 20.0}, grad(x));

    handle.remove();
    x.setGrad(null);
    x.mul(2.0).sum().backward();
    assertEquals(1, seen.size());
    assertArrayEquals(new double[] {2.0, 2.0}, grad(x));
  }

  @Test
  void hookReturningNullKeepsTheGradient() {
    Tensor x = param(1.0, 2.0);
    x.registerHook(g -> null);
    x.mul(2.0).sum().backward();
    assertArrayEquals(new double[] {2.0, 2.0}, grad(x));
  }

  @Test
  void hookOnANonLeafReplacesTheGradientFlowingThrough() {
    Tensor x = param(1.0, -2.0);
    Tensor h = x.mul(2.0);
    List<double[]> seen = new ArrayList<>();
    h.registerHook(g -> {
      seen.add(g.toDoubleArray());
      return g.mul(3.0);
    });
    h.mul(h).sum().backward();
    assertEquals(1, seen.size());
    assertArrayEquals(new double[] {4.0, -8.0}, seen.get(0));
    assertArrayEquals(new double[] {24.0, -48.0}, grad(x));
    assertNull(h.grad(), "a hook alone does not retain the gradient of a non-leaf");
  }

  @Test
  void retainGradKeepsTheGradientOfANonLeaf() {
    Tensor x = param(1.0, -2.0);
    Tensor h = x.mul(2.0).retainGrad();
    Tensor other = x.mul(1.0);
    h.mul(h).add(other).sum().backward();
    assertArrayEquals(new double[] {4.0, -8.0}, grad(h));
    assertArrayEquals(new double[] {9.0, -15.0}, grad(x));
    assertNull(other.grad());
  }

  @Test
  void retainGradTwiceKeepsOneCopyOfTheGradient() {
    Tensor x = param(1.0, -2.0);
    Tensor h = x.mul(2.0);
    h.retainGrad();
    h.retainGrad();
    h.sum().backward();
    assertArrayEquals(new double[] {1.0, 1.0}, grad(h));
  }

  // ------------------------------------------------------------------ detach and grad mode

  @Test
  void detachStopsGradientsAndSharesStorage() {
    Tensor x = param(1.5, -2.0);
    Tensor d = x.detach();
    assertFalse(d.requiresGrad());
    assertTrue(d.isLeaf());
    assertSame(x.storage(), d.storage());
    x.mul(d).sum().backward();
    assertArrayEquals(new double[] {1.5, -2.0}, grad(x));
  }

  @Test
  void noGradScopeRecordsNothing() {
    Tensor x = param(1.0, -2.0);
    Tensor y;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      assertFalse(GradMode.isEnabled());
      y = x.mul(2.0).exp().sum();
    }
    assertTrue(GradMode.isEnabled());
    assertFalse(y.requiresGrad());
    assertNull(y.gradFn());
    assertEquals(Math.exp(2.0) + Math.exp(-4.0), y.item(), 0.0);
  }

  @Test
  void noGradScopeRestoresThePreviousModeWhenAnExceptionIsThrown() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
      try (GradMode.Scope ignored = GradMode.noGrad()) {
        assertFalse(GradMode.isEnabled());
        throw new IllegalArgumentException("boom");
      }
    });
    assertEquals("boom", e.getMessage());
    assertTrue(GradMode.isEnabled());
  }

  @Test
  void nestedGradModeScopesRestoreTheModeTheyFound() {
    try (GradMode.Scope outer = Torch.noGrad()) {
      assertFalse(GradMode.isEnabled());
      try (GradMode.Scope inner = GradMode.enableGrad()) {
        assertTrue(GradMode.isEnabled());
        assertTrue(param(1.0).mul(2.0).requiresGrad());
      }
      assertFalse(GradMode.isEnabled());
    }
    assertTrue(GradMode.isEnabled());
  }

  // ------------------------------------------------------------------ in-place ops

  @Test
  void inPlaceOpOnALeafThatRequiresGradThrowsNamingTheOp() {
    Tensor x = param(1.0, 2.0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.add_(vec(1.0, 1.0)));
    assertEquals("add_: a leaf tensor that requires grad is being used in an in-place operation (shape [2]); "
        + "wrap it in GradMode.noGrad() or use the out-of-place op", e.getMessage());
    assertArrayEquals(new double[] {1.0, 2.0}, x.toDoubleArray());
  }

  @Test
  void inPlaceOpOnANonLeafThatRequiresGradThrows() {
    Tensor h = param(1.0, 2.0).mul(2.0);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.mul_(3.0));
    assertEquals("mul_: a tensor that requires grad is being used in an in-place operation (shape [2]); "
        + "wrap it in GradMode.noGrad() or use the out-of-place op", e.getMessage());
  }

  @Test
  void inPlaceOpOnALeafIsAllowedUnderNoGrad() {
    Tensor w = param(1.0, 2.0);
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      w.add_(vec(0.5, 0.25)).mul_(2.0);
    }
    assertArrayEquals(new double[] {3.0, 4.5}, w.toDoubleArray());
    assertTrue(w.requiresGrad());
    assertTrue(w.isLeaf());
    w.mul(w).sum().backward();
    assertArrayEquals(new double[] {6.0, 9.0}, grad(w));
  }

  // ------------------------------------------------------------------ errors

  @Test
  void requiresGradOnAnInt64TensorThrows() {
    Tensor idx = Torch.arange(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, idx::requiresGrad_);
    assertEquals("requiresGrad_: only tensors of floating point dtype can require gradients, got torch.int64",
        e.getMessage());
    assertFalse(idx.requiresGrad());
  }

  @Test
  void backwardOnANonScalarWithoutGradientThrowsNamingTheShape() {
    Tensor y = Torch.ones(DType.FLOAT64, 2, 3).requiresGrad_().mul(2.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
    assertEquals("backward: grad can be implicitly created only for scalar outputs, but the output has shape "
        + "[2, 3]; pass a gradient of that shape", e.getMessage());
  }

  @Test
  void backwardWithAWronglyShapedGradientNamesBothShapes() {
    Tensor y = Torch.ones(DType.FLOAT64, 2, 3).requiresGrad_().mul(2.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> y.backward(Torch.ones(DType.FLOAT64, 3, 2)));
    assertEquals("backward: gradient has shape [3, 2] but the output has shape [2, 3]", e.getMessage());
  }

  @Test
  void backwardOnATensorThatDoesNotRequireGradThrows() {
    Tensor y = vec(1.0, 2.0).mul(2.0).sum();
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertEquals("backward: element 0 of tensors does not require grad and does not have a grad_fn (shape [])",
        e.getMessage());
  }

  // ------------------------------------------------------------------ deep graphs

  @Test
  void chainOfOneHundredThousandOpsBackpropagatesWithoutRecursion() {
    int depth = 100_000;
    double factor = 1.0000001;
    Tensor x = param(1.0, -0.5);
    Tensor y = x;
    for (int i = 0; i < depth; i++) {
      y = y.mul(factor);
    }
    double expected = 1.0;
    for (int i = 0; i < depth; i++) {
      expected *= factor;
    }
    assertArrayEquals(new double[] {expected, -0.5 * expected}, y.toDoubleArray());
    y.sum().backward();
    // Backward multiplies the upstream 1 by the factor once per op, in the same order as above.
    assertArrayEquals(new double[] {expected, expected}, grad(x));
  }
}
