package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Float64 finite-difference gradient checks of every differentiable op, on seeded random inputs,
 * with broadcasting and with non-contiguous (transposed, narrowed, expanded) inputs.
 */
class GradCheckTest {
  /** A fresh generator per test (JUnit makes a new instance per test), so each test reproduces. */
  private final Generator gen = new Generator(1234);

  // ------------------------------------------------------------------ inputs

  private static Tensor leaf(Tensor t) {
    return t.requiresGrad_();
  }

  private Tensor randn(int... shape) {
    return Torch.randn(gen, DType.FLOAT64, shape);
  }

  private Tensor uniform(double lo, double hi, int... shape) {
    double[] d = new double[Shapes.numel(shape)];
    for (int i = 0; i < d.length; i++) {
      d[i] = lo + (hi - lo) * gen.nextDouble();
    }
    return Torch.fromArray(d, shape);
  }

  /** Values in [0.5, 2): safe for log, sqrt, pow with any exponent, and as divisors. */
  private Tensor positive(int... shape) {
    return uniform(0.5, 2.0, shape);
  }

  /** Values in [-2, 2] at least {@code margin} away from every point (kinks, bounds, ties). */
  private Tensor awayFrom(double[] points, double margin, int... shape) {
    double[] d = new double[Shapes.numel(shape)];
    for (int i = 0; i < d.length; i++) {
      boolean ok;
      do {
        d[i] = -2 + 4 * gen.nextDouble();
        ok = true;
        for (double p : points) {
          ok &= Math.abs(d[i] - p) >= margin;
        }
      } while (!ok);
    }
    return Torch.fromArray(d, shape);
  }

  private Tensor awayFromZero(int... shape) {
    return awayFrom(new double[] {0}, 0.3, shape);
  }

  /** Pairwise distinct values at least 0.2 apart (a shuffled ramp plus a little noise). */
  private Tensor distinct(int... shape) {
    int n = Shapes.numel(shape);
    long[] perm = Torch.randperm(n, gen).toLongArray();
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = (perm[i] - n / 2.0) * 0.25 + 0.05 * gen.nextDouble();
    }
    return Torch.fromArray(d, shape);
  }

  /** A non-contiguous [rows, cols] view: the transpose of a [cols, rows] tensor. */
  private static Tensor transposed(Tensor colsByRows) {
    Tensor t = colsByRows.t();
    assertFalse(t.isContiguous());
    return t;
  }

  /** A non-contiguous [rows, cols] view with an offset: columns 1..cols of a [rows, cols + 3] tensor. */
  private Tensor narrowed(int rows, int cols) {
    Tensor t = randn(rows, cols + 3).narrow(1, 1, cols);
    assertFalse(t.isContiguous());
    return t;
  }

  /** A [rows, cols] view with stride 0 along dim 1: one storage element per row. */
  private Tensor expanded(int rows, int cols) {
    Tensor t = randn(rows, 1).expand(rows, cols);
    assertEquals(0, t.stride()[1]);
    return t;
  }

  private static Tensor index(long[] values, int... shape) {
    return Torch.fromArray(values, shape);
  }

  private static void check(String op, GradCheck.Function f, Tensor... inputs) {
    GradCheck.check(op, f, inputs);
  }

  // ------------------------------------------------------------------ the checker itself

  @Test
  void gradCheckReportsAWrongBackward() {
    // A hook triples the gradient flowing into h: the analytical gradient is then 3x too large.
    GradCheck.Function broken = in -> {
      Tensor h = in[0].mul(2.0);
      if (h.requiresGrad()) {
        h.registerHook(g -> g.mul(3.0));
      }
      return h.exp();
    };
    AssertionError e = assertThrows(AssertionError.class,
        () -> GradCheck.check("brokenExp", broken, leaf(randn(2, 2))));
    assertTrue(e.getMessage().startsWith("gradcheck brokenExp: 4 element(s) disagree"), e.getMessage());
    assertTrue(e.getMessage().contains("input 0 (shape [2, 2]) element [0, 0]: analytic "), e.getMessage());
    assertTrue(e.getMessage().contains("input 0 (shape [2, 2]) element [1, 1]: analytic "), e.getMessage());
  }

  @Test
  void gradCheckReportsAGradientThatNeverArrives() {
    AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.check("detachedMul",
        in -> in[0].mul(in[1].detach()), leaf(randn(3)), leaf(randn(3))));
    assertTrue(e.getMessage().startsWith("gradcheck detachedMul: 3 element(s) disagree"), e.getMessage());
    assertTrue(e.getMessage().contains("input 1 (shape [3]) element [2]: analytic 0.0 vs numeric "),
        e.getMessage());
    assertFalse(e.getMessage().contains("input 0"), e.getMessage());
  }

  @Test
  void gradCheckSumsAnalyticalGradientsOverAliasedElementsOfAnExpandedInput() {
    // Each storage element of x feeds 4 positions; without summing over them the check would fail.
    check("mul(expanded)", in -> in[0].mul(in[1]), leaf(expanded(3, 4)), leaf(randn(3, 4)));
  }

  // ------------------------------------------------------------------ elementwise

  @Test
  void addWithAlphaBroadcasts() {
    check("add(alpha=2.5) [3,1,4]+[2,1]", in -> in[0].add(in[1], 2.5), leaf(randn(3, 1, 4)), leaf(randn(2, 1)));
    check("add [2,1]+[3,1,4]", in -> in[0].add(in[1]), leaf(randn(2, 1)), leaf(randn(3, 1, 4)));
    check("add 0-dim", in -> in[0].add(in[1]), leaf(randn(2, 3)), leaf(randn()));
  }

  @Test
  void addOfNonContiguousInputs() {
    check("add(transposed, narrowed)", in -> in[0].add(in[1], -0.75), leaf(transposed(randn(4, 3))),
        leaf(narrowed(3, 4)));
  }

  @Test
  void addSubRsubOfScalars() {
    check("add/sub/rsub scalar", in -> in[0].add(1.5).sub(0.25).rsub(2.0).mul(in[0]), leaf(randn(2, 3)));
  }

  @Test
  void subWithAndWithoutAlphaBroadcasts() {
    check("sub [2,3]-[3]", in -> in[0].sub(in[1]), leaf(randn(2, 3)), leaf(randn(3)));
    check("sub(alpha=0.5) [4,1]-[1,5]", in -> in[0].sub(in[1], 0.5), leaf(randn(4, 1)), leaf(randn(1, 5)));
  }

  @Test
  void mulBroadcastsAndAcceptsNonContiguousInputs() {
    check("mul [3,1,4]*[2,1]", in -> in[0].mul(in[1]), leaf(randn(3, 1, 4)), leaf(randn(2, 1)));
    check("mul(transposed, narrowed)", in -> in[0].mul(in[1]), leaf(transposed(randn(4, 3))),
        leaf(narrowed(3, 4)));
    check("mul scalar", in -> in[0].mul(-1.5), leaf(randn(5)));
  }

  @Test
  void divBroadcasts() {
    check("div [2,3,1]/[4]", in -> in[0].div(in[1]), leaf(randn(2, 3, 1)), leaf(awayFromZero(4)));
    check("div(transposed, narrowed)", in -> in[0].div(in[1]), leaf(narrowed(3, 4)),
        leaf(transposed(awayFromZero(4, 3))));
    check("div scalar", in -> in[0].div(-0.4), leaf(randn(2, 2)));
  }

  @Test
  void neg() {
    check("neg", in -> in[0].neg(), leaf(transposed(randn(4, 3))));
  }

  @Test
  void powScalar() {
    check("pow(2.5)", in -> in[0].pow(2.5), leaf(positive(3, 4)));
    check("pow(-1.5)", in -> in[0].pow(-1.5), leaf(transposed(positive(4, 3))));
    check("pow(3)", in -> in[0].pow(3.0), leaf(randn(2, 3)));
    check("pow(1)", in -> in[0].pow(1.0), leaf(randn(4)));
  }

  @Test
  void powTensorWithPositiveBaseBroadcasts() {
    check("pow [3,4]^[4]", in -> in[0].pow(in[1]), leaf(positive(3, 4)), leaf(randn(4)));
    check("pow [4]^[3,1] narrowed", in -> in[0].pow(in[1]), leaf(positive(4)), leaf(narrowed(3, 1)));
  }

  @Test
  void exp() {
    check("exp", in -> in[0].exp(), leaf(randn(4, 3, 2).permute(2, 0, 1)));
  }

  @Test
  void logOfPositiveInputs() {
    check("log", in -> in[0].log(), leaf(transposed(positive(4, 3))));
  }

  @Test
  void sqrtOfPositiveInputs() {
    check("sqrt", in -> in[0].sqrt(), leaf(positive(2, 5)));
  }

  @Test
  void absAwayFromZero() {
    check("abs", in -> in[0].abs(), leaf(transposed(awayFromZero(4, 3))));
    check("sign (zero gradient)", in -> in[0].sign().add(in[0]), leaf(awayFromZero(3, 4)));
  }

  @Test
  void sigmoid() {
    check("sigmoid", in -> in[0].sigmoid(), leaf(randn(3, 4).mul(2.0)));
  }

  @Test
  void tanh() {
    check("tanh", in -> in[0].tanh(), leaf(narrowed(3, 4)));
  }

  @Test
  void reluAwayFromZero() {
    check("relu", in -> in[0].relu(), leaf(awayFromZero(3, 4)));
  }

  @Test
  void clampAwayFromBounds() {
    check("clamp(-0.5, 0.7)", in -> in[0].clamp(-0.5, 0.7), leaf(awayFrom(new double[] {-0.5, 0.7}, 0.05, 4, 5)));
    check("clampMin(-0.3)", in -> in[0].clampMin(-0.3), leaf(transposed(awayFrom(new double[] {-0.3}, 0.05, 5, 4))));
    check("clampMax(0.4)", in -> in[0].clampMax(0.4), leaf(awayFrom(new double[] {0.4}, 0.05, 20)));
  }

  @Test
  void maximumAndMinimumWithoutTiesBroadcast() {
    Tensor b = randn(4);
    Tensor a = awayFrom(b.toDoubleArray(), 0.05, 3, 4);
    check("maximum [3,4],[4]", in -> in[0].maximum(in[1]), leaf(a), leaf(b));
    Tensor b2 = randn(4);
    Tensor a2 = awayFrom(b2.toDoubleArray(), 0.05, 3, 4);
    check("minimum [4],[3,4] transposed", in -> in[0].minimum(in[1]), leaf(b2), leaf(transposed(a2.t().contiguous())));
  }

  // ------------------------------------------------------------------ reductions

  @Test
  void sumAllDimsAndKeepdim() {
    check("sum()", in -> in[0].sum(), leaf(transposed(randn(4, 3))));
    check("sum(1)", in -> in[0].sum(1), leaf(randn(2, 3, 4)));
    check("sum(-1, keepdim)", in -> in[0].sum(-1, true), leaf(narrowed(3, 4)));
    check("sum({0,2}, keepdim)", in -> in[0].sum(new int[] {0, 2}, true), leaf(randn(2, 3, 4)));
    check("sum({0,2})", in -> in[0].sum(new int[] {0, 2}, false), leaf(randn(2, 3, 4).permute(1, 2, 0)));
  }

  @Test
  void mean() {
    check("mean()", in -> in[0].mean(), leaf(randn(3, 4)));
    check("mean(1)", in -> in[0].mean(1), leaf(transposed(randn(4, 3))));
    check("mean({0,2}, keepdim)", in -> in[0].mean(new int[] {0, 2}, true), leaf(randn(2, 3, 4)));
  }

  @Test
  void varUnbiasedAndBiased() {
    check("var()", in -> in[0].var(), leaf(randn(3, 4)));
    check("var(1, biased)", in -> in[0].var(1, false, false), leaf(randn(3, 4)));
    check("var(0, unbiased, keepdim)", in -> in[0].var(0, true, true), leaf(transposed(randn(4, 3))));
    check("var({0,2}, biased, keepdim)", in -> in[0].var(new int[] {0, 2}, false, true), leaf(randn(2, 3, 4)));
  }

  @Test
  void maxAndMinOfAllElements() {
    check("max()", in -> in[0].max(), leaf(distinct(3, 4)));
    check("min()", in -> in[0].min(), leaf(transposed(distinct(4, 3))));
  }

  @Test
  void maxAndMinAlongADim() {
    check("max(1).values", in -> in[0].max(1).values(), leaf(distinct(3, 4)));
    check("max(0, keepdim).values", in -> in[0].max(0, true).values(), leaf(transposed(distinct(4, 3))));
    check("min(1).values", in -> in[0].min(1).values(), leaf(distinct(2, 3, 4)));
    check("min(-1, keepdim).values", in -> in[0].min(-1, true).values(), leaf(distinct(2, 5)));
  }

  @Test
  void softmax() {
    check("softmax(1)", in -> in[0].softmax(1), leaf(randn(3, 5)));
    check("softmax(0) transposed", in -> in[0].softmax(0), leaf(transposed(randn(4, 3))));
    check("softmax(-1)", in -> in[0].softmax(-1), leaf(randn(2, 3, 4)));
  }

  @Test
  void logSoftmax() {
    check("logSoftmax(1)", in -> in[0].logSoftmax(1), leaf(randn(3, 5)));
    check("logSoftmax(0) narrowed", in -> in[0].logSoftmax(0), leaf(narrowed(3, 4)));
  }

  @Test
  void logSumExp() {
    check("logSumExp(1)", in -> in[0].logSumExp(1, false), leaf(randn(3, 5)));
    check("logSumExp(0, keepdim) transposed", in -> in[0].logSumExp(0, true), leaf(transposed(randn(4, 3))));
    check("logSumExp({0,2}, keepdim)", in -> in[0].logSumExp(new int[] {0, 2}, true), leaf(randn(2, 3, 4)));
  }

  // ------------------------------------------------------------------ shape ops

  @Test
  void viewAndReshape() {
    check("view(2,6)", in -> in[0].view(2, 6), leaf(randn(3, 4)));
    check("view(-1)", in -> in[0].view(-1), leaf(randn(2, 3, 2)));
    check("reshape of transposed (copies)", in -> in[0].reshape(12), leaf(transposed(randn(4, 3))));
    check("reshape(4,-1)", in -> in[0].reshape(4, -1), leaf(randn(2, 6)));
    Tensor like = Torch.zeros(DType.FLOAT64, 4, 3);
    check("viewAs", in -> in[0].viewAs(like), leaf(randn(2, 6)));
  }

  @Test
  void permuteTransposeAndT() {
    check("permute(2,0,1)", in -> in[0].permute(2, 0, 1), leaf(randn(2, 3, 4)));
    check("transpose(0,2)", in -> in[0].transpose(0, 2), leaf(randn(2, 3, 4)));
    check("t() of narrowed", in -> in[0].t(), leaf(narrowed(3, 4)));
  }

  @Test
  void flattenSqueezeUnsqueeze() {
    check("flatten()", in -> in[0].flatten(), leaf(randn(2, 3, 4)));
    check("flatten(1,2) of permuted", in -> in[0].flatten(1, 2), leaf(randn(2, 3, 4).permute(1, 0, 2)));
    check("squeeze()", in -> in[0].squeeze(), leaf(randn(3, 1, 4, 1)));
    check("squeeze(1)", in -> in[0].squeeze(1), leaf(randn(3, 1, 4)));
    check("unsqueeze(0)", in -> in[0].unsqueeze(0), leaf(transposed(randn(4, 3))));
    check("unsqueeze(-1)", in -> in[0].unsqueeze(-1), leaf(randn(3, 4)));
  }

  @Test
  void expand() {
    check("expand(2,3,4)", in -> in[0].expand(2, 3, 4), leaf(randn(3, 1)));
    check("expandAs", in -> in[0].expandAs(in[1]).mul(in[1]), leaf(randn(4)), leaf(randn(3, 4)));
    check("expand(-1,5) of narrowed", in -> in[0].expand(-1, 5).mul(in[1]), leaf(narrowed(3, 1)),
        leaf(randn(3, 5)));
  }

  @Test
  void selectNarrowAndSliceWithStep() {
    check("select(1,2)", in -> in[0].select(1, 2), leaf(randn(3, 4, 2)));
    check("select(0,-1) of transposed", in -> in[0].select(0, -1), leaf(transposed(randn(4, 3))));
    check("narrow(1,1,2)", in -> in[0].narrow(1, 1, 2), leaf(randn(3, 4)));
    check("slice(1,1,6,2)", in -> in[0].slice(1, 1, 6, 2), leaf(randn(3, 6)));
    check("slice(0,0,4,2) of narrowed", in -> in[0].slice(0, 0, 4, 2), leaf(narrowed(4, 3)));
  }

  @Test
  void catAndStack() {
    check("cat dim 0", in -> Torch.cat(List.of(in[0], in[1]), 0), leaf(randn(2, 3)), leaf(transposed(randn(3, 4))));
    check("cat dim 1", in -> Torch.cat(List.of(in[0], in[1], in[0]), 1), leaf(randn(2, 3)), leaf(randn(2, 1)));
    check("stack dim 1", in -> Torch.stack(List.of(in[0], in[1], in[2]), 1), leaf(randn(2, 3)),
        leaf(transposed(randn(3, 2))), leaf(narrowed(2, 3)));
  }

  @Test
  void splitAndChunk() {
    check("split(2,0)", in -> {
      List<Tensor> p = in[0].split(2, 0);
      assertEquals(3, p.size());
      return Torch.cat(List.of(p.get(2).mul(3.0), p.get(0).pow(2.0), p.get(1)), 0);
    }, leaf(randn(5, 4)));
    check("chunk(3,1) of transposed", in -> {
      List<Tensor> c = in[0].chunk(3, 1);
      assertEquals(3, c.size());
      return c.get(0).mul(c.get(1)).add(c.get(2).exp());
    }, leaf(transposed(randn(6, 4))));
  }

  @Test
  void cloneAndContiguous() {
    check("clone", in -> in[0].clone(), leaf(transposed(randn(4, 3))));
    check("contiguous of transposed (copies)", in -> in[0].contiguous(), leaf(transposed(randn(4, 3))));
    check("contiguous of contiguous (itself)", in -> in[0].contiguous().mul(in[0]), leaf(randn(3, 4)));
  }

  // ------------------------------------------------------------------ indexing

  @Test
  void indexSelectWithRepeatedIndices() {
    check("indexSelect(0, [3,0,3,1])", in -> in[0].indexSelect(0, index(new long[] {3, 0, 3, 1}, 4)),
        leaf(randn(4, 3)));
    check("indexSelect(1, [2,0,2]) of transposed", in -> in[0].indexSelect(1, index(new long[] {2, 0, 2}, 3)),
        leaf(transposed(randn(3, 4))));
  }

  @Test
  void gatherWithRepeatedIndices() {
    Tensor idx1 = index(new long[] {0, 0, 3, 1, 2, 1, 3, 3, 3}, 3, 3);
    check("gather(1)", in -> in[0].gather(1, idx1), leaf(randn(3, 4)));
    Tensor idx0 = index(new long[] {2, 0, 1, 2, 2, 0}, 2, 3);
    check("gather(0) of transposed", in -> in[0].gather(0, idx0), leaf(transposed(randn(4, 3))));
  }

  @Test
  void scatterAddIntoSelfAndFromSrc() {
    // index [2,3] is smaller than src [2,4]: src's last column is never scattered (gradient 0).
    Tensor idx0 = index(new long[] {0, 2, 0, 2, 2, 1}, 2, 3);
    check("scatterAdd(0)", in -> in[0].scatterAdd(0, idx0, in[1]), leaf(randn(3, 5)), leaf(randn(2, 4)));
    Tensor idx1 = index(new long[] {3, 3, 0, 1, 1, 1}, 3, 2);
    check("scatterAdd(1) non-contiguous", in -> in[0].scatterAdd(1, idx1, in[1]), leaf(transposed(randn(4, 3))),
        leaf(narrowed(3, 2)));
  }

  @Test
  void maskedFillWithBroadcastMask() {
    Tensor mask = Torch.fromArray(new boolean[] {true, false, false, true}, 4);
    check("maskedFill([4] mask)", in -> in[0].maskedFill(mask, 0.5), leaf(randn(3, 4)));
    Tensor mask2 = Torch.fromArray(new boolean[] {false, true, true}, 3, 1);
    check("maskedFill([3,1] mask) of transposed", in -> in[0].maskedFill(mask2, -2.0), leaf(transposed(randn(4, 3))));
  }

  @Test
  void maskedSelectWithBroadcasting() {
    Tensor mask = Torch.fromArray(new boolean[] {true, false, true}, 3, 1);
    check("maskedSelect([3,1] mask)", in -> in[0].maskedSelect(mask), leaf(transposed(randn(4, 3))));
    Tensor wide = Torch.fromArray(new boolean[] {true, false, true, true, false, true, false, false}, 2, 4);
    check("maskedSelect(input broadcast to mask)", in -> in[0].maskedSelect(wide), leaf(randn(4)));
  }

  @Test
  void whereBroadcastsBothBranches() {
    Tensor cond = Torch.fromArray(new boolean[] {true, false, true}, 3, 1);
    check("where([3,1], [3,4], [4])", in -> Torch.where(cond, in[0], in[1]), leaf(randn(3, 4)), leaf(randn(4)));
    Tensor cond2 = Torch.fromArray(new boolean[] {false, true, true, false}, 4);
    check("where([4], transposed, narrowed)", in -> Torch.where(cond2, in[0], in[1]),
        leaf(transposed(randn(4, 3))), leaf(narrowed(3, 4)));
  }

  // ------------------------------------------------------------------ linear algebra

  @Test
  void mm() {
    check("mm [3,4]x[4,5]", in -> in[0].mm(in[1]), leaf(randn(3, 4)), leaf(randn(4, 5)));
    check("mm transposed x narrowed", in -> in[0].mm(in[1]), leaf(transposed(randn(4, 3))), leaf(narrowed(4, 2)));
  }

  @Test
  void matmulOfEveryRankCombination() {
    check("matmul 1-D.1-D", in -> in[0].matmul(in[1]), leaf(randn(4)), leaf(randn(4)));
    check("matmul 2-D.1-D", in -> in[0].matmul(in[1]), leaf(randn(3, 4)), leaf(randn(4)));
    check("matmul 1-D.2-D", in -> in[0].matmul(in[1]), leaf(randn(3)), leaf(transposed(randn(4, 3))));
    check("matmul 3-D.2-D", in -> in[0].matmul(in[1]), leaf(randn(2, 3, 4)), leaf(randn(4, 2)));
    check("matmul 4-D.3-D broadcast", in -> in[0].matmul(in[1]), leaf(randn(2, 1, 3, 4)), leaf(randn(3, 4, 2)));
    check("matmul 1-D.3-D", in -> in[0].matmul(in[1]), leaf(randn(4)), leaf(randn(2, 4, 3)));
  }

  @Test
  void bmm() {
    check("bmm", in -> in[0].bmm(in[1]), leaf(randn(2, 3, 4)), leaf(randn(2, 4, 5)));
    check("bmm transposed operand", in -> in[0].bmm(in[1]), leaf(randn(2, 3, 4)),
        leaf(randn(2, 5, 4).transpose(1, 2)));
  }

  @Test
  void linearWithAndWithoutBias() {
    check("linear [4,3].[5,3]^T+[5]", in -> Torch.linear(in[0], in[1], in[2]), leaf(randn(4, 3)), leaf(randn(5, 3)),
        leaf(randn(5)));
    check("linear no bias, non-contiguous", in -> Torch.linear(in[0], in[1], null), leaf(narrowed(4, 3)),
        leaf(transposed(randn(3, 5))));
    check("linear 3-D input", in -> Torch.linear(in[0], in[1], in[2]), leaf(randn(2, 3, 4)), leaf(randn(2, 4)),
        leaf(randn(2)));
  }

  // ------------------------------------------------------------------ composites

  @Test
  void logisticRegressionBinaryCrossEntropy() {
    Tensor y = Torch.fromArray(new double[] {1, 0, 0, 1, 1, 0, 1, 0}, 8);
    check("logistic regression BCE", in -> {
      Tensor p = in[0].matmul(in[1]).add(in[2]).sigmoid();
      return y.mul(p.log()).add(y.rsub(1.0).mul(p.rsub(1.0).log())).mean().neg();
    }, leaf(randn(8, 3)), leaf(randn(3)), leaf(randn()));
  }

  @Test
  void twoLayerPerceptronCrossEntropy() {
    Tensor targets = index(new long[] {1, 0, 2, 1}, 4, 1);
    check("MLP cross entropy", in -> in[0].matmul(in[1]).add(in[2]).tanh().matmul(in[3]).logSoftmax(1)
            .gather(1, targets).mean().neg(),
        leaf(randn(4, 3)), leaf(randn(3, 5)), leaf(randn(5)), leaf(transposed(randn(3, 5))));
  }
}
