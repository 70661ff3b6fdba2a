package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** toString is PyTorch's repr with the default print options, character for character. */
class FormatTest {

  @Test
  void integralFloatsPrintWithATrailingPoint() {
    assertEquals("tensor([1., 2.])", Torch.tensor(1f, 2f).toString());
    assertEquals("tensor([0., 0., 0.])", Torch.zeros(3).toString());
    assertEquals("tensor([-1.,  2., 30.])", Torch.tensor(-1f, 2f, 30f).toString());
  }

  @Test
  void fractionalFloatsPrintFourDecimalsRightAligned() {
    assertEquals("tensor([1.5000, 2.0000])", Torch.tensor(1.5f, 2f).toString());
    assertEquals("tensor([0.1000, 0.2000])", Torch.tensor(0.1f, 0.2f).toString());
    assertEquals("tensor([ 1.5000, -2.2500, 10.0000])", Torch.tensor(1.5f, -2.25f, 10f).toString());
    assertEquals("tensor([[ 0.5000,  1.0000],\n        [-3.2500, 12.0000]])",
        Torch.tensor(new float[][] {{0.5f, 1}, {-3.25f, 12}}).toString());
  }

  @Test
  void decimalsRoundHalfToEvenOnTheExactValue() {
    // Python formats 0.03125 as 0.0312 (an exact tie, to even), unlike Java's HALF_UP 0.0313.
    assertEquals("tensor([0.0312, 0.1562])", Torch.tensor(0.03125f, 0.15625f).toString());
    assertEquals("tensor([0.0938])", Torch.tensor(0.09375f).toString());
  }

  @Test
  void wideRangesSwitchToScientificNotation() {
    assertEquals("tensor([1.0000e-05, 1.0000e+00])",
        Torch.fromArray(new double[] {1e-5, 1}, 2).to(DType.FLOAT32).toString());
    assertEquals("tensor([1.0000e-03, 1.0000e+01])", Torch.tensor(0.001f, 10f).toString());
    assertEquals("tensor([1.0000e+10])", Torch.tensor(1e10f).toString());
    assertEquals("tensor([ 1.2346e+09, -1.0000e+00])", Torch.tensor(1234567936f, -1f).toString());
  }

  @Test
  void nonFiniteValuesAndSignedZero() {
    assertEquals("tensor([   nan, 1.5000])", Torch.tensor(Float.NaN, 1.5f).toString());
    assertEquals("tensor([inf, 1.])", Torch.tensor(Float.POSITIVE_INFINITY, 1f).toString());
    assertEquals("tensor([-inf, nan])", Torch.tensor(Float.NEGATIVE_INFINITY, Float.NaN).toString());
    assertEquals("tensor([-0.0000, 1.5000])", Torch.tensor(-0f, 1.5f).toString());
    assertEquals("tensor([-0.])", Torch.tensor(-0f).toString());
  }

  @Test
  void integerAndBoolTensors() {
    assertEquals("tensor([[1, 2],\n        [3, 4]])", Torch.fromArray(new long[] {1, 2, 3, 4}, 2, 2).toString());
    assertEquals("tensor([   1,   10, -100])", Torch.fromArray(new long[] {1, 10, -100}, 3).toString());
    assertEquals("tensor([ True, False])", Torch.fromArray(new boolean[] {true, false}, 2).toString());
    assertEquals("tensor([True, True])", Torch.fromArray(new boolean[] {true, true}, 2).toString());
  }

  @Test
  void zeroDimTensors() {
    assertEquals("tensor(3.5000)", Torch.scalar(3.5).toString());
    assertEquals("tensor(2.)", Torch.scalar(2).toString());
    assertEquals("tensor(7)", Torch.scalar(7, DType.INT64).toString());
    assertEquals("tensor(0.5000, dtype=torch.float64)", Torch.scalar(0.5, DType.FLOAT64).toString());
  }

  @Test
  void nonDefaultDtypesGetASuffix() {
    assertEquals("tensor([1., 2.], dtype=torch.float64)", Torch.fromArray(new double[] {1, 2}, 2).toString());
    assertEquals("tensor([0.3340], dtype=torch.bfloat16)", Torch.full(1.0 / 3, DType.BFLOAT16, 1).toString());
    assertEquals("tensor([0.3333], dtype=torch.float16)", Torch.full(1.0 / 3, DType.FLOAT16, 1).toString());
  }

  @Test
  void autogradSuffixes() {
    Tensor w = Torch.tensor(1f, 2f).requiresGrad_();
    assertEquals("tensor([1., 2.], requires_grad=True)", w.toString());
    assertEquals("tensor([2., 4.], grad_fn=<MulBackward0>)", w.mul(2).toString());
    Tensor d = Torch.fromArray(new double[] {1, 2}, 2).requiresGrad_();
    assertEquals("tensor([2., 4.], dtype=torch.float64, grad_fn=<MulBackward0>)", d.mul(2).toString());
    assertEquals("tensor([1., 2.])", w.detach().toString());
  }

  @Test
  void suffixMovesToANewLineWhenTheLineIsFull() {
    Tensor w = Torch.arange(0.0, 14.0, 1.0).requiresGrad_();
    assertEquals("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.],\n"
        + "       requires_grad=True)", w.toString());
  }

  @Test
  void higherDimsSeparateBlocksWithBlankLines() {
    assertEquals("tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])",
        Torch.arange(8).view(2, 2, 2).toString());
    assertEquals("tensor([[0, 2],\n        [1, 3]])", Torch.arange(4).view(2, 2).t().toString());
  }

  @Test
  void emptyTensorsShowTheirSizeAndDtype() {
    assertEquals("tensor([])", Torch.zeros(0).toString());
    assertEquals("tensor([], size=(0, 3))", Torch.zeros(0, 3).toString());
    assertEquals("tensor([], dtype=torch.int64)", Torch.arange(0).toString());
    assertEquals("tensor([], size=(2, 0), dtype=torch.bool)", Torch.zeros(DType.BOOL, 2, 0).toString());
  }

  @Test
  void longRowsWrapAtEightyColumns() {
    assertEquals("tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n"
        + "        18, 19])", Torch.arange(20).toString());
  }

  @Test
  void largeTensorsAreSummarized() {
    assertEquals("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])", Torch.arange(2000).toString());
    assertEquals("tensor([[   0,    1],\n        [   2,    3],\n        [   4,    5],\n        ...,\n"
        + "        [1994, 1995],\n        [1996, 1997],\n        [1998, 1999]])",
        Torch.arange(2000).view(1000, 2).toString());
    assertEquals("tensor([0., 0., 0.,  ..., 0., 0., 0.])", Torch.zeros(1001).toString());
  }
}
