package dev.ddp4j.tensor.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.nn.F;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Autocast scopes: which ops cast to which dtype, the values and gradients they give, and scoping rules. */
class AutocastTest {

  private static Tensor randn(long seed, int... shape) {
    return Torch.randn(new Generator(seed), DType.FLOAT32, shape);
  }

  private static Tensor leaf(long seed, int... shape) {
    return randn(seed, shape).requiresGrad_();
  }

  @Test
  void enableRejectsDtypesOtherThanBfloat16AndFloat16() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autocast.enable(DType.INT64));
    assertEquals("Autocast.enable: autocast dtype must be torch.bfloat16 or torch.float16, got torch.int64",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Autocast.enable(DType.FLOAT32));
    assertEquals("Autocast.enable: autocast dtype must be torch.bfloat16 or torch.float16, got torch.float32",
        e.getMessage());
    assertFalse(Autocast.isEnabled());
  }

  @Test
  void lowerPrecisionOpsReturnTheAutocastDtypeOnlyInsideAScope() {
    Tensor a = randn(1, 4, 5);
    Tensor b = randn(2, 5, 3);
    Tensor w = randn(3, 3, 5);
    Tensor bias = randn(4, 3);
    Tensor img = randn(5, 1, 2, 6, 6);
    Tensor kernel = randn(6, 4, 2, 3, 3);
    for (DType dt : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
      try (Autocast.Scope s = Autocast.enable(dt)) {
        assertTrue(Autocast.isEnabled());
        assertEquals(dt, Autocast.dtype());
        assertEquals(dt, a.mm(b).dtype());
        assertEquals(dt, a.matmul(b).dtype());
        assertEquals(dt, a.unsqueeze(0).bmm(b.unsqueeze(0)).dtype());
        assertEquals(dt, Torch.linear(a, w, bias).dtype());
        assertEquals(dt, F.conv2d(img, kernel, null, 1, 1, 1).dtype());
      }
    }
    assertFalse(Autocast.isEnabled());
    assertNull(Autocast.dtype());
    assertEquals(DType.FLOAT32, a.mm(b).dtype());
    assertEquals(DType.FLOAT32, Torch.linear(a, w, bias).dtype());
    assertEquals(DType.FLOAT32, F.conv2d(img, kernel, null, 1, 1, 1).dtype());
  }

  @Test
  void float32OpsUpcastHalfInputsInsideAScopeOnly() {
    Tensor logits = randn(7, 4, 3).to(DType.BFLOAT16);
    Tensor labels = Torch.fromArray(new long[] {0, 2, 1, 2}, 4);
    assertEquals(DType.BFLOAT16, logits.sum().dtype());
    assertEquals(DType.BFLOAT16, logits.softmax(1).dtype());
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      assertEquals(DType.FLOAT32, logits.sum().dtype());
      assertEquals(DType.FLOAT32, logits.softmax(1).dtype());
      assertEquals(DType.FLOAT32, logits.logSoftmax(1).dtype());
      assertEquals(DType.FLOAT32, logits.logSumExp(1, false).dtype());
      assertEquals(DType.FLOAT32, F.crossEntropy(logits, labels).dtype());
      assertEquals(DType.FLOAT32, F.mseLoss(logits, logits.detach().mul(0.5), F.Reduction.MEAN).dtype());
      // mean is in neither of PyTorch's lists: it keeps the input dtype.
      assertEquals(DType.BFLOAT16, logits.mean(1).dtype());
    }
  }

  @Test
  void float64TensorsAreNeverCast() {
    Tensor a = randn(8, 3, 4).to(DType.FLOAT64);
    Tensor b = randn(9, 4, 2).to(DType.FLOAT64);
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      assertEquals(DType.FLOAT64, a.mm(b).dtype());
      assertEquals(DType.FLOAT64, a.sum().dtype());
    }
  }

  /**
   * F.linear of float32 tensors under {@code torch.autocast("cpu", dtype=torch.bfloat16)} in PyTorch
   * 1.13 (/usr/bin/python3), then {@code (y.float() * c).sum().backward()}; the output, weight and bias
   * gradient constants were printed by that script with the inputs below, and every value is a
   * bfloat16 (so exact in float32). The input gradient is checked against float32 accumulation rounded
   * once instead: PyTorch 1.13's CPU bfloat16 kernel for it rounds the products first and prints
   * 1.3125 for element 0, where the exactly rounded 1.703125·0.25 + 0.400390625·2.203125 = 1.30789…
   * is 1.3046875 in bfloat16.
   */
  @Test
  void bf16LinearForwardAndBackwardMatchPyTorch() {
    Tensor x = Torch.tensor(new float[][] {{0.1f, -1.3f, 2.7f}, {3.14159f, 0.333f, -0.77f}}).requiresGrad_();
    Tensor w = Torch.tensor(new float[][] {{0.25f, 1.1f, -0.6f}, {-2.2f, 0.05f, 0.9f}}).requiresGrad_();
    Tensor b = Torch.tensor(0.01f, -0.3f).requiresGrad_();
    Tensor c = Torch.tensor(new float[][] {{1.7f, -0.4f}, {0.3f, 2.9f}});
    Tensor y;
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      y = Torch.linear(x, w, b);
    }
    assertEquals(DType.BFLOAT16, y.dtype());
    assertArrayEquals(new float[] {-3.015625f, 1.84375f, 1.625f, -7.90625f}, y.toFloatArray());
    y.to(DType.FLOAT32).mul(c).sum().backward();
    assertEquals(DType.FLOAT32, w.grad().dtype());
    assertArrayEquals(new float[] {1.1171875f, -2.109375f, 4.375f, 9.0625f, 1.484375f, -3.3125f},
        w.grad().toFloatArray());
    Tensor cLow = c.to(DType.BFLOAT16).to(DType.FLOAT32);
    Tensor wLow = w.detach().to(DType.BFLOAT16).to(DType.FLOAT32);
    assertArrayEquals(cLow.mm(wLow).to(DType.BFLOAT16).toFloatArray(), x.grad().toFloatArray());
    assertEquals(1.3046875f, x.grad().toFloatArray()[0]);
    assertArrayEquals(new float[] {2.0f, 2.5f}, b.grad().toFloatArray());
  }

  @Test
  void autocastEqualsCastingByHandForValuesAndGradients() {
    for (DType dt : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
      Tensor x = leaf(10, 2, 3, 7, 7);
      Tensor k = leaf(11, 4, 3, 3, 3);
      Tensor kb = leaf(12, 4);
      Tensor w = leaf(13, 5, 4 * 5 * 5);
      Tensor wb = leaf(14, 5);
      Tensor auto;
      try (Autocast.Scope s = Autocast.enable(dt)) {
        Tensor h = F.conv2d(x, k, kb, 1, 0, 1).relu().flatten(1, -1);
        auto = F.crossEntropy(Torch.linear(h, w, wb), Torch.fromArray(new long[] {1, 4}, 2));
      }
      auto.backward();
      Tensor[] autoGrads = {x.grad(), k.grad(), kb.grad(), w.grad(), wb.grad()};
      for (Tensor g : autoGrads) {
        assertEquals(DType.FLOAT32, g.dtype());
      }
      for (Tensor p : new Tensor[] {x, k, kb, w, wb}) {
        p.setGrad(null);
      }
      Tensor h = F.conv2d(x.to(dt), k.to(dt), kb.to(dt), 1, 0, 1).relu().flatten(1, -1);
      Tensor byHand = F.crossEntropy(Torch.linear(h, w.to(dt), wb.to(dt)).to(DType.FLOAT32),
          Torch.fromArray(new long[] {1, 4}, 2));
      byHand.backward();
      assertEquals(byHand.item(), auto.item(), 0.0, dt.toString());
      Tensor[] handGrads = {x.grad(), k.grad(), kb.grad(), w.grad(), wb.grad()};
      for (int i = 0; i < handGrads.length; i++) {
        assertArrayEquals(handGrads[i].toFloatArray(), autoGrads[i].toFloatArray(), dt + " grad " + i);
      }
    }
  }

  @Test
  void autocastResultsDifferFromFloat32ButStayClose() {
    Tensor a = randn(20, 16, 32);
    Tensor b = randn(21, 32, 8);
    Tensor exact = a.mm(b);
    Tensor low;
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      low = a.mm(b);
    }
    assertFalse(exact.equal(low.to(DType.FLOAT32)), "bfloat16 rounding must show");
    assertTrue(exact.allclose(low.to(DType.FLOAT32), 0.05, 0.25), "bfloat16 product far from float32");
  }

  /** 300 products of ones: a bfloat16 accumulator would stop at 256 (257 is not a bfloat16). */
  @Test
  void bf16MmAndConvAccumulateInFloat32() {
    Tensor ones = Torch.ones(DType.BFLOAT16, 1, 300);
    assertArrayEquals(new float[] {300f}, ones.mm(ones.t()).toFloatArray());
    Tensor img = Torch.ones(DType.BFLOAT16, 1, 12, 5, 5);
    Tensor kernel = Torch.ones(DType.BFLOAT16, 1, 12, 5, 5);
    Tensor out = F.conv2d(img, kernel, null, 1, 0, 1);
    assertEquals(DType.BFLOAT16, out.dtype());
    assertArrayEquals(new float[] {300f}, out.toFloatArray());
  }

  @Test
  void bf16ConvEqualsFloat32ConvOfTheSameValuesRoundedOnce() {
    Tensor x = randn(30, 2, 3, 8, 8).to(DType.BFLOAT16);
    Tensor k = randn(31, 5, 3, 3, 3).to(DType.BFLOAT16);
    Tensor b = randn(32, 5).to(DType.BFLOAT16);
    Tensor low = F.conv2d(x, k, b, 2, 1, 1);
    Tensor ref = F.conv2d(x.to(DType.FLOAT32), k.to(DType.FLOAT32), b.to(DType.FLOAT32), 2, 1, 1)
        .to(DType.BFLOAT16);
    assertArrayEquals(ref.toFloatArray(), low.toFloatArray());
    assertEquals(DType.BFLOAT16, F.maxPool2d(low, 2).dtype());
    assertEquals(DType.BFLOAT16, F.avgPool2d(low, 2).dtype());
  }

  @Test
  void scopesNestAndRestoreWhatTheyFound() {
    Tensor a = randn(40, 2, 2);
    try (Autocast.Scope outer = Autocast.enable(DType.BFLOAT16)) {
      try (Autocast.Scope inner = Autocast.enable(DType.FLOAT16)) {
        assertEquals(DType.FLOAT16, a.mm(a).dtype());
        try (Autocast.Scope off = Autocast.disable()) {
          assertFalse(Autocast.isEnabled());
          assertEquals(DType.FLOAT32, a.mm(a).dtype());
        }
        assertEquals(DType.FLOAT16, Autocast.dtype());
      }
      assertEquals(DType.BFLOAT16, Autocast.dtype());
      assertEquals(DType.BFLOAT16, a.mm(a).dtype());
    }
    assertFalse(Autocast.isEnabled());
  }

  @Test
  void autocastIsPerThread() throws InterruptedException {
    AtomicReference<DType> seen = new AtomicReference<>();
    AtomicReference<DType> productType = new AtomicReference<>();
    Tensor a = randn(50, 2, 2);
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      Thread t = new Thread(() -> {
        seen.set(Autocast.dtype());
        productType.set(a.mm(a).dtype());
      });
      t.start();
      t.join();
      assertEquals(DType.BFLOAT16, a.mm(a).dtype());
    }
    assertNull(seen.get());
    assertEquals(DType.FLOAT32, productType.get());
  }

  @Test
  void aScopeMustBeClosedOnItsOwnThread() throws InterruptedException {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      Thread t = new Thread(() -> {
        try {
          s.close();
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      t.start();
      t.join();
      assertEquals(DType.BFLOAT16, Autocast.dtype());
    }
    assertEquals("an autocast scope must be closed on the thread that opened it", failure.get().getMessage());
  }

  @Test
  void backwardInsideAScopeGivesTheSameGradientsAsOutside() {
    Tensor x = randn(60, 4, 6);
    Tensor w = leaf(61, 3, 6);
    Tensor inside;
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      Torch.linear(x, w, null).sum().backward();
      inside = w.grad();
    }
    w.setGrad(null);
    Tensor y;
    try (Autocast.Scope s = Autocast.enable(DType.BFLOAT16)) {
      y = Torch.linear(x, w, null).sum();
    }
    y.backward();
    assertEquals(DType.FLOAT32, inside.dtype());
    assertArrayEquals(w.grad().toFloatArray(), inside.toFloatArray());
  }
}
