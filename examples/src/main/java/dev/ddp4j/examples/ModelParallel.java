package dev.ddp4j.examples;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.nn.Linear;
import dev.ddp4j.tensor.nn.MSELoss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.nn.ReLU;
import dev.ddp4j.tensor.optim.SGD;

/**
 * Model parallelism: the two halves of a model live on two devices and {@code forward} moves the
 * activations between them. The Java twin of the seeds' two-GPU toy model:
 *
 * <pre>{@code
 * class ToyModel(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.net1 = nn.Linear(10, 10).to('cuda:0'); self.relu = nn.ReLU()
 *         self.net2 = nn.Linear(10, 5).to('cuda:1')
 *     def forward(self, x):
 *         x = self.relu(self.net1(x.to('cuda:0')))
 *         return self.net2(x.to('cuda:1'))
 * model = ToyModel(); loss_fn = nn.MSELoss(); optimizer = optim.SGD(model.parameters(), lr=0.001)
 * optimizer.zero_grad()
 * outputs = model(torch.randn(20, 10))
 * labels = torch.randn(20, 5).to('cuda:1')
 * loss_fn(outputs, labels).backward()
 * optimizer.step()
 * }</pre>
 *
 * <p>Run: {@code ModelParallel [--devices first,second] [--steps 200] [--lr 0.05]}. By default the halves
 * go where this host allows: two CUDA devices, one CUDA device and the CPU, or (no GPU) the CPU twice,
 * where the example shows the structure only. Activations move forward with {@code to(...)} and their
 * gradients move back the same way in backward; each optimizer step updates each half where it lives.
 */
public final class ModelParallel {
  private ModelParallel() {}

  /** The toy model with its halves on {@code first} and {@code second}. */
  static final class ToyModel extends Module {
    final Linear net1 = new Linear(10, 10);
    final ReLU relu = new ReLU();
    final Linear net2 = new Linear(10, 5);
    final Device first;
    final Device second;

    ToyModel(Device first, Device second) {
      this.first = first;
      this.second = second;
      registerModule("net1", net1);
      registerModule("relu", relu);
      registerModule("net2", net2);
      net1.to(first);
      net2.to(second);
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor h = relu.forward(net1.forward(x.to(first)));
      return net2.forward(h.to(second));
    }
  }

  public static void main(String[] args) {
    run(args);
  }

  /** Trains on one fixed random batch and returns the losses of the first and last step. */
  public static double[] run(String... args) {
    Args options = Args.parse(args, "--devices", "--steps", "--lr");
    Device[] devices = devices(options.getString("--devices", "auto"));
    int steps = options.getInt("--steps", 200);
    double lr = options.getDouble("--lr", 0.05);
    Torch.manualSeed(0);
    ToyModel model = new ToyModel(devices[0], devices[1]);
    MSELoss lossFn = new MSELoss();
    SGD optimizer = new SGD(model.parameters(), lr);
    Generator gen = new Generator(1);
    Tensor inputs = Torch.randn(gen, dev.ddp4j.tensor.DType.FLOAT32, 20, 10);
    Tensor labels = Torch.randn(gen, dev.ddp4j.tensor.DType.FLOAT32, 20, 5).to(devices[1]);
    System.out.println("net1 on " + devices[0] + ", net2 on " + devices[1]);
    double first = Double.NaN;
    double last = Double.NaN;
    for (int step = 0; step < steps; step++) {
      optimizer.zeroGrad();
      Tensor loss = lossFn.forward(model.forward(inputs), labels);
      loss.backward();
      optimizer.step();
      last = loss.item();
      if (step == 0) {
        first = last;
      }
      if (step % 50 == 0 || step == steps - 1) {
        System.out.printf("step %3d  loss %.4f%n", step, last);
      }
    }
    return new double[] {first, last};
  }

  /** {@code auto}, or two comma-separated devices ({@code cpu}, {@code cuda}, {@code cuda:N}). */
  static Device[] devices(String spec) {
    if (!spec.equals("auto")) {
      String[] parts = spec.split(",");
      if (parts.length != 2) {
        throw new IllegalArgumentException("--devices needs two devices, e.g. cuda:0,cpu; got '" + spec + "'");
      }
      return new Device[] {Device.parse(parts[0].trim()), Device.parse(parts[1].trim())};
    }
    int gpus = Backends.availability(Device.Type.CUDA).available()
        ? Backends.availability(Device.Type.CUDA).deviceCount() : 0;
    if (gpus >= 2) {
      return new Device[] {Device.cuda(0), Device.cuda(1)};
    }
    return gpus == 1 ? new Device[] {Device.cuda(0), Device.CPU} : new Device[] {Device.CPU, Device.CPU};
  }
}
