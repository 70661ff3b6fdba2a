package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.amp.GradScaler;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.BatchNorm2d;
import dev.ddp4j.tensor.nn.F;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Adam;
import dev.ddp4j.tensor.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The backend conformance suite: every op a device backend implements, run on the CPU and on the device
 * from the same inputs, forward and backward, and compared. A backend passes when every check does. The
 * tensor module runs it against an emulated device (no GPU needed); ddp4j-gpu runs it against each CUDA
 * device that is present.
 *
 * <p>Results must agree within {@code rtol 1e-4, atol 1e-5} (a GPU sums in another order than the CPU);
 * training checks compare after several optimizer steps with a looser bound.
 */
public final class BackendConformance {
  private BackendConformance() {}

  private static final double RTOL = 1e-4;
  private static final double ATOL = 1e-5;

  /** One named check, run against a device. */
  public record Check(String name, Consumer<Device> body) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Every check, in a fixed order. */
  public static List<Check> checks() {
    List<Check> c = new ArrayList<>();
    c.add(new Check("transfers", BackendConformance::transfers));
    c.add(new Check("elementwise and broadcasting", BackendConformance::elementwise));
    c.add(new Check("unary ops", BackendConformance::unary));
    c.add(new Check("reductions", BackendConformance::reductions));
    c.add(new Check("matrix products", BackendConformance::products));
    c.add(new Check("softmax and cross-entropy", BackendConformance::softmaxAndLoss));
    c.add(new Check("convolution and pooling", BackendConformance::convolution));
    c.add(new Check("shape ops", BackendConformance::shapes));
    c.add(new Check("indexing and masks", BackendConformance::indexing));
    c.add(new Check("module.to and SGD training (MLP)", d -> training(d, Models::mlp, new int[] {16, 1, 28, 28})));
    c.add(new Check("SGD training (LeNet CNN)", d -> training(d, Models::leNet, new int[] {8, 1, 28, 28})));
    c.add(new Check("Adam training (MLP)", BackendConformance::adam));
    c.add(new Check("BatchNorm2d (training statistics, running buffers, eval)", BackendConformance::batchNorm));
    c.add(new Check("binary cross-entropy (XOR network)", BackendConformance::bce));
    c.add(new Check("bfloat16 autocast (conversions; MLP and CNN forward and backward)",
        BackendConformance::autocastBf16));
    c.add(new Check("float16 autocast with a GradScaler (conversions; MLP steps)", BackendConformance::autocastFp16));
    c.add(new Check("errors", BackendConformance::errors));
    return c;
  }

  /**
   * Runs every check against {@code device}.
   *
   * @throws AssertionError listing each failed check and why
   */
  public static void run(Device device) {
    List<String> failures = new ArrayList<>();
    for (Check check : checks()) {
      try {
        check.body().accept(device);
      } catch (RuntimeException | AssertionError e) {
        failures.add(check.name() + ": " + e);
      }
    }
    if (!failures.isEmpty()) {
      throw new AssertionError(failures.size() + " of " + checks().size() + " conformance checks failed on " + device
          + ":\n  " + String.join("\n  ", failures));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static Tensor randn(long seed, int... shape) {
    return Torch.randn(new Generator(seed), DType.FLOAT32, shape);
  }

  static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
    if (!java.util.Arrays.equals(expected.shape(), actual.shape())) {
      throw new AssertionError(what + ": shape " + java.util.Arrays.toString(actual.shape()) + ", expected "
          + java.util.Arrays.toString(expected.shape()));
    }
    if (expected.dtype() != actual.dtype()) {
      throw new AssertionError(what + ": dtype " + actual.dtype() + ", expected " + expected.dtype());
    }
    double[] e = expected.detach().to(Device.CPU).toDoubleArray();
    double[] a = actual.detach().to(Device.CPU).toDoubleArray();
    for (int i = 0; i < e.length; i++) {
      boolean same = e[i] == a[i] || (Double.isNaN(e[i]) && Double.isNaN(a[i]));
      if (!same && !(Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]))) {
        throw new AssertionError(String.format(Locale.ROOT, "%s: element %d is %.8g, expected %.8g", what, i, a[i],
            e[i]));
      }
    }
  }

  private static void assertClose(String what, Tensor expected, Tensor actual) {
    assertClose(what, expected, actual, RTOL, ATOL);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  /**
   * Runs {@code f} on CPU leaves and on device copies of them, compares the outputs, then back-propagates
   * the same upstream gradient through both and compares every leaf's gradient.
   */
  private static void compare(String what, Device device, Function<List<Tensor>, Tensor> f, Tensor... inputs) {
    List<Tensor> cpu = new ArrayList<>();
    List<Tensor> dev = new ArrayList<>();
    for (Tensor t : inputs) {
      boolean grad = t.dtype().isFloatingPoint();
      cpu.add(t.detach().clone().requiresGrad_(grad));
      dev.add(t.detach().to(device).requiresGrad_(grad));
    }
    Tensor yc = f.apply(cpu);
    Tensor yd = f.apply(dev);
    require(yd.device().equals(device), what + ": the result is on " + yd.device() + ", not " + device);
    assertClose(what, yc, yd);
    if (!yc.requiresGrad()) {
      return;
    }
    Tensor upstream = randn(99, yc.shape());
    yc.backward(upstream);
    yd.backward(upstream.to(device));
    for (int i = 0; i < inputs.length; i++) {
      Tensor gc = cpu.get(i).grad();
      Tensor gd = dev.get(i).grad();
      if (gc == null) {
        require(gd == null, what + ": input " + i + " has a gradient on the device only");
        continue;
      }
      require(gd != null, what + ": input " + i + " has no gradient on the device");
      require(gd.device().equals(device), what + ": the gradient of input " + i + " is on " + gd.device());
      assertClose(what + ", gradient of input " + i, gc, gd);
    }
  }

  // ------------------------------------------------------------------ checks

  private static void transfers(Device device) {
    Tensor x = randn(1, 3, 4);
    Tensor d = x.to(device);
    require(d.device().equals(device), "to(" + device + ") gave a tensor on " + d.device());
    assertClose("round trip", x, d.to(Device.CPU), 0, 0);
    assertClose("transposed view", x.t(), x.t().to(device), 0, 0);
    assertClose("strided view on the device", x.t(), d.t().contiguous(), 0, 0);
    Tensor labels = Torch.fromArray(new long[] {3, 0, 9, 1}, 4);
    assertClose("int64", labels, labels.to(device), 0, 0);
    require(d.get(1, 2) == x.get(1, 2), "get on the device");
    require(Math.abs(d.sum().item() - x.sum().item()) <= 1e-4 * Math.abs(x.sum().item()) + 1e-5,
        "item of a sum on the device: " + d.sum().item() + ", expected " + x.sum().item());
    require(d.toString().contains("device='" + device + "'"), "toString does not name the device: " + d);
    Tensor target = Torch.zeros(3, 4).to(device);
    target.copy_(x);
    assertClose("copy_ from the CPU", x, target, 0, 0);
    Tensor back = Torch.zeros(3, 4);
    back.copy_(d);
    assertClose("copy_ to the CPU", x, back, 0, 0);
    d.set(5.0, 0, 0);
    require(d.get(0, 0) == 5.0, "set on the device");
    Tensor z = Torch.zerosLike(d);
    require(z.device().equals(device) && z.sum().item() == 0, "zerosLike on the device");
    require(Torch.onesLike(d).sum().item() == 12, "onesLike on the device");
  }

  private static void elementwise(Device device) {
    Tensor a = randn(2, 4, 5);
    Tensor b = randn(3, 4, 5);
    Tensor row = randn(4, 5);
    Tensor col = randn(5, 4, 1);
    compare("add", device, t -> t.get(0).add(t.get(1)), a, b);
    compare("sub with alpha", device, t -> t.get(0).sub(t.get(1), 0.5), a, b);
    compare("mul", device, t -> t.get(0).mul(t.get(1)), a, b);
    compare("div", device, t -> t.get(0).div(t.get(1).abs().add(1)), a, b);
    compare("broadcast row", device, t -> t.get(0).add(t.get(1)), a, row);
    compare("broadcast column", device, t -> t.get(0).mul(t.get(1)), a, col);
    compare("scalars", device, t -> t.get(0).mul(2.5).add(1).sub(0.25).div(4), a);
    compare("transposed operand", device, t -> t.get(0).t().add(t.get(1).t()), a, b);
    compare("pow with a scalar exponent", device, t -> t.get(0).abs().add(0.5).pow(1.5), a);
    compare("maximum", device, t -> t.get(0).maximum(t.get(1)), a, row);
    compare("minimum", device, t -> t.get(0).minimum(t.get(1)), a, b);
    compare("clamp", device, t -> t.get(0).clamp(-0.5, 0.7), a);
    compare("clampMin", device, t -> t.get(0).clampMin(0.1), a);
    assertClose("gt", a.gt(b), a.to(device).gt(b.to(device)), 0, 0);
    assertClose("le with a scalar", a.le(0.2), a.to(device).le(0.2), 0, 0);
    assertClose("eq", a.eq(a.t().t()), a.to(device).eq(a.to(device)), 0, 0);
    assertClose("bool to float32", a.gt(0).to(DType.FLOAT32), a.to(device).gt(0).to(DType.FLOAT32), 0, 0);
    Tensor acc = a.to(device);
    acc.add_(b.to(device), 2);
    assertClose("add_ in place", a.add(b, 2), acc);
    acc.mul_(0.5);
    assertClose("mul_ in place", a.add(b, 2).mul(0.5), acc);
  }

  private static void unary(Device device) {
    Tensor a = randn(4, 6, 7);
    compare("relu", device, t -> t.get(0).relu(), a);
    compare("sigmoid", device, t -> t.get(0).sigmoid(), a);
    compare("tanh", device, t -> t.get(0).tanh(), a);
    compare("exp", device, t -> t.get(0).exp(), a);
    compare("log", device, t -> t.get(0).mul(t.get(0)).add(1).log(), a);
    compare("neg", device, t -> t.get(0).neg(), a);
    compare("relu of a transposed view", device, t -> t.get(0).t().relu(), a);
    compare("sqrt", device, t -> t.get(0).mul(t.get(0)).add(0.1).sqrt(), a);
    compare("abs", device, t -> t.get(0).abs(), a);
    compare("sign", device, t -> t.get(0).sign(), a);
  }

  private static void reductions(Device device) {
    Tensor a = randn(5, 6, 7);
    Tensor c = randn(6, 2, 3, 4, 5);
    compare("sum", device, t -> t.get(0).sum(), a);
    compare("sum(0)", device, t -> t.get(0).sum(0), a);
    compare("sum(1, keepdim)", device, t -> t.get(0).sum(1, true), a);
    compare("mean", device, t -> t.get(0).mean(), a);
    compare("sum over {0, 2, 3}", device, t -> t.get(0).sum(new int[] {0, 2, 3}, false), c);
    compare("sum over {1} of a 4-d tensor", device, t -> t.get(0).sum(1), c);
    compare("sum of a transposed view", device, t -> t.get(0).t().sum(0), a);
    Tensor logits = randn(7, 9, 10);
    assertClose("argmax(1)", logits.argmax(1), logits.to(device).argmax(1), 0, 0);
    assertClose("max(1) values", logits.max(1).values(), logits.to(device).max(1).values(), 0, 0);
  }

  private static void products(Device device) {
    Tensor a = randn(8, 33, 17);
    Tensor b = randn(9, 17, 21);
    Tensor w = randn(10, 12, 17);
    Tensor bias = randn(11, 12);
    compare("mm", device, t -> t.get(0).mm(t.get(1)), a, b);
    compare("mm with transposed operands", device, t -> t.get(1).t().mm(t.get(0).t()), a, b);
    compare("matmul", device, t -> t.get(0).matmul(t.get(1)), a, b);
    compare("linear", device, t -> F.linear(t.get(0), t.get(1), t.get(2)), a, w, bias);
    compare("linear without bias", device, t -> F.linear(t.get(0), t.get(1), null), a, w);
    Tensor big = randn(12, 130, 140);
    Tensor big2 = randn(13, 140, 150);
    compare("mm past one tile", device, t -> t.get(0).mm(t.get(1)), big, big2);
  }

  private static void softmaxAndLoss(Device device) {
    Tensor x = randn(14, 16, 10);
    compare("softmax(-1)", device, t -> t.get(0).softmax(-1), x);
    compare("logSoftmax(1)", device, t -> t.get(0).logSoftmax(1), x);
    compare("softmax(0)", device, t -> t.get(0).softmax(0), x);
    Tensor labels = Torch.randint(0, 10, 16);
    for (F.Reduction r : new F.Reduction[] {F.Reduction.MEAN, F.Reduction.SUM}) {
      Tensor xc = x.clone().requiresGrad_(true);
      Tensor xd = x.to(device).requiresGrad_(true);
      Tensor lc = F.crossEntropy(xc, labels, 0, r);
      Tensor ld = F.crossEntropy(xd, labels.to(device), 0, r);
      assertClose("crossEntropy " + r, lc, ld);
      lc.backward();
      ld.backward();
      assertClose("crossEntropy " + r + " gradient", xc.grad(), xd.grad());
    }
  }

  private static void convolution(Device device) {
    Tensor x = randn(15, 3, 2, 12, 12);
    Tensor w = randn(16, 4, 2, 5, 5);
    Tensor b = randn(17, 4);
    compare("conv2d padding 2", device, t -> F.conv2d(t.get(0), t.get(1), t.get(2), 1, 2, 1), x, w, b);
    compare("conv2d stride 2 padding 1", device, t -> F.conv2d(t.get(0), t.get(1), t.get(2), 2, 1, 1), x, w, b);
    compare("conv2d dilation 2, no bias", device, t -> F.conv2d(t.get(0), t.get(1), null, 1, 0, 2), x, w);
    compare("maxPool2d 2", device, t -> F.maxPool2d(t.get(0), 2), x);
    compare("maxPool2d 3 stride 2 padding 1", device, t -> F.maxPool2d(t.get(0), 3, 2, 1, 1, false), x);
    compare("avgPool2d 2", device, t -> F.avgPool2d(t.get(0), 2), x);
    compare("avgPool2d 3 stride 2 padding 1, ceil, pad counted", device,
        t -> F.avgPool2d(t.get(0), 3, 2, 1, true, true), x);
    compare("avgPool2d 3 stride 2 padding 1, pad not counted", device,
        t -> F.avgPool2d(t.get(0), 3, 2, 1, false, false), x);
  }

  private static void indexing(Device device) {
    Tensor a = randn(25, 5, 6);
    Tensor b = randn(26, 5, 6);
    Tensor mask = randn(27, 5, 6).gt(0);
    Tensor rowMask = randn(28, 6).gt(0);
    compare("where", device, t -> Torch.where(t.get(2), t.get(0), t.get(1)), a, b, mask);
    compare("where with a broadcast mask", device, t -> Torch.where(t.get(2), t.get(0), t.get(1)), a, b, rowMask);
    compare("maskedFill", device, t -> t.get(0).maskedFill(t.get(1), -2.5), a, mask);
    Tensor index = Torch.fromArray(new long[] {0, 4, 4, 1, 2, 3, 0, 0, 3, 1, 2, 2}, 2, 6);
    compare("gather(0)", device, t -> t.get(0).gather(0, t.get(1)), a, index);
    Tensor cols = Torch.fromArray(new long[] {5, 0, 2, 5, 1}, 5, 1);
    compare("gather(1)", device, t -> t.get(0).gather(1, t.get(1)), a, cols);
    compare("scatterAdd", device, t -> t.get(0).scatterAdd(0, t.get(1), t.get(2).narrow(0, 0, 2)), a, index, b);
    Tensor picks = Torch.fromArray(new long[] {3, 3, 0, 4}, 4);
    compare("indexSelect(0)", device, t -> t.get(0).indexSelect(0, t.get(1)), a, picks);
    compare("indexSelect(1)", device, t -> t.get(0).indexSelect(1, t.get(1)), a, picks);
    compare("min(1) values", device, t -> t.get(0).min(1).values(), a);
    assertClose("min(1) indices", a.min(1).indices(), a.to(device).min(1).indices(), 0, 0);
    compare("max(0) values (backward scatters)", device, t -> t.get(0).max(0).values(), a);
    compare("max of everything", device, t -> t.get(0).max(), a);
    compare("logSumExp", device, t -> t.get(0).logSumExp(1, false), a);
    Tensor logits = randn(29, 6, 10);
    Tensor labels = Torch.randint(0, 10, 6);
    compare("nllLoss of logSoftmax", device,
        t -> F.nllLoss(t.get(0).logSoftmax(1), t.get(1), F.Reduction.MEAN), logits, labels);
    compare("crossEntropy with label smoothing", device,
        t -> F.crossEntropy(t.get(0), t.get(1), 0.1, F.Reduction.MEAN), logits, labels);
    compare("crossEntropy without reduction", device,
        t -> F.crossEntropy(t.get(0), t.get(1), 0, F.Reduction.NONE), logits, labels);
  }

  private static void shapes(Device device) {
    Tensor a = randn(18, 4, 6);
    Tensor b = randn(19, 2, 6);
    compare("cat", device, t -> Torch.cat(List.of(t.get(0), t.get(1)), 0), a, b);
    compare("view, permute, contiguous", device, t -> t.get(0).view(2, 2, 6).permute(2, 0, 1).contiguous(), a);
    compare("narrow and select", device, t -> t.get(0).narrow(1, 1, 3).select(0, 2), a);
    compare("expand and clone", device, t -> t.get(1).narrow(0, 0, 1).expand(5, 6).clone(), a, b);
  }

  private static void training(Device device, Supplier<Module> model, int[] inputShape) {
    Module cpuModel = model.get();
    Module devModel = model.get();
    devModel.loadStateDict(cpuModel.stateDict(), true);
    List<Tensor> before = devModel.parameters();
    require(devModel.to(device) == devModel, "Module.to returns the module");
    List<Tensor> after = devModel.parameters();
    for (int i = 0; i < before.size(); i++) {
      require(before.get(i) == after.get(i), "Module.to replaced parameter object " + i);
      require(after.get(i).device().equals(device), "parameter " + i + " is on " + after.get(i).device());
    }
    SGD cpuOpt = new SGD(cpuModel.parameters(), 0.05, 0.9);
    SGD devOpt = new SGD(devModel.parameters(), 0.05, 0.9);
    Generator gen = new Generator(123);
    for (int step = 0; step < 4; step++) {
      Tensor x = Torch.randn(gen, DType.FLOAT32, inputShape);
      Tensor y = Torch.randint(0, 10, inputShape[0]);
      cpuOpt.zeroGrad();
      Tensor lc = F.crossEntropy(cpuModel.forward(x), y);
      lc.backward();
      cpuOpt.step();
      devOpt.zeroGrad();
      Tensor ld = F.crossEntropy(devModel.forward(x.to(device)), y.to(device));
      ld.backward();
      devOpt.step();
      assertClose("loss at step " + step, lc, ld, 1e-3, 1e-4);
    }
    List<Tensor> pc = cpuModel.parameters();
    List<Tensor> pd = devModel.parameters();
    for (int i = 0; i < pc.size(); i++) {
      assertClose("parameter " + i + " after 4 steps", pc.get(i), pd.get(i), 1e-3, 1e-4);
    }
  }

  private static void adam(Device device) {
    Module cpuModel = Models.mlp();
    Module devModel = Models.mlp();
    devModel.loadStateDict(cpuModel.stateDict(), true);
    devModel.to(device);
    Adam cpuOpt = new Adam(cpuModel.parameters(), 1e-3);
    Adam devOpt = new Adam(devModel.parameters(), 1e-3);
    Generator gen = new Generator(321);
    for (int step = 0; step < 3; step++) {
      Tensor x = Torch.randn(gen, DType.FLOAT32, 8, 1, 28, 28);
      Tensor y = Torch.randint(0, 10, 8);
      cpuOpt.zeroGrad();
      F.crossEntropy(cpuModel.forward(x), y).backward();
      cpuOpt.step();
      devOpt.zeroGrad();
      F.crossEntropy(devModel.forward(x.to(device)), y.to(device)).backward();
      devOpt.step();
    }
    List<Tensor> pc = cpuModel.parameters();
    List<Tensor> pd = devModel.parameters();
    for (int i = 0; i < pc.size(); i++) {
      assertClose("Adam: parameter " + i + " after 3 steps", pc.get(i), pd.get(i), 1e-3, 1e-4);
    }
  }

  private static void batchNorm(Device device) {
    BatchNorm2d cpu = new BatchNorm2d(3);
    BatchNorm2d dev = new BatchNorm2d(3);
    dev.to(device);
    Tensor x = randn(33, 4, 3, 5, 5);
    compare("BatchNorm2d in training", device, t -> (t.get(0).device().equals(device) ? dev : cpu).forward(t.get(0)), x);
    assertClose("running mean", cpu.runningMean, dev.runningMean);
    assertClose("running var", cpu.runningVar, dev.runningVar);
    cpu.eval();
    dev.eval();
    assertClose("BatchNorm2d in eval", cpu.forward(x), dev.forward(x.to(device)));
  }

  private static void bce(Device device) {
    Tensor logits = randn(24, 4, 1);
    Tensor target = Torch.fromArray(new float[] {0, 1, 1, 0}, 4, 1);
    compare("bceLoss of sigmoid", device,
        t -> F.bceLoss(t.get(0).sigmoid(), t.get(1), F.Reduction.MEAN), logits, target);
    Tensor edge = Torch.fromArray(new float[] {0f, 1f, 0.5f, 1e-30f}, 4, 1);
    compare("bceLoss at 0 and 1", device, t -> F.bceLoss(t.get(0), t.get(1), F.Reduction.SUM), edge, target);
  }

  private static void autocastBf16(Device device) {
    Tensor x = randn(22, 5, 7);
    assertClose("float32 to bfloat16", x.to(DType.BFLOAT16), x.to(device).to(DType.BFLOAT16), 0, 0);
    assertClose("bfloat16 to float32", x.to(DType.BFLOAT16).to(DType.FLOAT32),
        x.to(DType.BFLOAT16).to(device).to(DType.FLOAT32), 0, 0);
    assertClose("float32 to bfloat16 of a transposed view", x.t().to(DType.BFLOAT16),
        x.to(device).t().to(DType.BFLOAT16), 0, 0);
    Tensor p = randn(30, 33, 40).to(DType.BFLOAT16);
    Tensor q = randn(31, 40, 24).to(DType.BFLOAT16);
    assertClose("bfloat16 mm (the device's bfloat16 GEMM)", p.mm(q), p.to(device).mm(q.to(device)), 1e-2, 1e-2);
    assertClose("bfloat16 mm with a transposed operand", p.mm(q.t().contiguous().t()),
        p.to(device).mm(q.t().contiguous().t().to(device)), 1e-2, 1e-2);
    for (Supplier<Module> model : List.<Supplier<Module>>of(Models::mlp, Models::leNet)) {
      Module cpuModel = model.get();
      Module devModel = model.get();
      devModel.loadStateDict(cpuModel.stateDict(), true);
      devModel.to(device);
      Tensor in = randn(23, 4, 1, 28, 28);
      Tensor labels = Torch.randint(0, 10, 4);
      Tensor lc;
      Tensor ld;
      try (Autocast.Scope ignored = Autocast.enable(DType.BFLOAT16)) {
        lc = F.crossEntropy(cpuModel.forward(in), labels);
        ld = F.crossEntropy(devModel.forward(in.to(device)), labels.to(device));
      }
      lc.backward();
      ld.backward();
      assertClose("autocast loss", lc, ld, 2e-2, 1e-3);
      List<Tensor> pc = cpuModel.parameters();
      List<Tensor> pd = devModel.parameters();
      for (int i = 0; i < pc.size(); i++) {
        require(pd.get(i).grad().dtype() == DType.FLOAT32, "master gradients stay float32");
        assertClose("autocast gradient of parameter " + i, pc.get(i).grad(), pd.get(i).grad(), 5e-2, 2e-3);
      }
    }
  }

  private static void autocastFp16(Device device) {
    Tensor x = randn(32, 5, 7).mul(1000);
    assertClose("float32 to float16 (with overflow to inf)", x.mul(100).to(DType.FLOAT16),
        x.mul(100).to(device).to(DType.FLOAT16), 0, 0);
    assertClose("float16 to float32", x.to(DType.FLOAT16).to(DType.FLOAT32),
        x.to(DType.FLOAT16).to(device).to(DType.FLOAT32), 0, 0);
    Module cpuModel = Models.mlp();
    Module devModel = Models.mlp();
    devModel.loadStateDict(cpuModel.stateDict(), true);
    devModel.to(device);
    SGD cpuOpt = new SGD(cpuModel.parameters(), 0.05, 0.9);
    SGD devOpt = new SGD(devModel.parameters(), 0.05, 0.9);
    GradScaler cpuScaler = new GradScaler();
    GradScaler devScaler = new GradScaler();
    Generator gen = new Generator(77);
    for (int step = 0; step < 3; step++) {
      Tensor in = Torch.randn(gen, DType.FLOAT32, 8, 1, 28, 28);
      Tensor labels = Torch.randint(0, 10, 8);
      Tensor lc;
      Tensor ld;
      cpuOpt.zeroGrad();
      devOpt.zeroGrad();
      try (Autocast.Scope ignored = Autocast.enable(DType.FLOAT16)) {
        lc = F.crossEntropy(cpuModel.forward(in), labels);
        ld = F.crossEntropy(devModel.forward(in.to(device)), labels.to(device));
      }
      cpuScaler.scale(lc).backward();
      devScaler.scale(ld).backward();
      cpuScaler.step(cpuOpt);
      devScaler.step(devOpt);
      cpuScaler.update();
      devScaler.update();
      assertClose("fp16 autocast loss at step " + step, lc, ld, 2e-2, 1e-3);
    }
    require(cpuScaler.getScale() == devScaler.getScale(), "the loss scales differ: " + cpuScaler.getScale() + " and "
        + devScaler.getScale());
    List<Tensor> pc = cpuModel.parameters();
    List<Tensor> pd = devModel.parameters();
    for (int i = 0; i < pc.size(); i++) {
      assertClose("fp16 autocast: parameter " + i + " after 3 steps", pc.get(i), pd.get(i), 2e-2, 1e-3);
    }
  }

  private static void errors(Device device) {
    Tensor d = randn(20, 3).to(device);
    Tensor c = randn(21, 3);
    try {
      d.add(c);
      throw new AssertionError("adding a " + device + " tensor and a CPU tensor did not fail");
    } catch (IllegalArgumentException e) {
      require(e.getMessage().contains("expected all tensors to be on the same device"),
          "unexpected message: " + e.getMessage());
    }
    assertClose("a 0-dim CPU tensor goes with any device", c.add(Torch.scalar(2)), c.to(device).add(Torch.scalar(2)));
  }
}
