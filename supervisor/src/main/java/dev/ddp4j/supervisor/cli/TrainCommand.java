package dev.ddp4j.supervisor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Threads;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.FashionMnist;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.io.SafeTensors;
import dev.ddp4j.tensor.models.Models;
import dev.ddp4j.tensor.nn.BCELoss;
import dev.ddp4j.tensor.nn.CrossEntropyLoss;
import dev.ddp4j.tensor.nn.Loss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Adam;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.optim.RMSprop;
import dev.ddp4j.tensor.optim.SGD;
import dev.ddp4j.tensor.train.Trainer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ddp4j train}: trains one of the seeds' models in this process (one rank, or N ranks with
 * {@code --ranks}, see {@link DistributedTrain}) and reports test
 * accuracy; optional JSON-lines metrics and a safetensors checkpoint of the trained weights.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train a model on Fashion-MNIST (or XOR): in this process, or data-parallel with --ranks N "
        + "(one JVM per rank, or rank actors of this JVM with --in-process)."})
public final class TrainCommand implements Callable<Integer> {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** Models and the defaults that make each converge. */
  enum ModelKind {
    MLP(3, 0.01), CNN(1, 0.05), XOR(2000, 0.5), LOGREG(3, 0.01);

    final int defaultEpochs;
    final double defaultLr;

    ModelKind(int defaultEpochs, double defaultLr) {
      this.defaultEpochs = defaultEpochs;
      this.defaultLr = defaultLr;
    }
  }

  enum OptimizerKind { SGD, RMSPROP, ADAM }

  @Option(names = "--model", description = "mlp, cnn, xor or logreg (default: ${DEFAULT-VALUE})",
      defaultValue = "mlp", converter = ModelConverter.class)
  ModelKind model;

  @Option(names = "--epochs", description = "epochs (default: 3 for mlp/logreg, 1 for cnn, 2000 for xor)")
  Integer epochs;

  @Option(names = "--batch-size", description = "batch size (default: ${DEFAULT-VALUE}; xor uses all 4 rows)",
      defaultValue = "64")
  int batchSize;

  @Option(names = "--lr", description = "learning rate (default: 0.01 for mlp/logreg, 0.05 for cnn, 0.5 for xor)")
  Double lr;

  @Option(names = "--momentum", description = "SGD/RMSprop momentum (default: ${DEFAULT-VALUE})",
      defaultValue = "0.9")
  double momentum;

  @Option(names = "--optimizer", description = "sgd, rmsprop or adam (default: ${DEFAULT-VALUE})",
      defaultValue = "sgd", converter = OptimizerConverter.class)
  OptimizerKind optimizer;

  @Option(names = "--seed", description = "random seed for weights and shuffling (default: ${DEFAULT-VALUE})",
      defaultValue = "0")
  long seed;

  @Option(names = "--threads", description = "intra-op threads (default: all cores)")
  Integer threads;

  @Option(names = "--data-dir", description = "directory of the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE})",
      defaultValue = "/usr/share/datasets/fashion-mnist")
  Path dataDir;

  @Option(names = "--train-limit", description = "use only the first N training examples (default: all)")
  Integer trainLimit;

  @Option(names = "--test-limit", description = "use only the first N test examples (default: all)")
  Integer testLimit;

  @Option(names = "--metrics", description = "write JSON lines (one per epoch, then a 'done' line) to this file")
  Path metrics;

  @Option(names = "--save", description = "save the trained weights (safetensors) to this file")
  Path save;

  @Option(names = "--device", description = "cpu (default) or cuda[:N]: train on CUDA GPUs (float32, or --amp bf16|fp16; "
      + "with --ranks, rank r uses GPU r mod the GPUs on its host)",
      defaultValue = "cpu")
  String device;

  @Option(names = "--no-progress", description = "do not draw progress bars")
  boolean noProgress;

  @Option(names = "--amp", paramLabel = "bf16|fp16",
      description = "mixed precision: matmul/conv in bf16 or fp16 under autocast, float32 master weights "
          + "(fp16 with dynamic loss scaling)")
  String amp;

  @Option(names = "--ranks", paramLabel = "N", defaultValue = "1",
      description = "data-parallel ranks (DDP); --batch-size is per rank (default: ${DEFAULT-VALUE})")
  int ranks;

  @Option(names = "--in-process", description = "run the ranks as rank actors of this JVM instead of one JVM each")
  boolean inProcess;

  @Option(names = "--no-warmup", description = "do not warm the JIT with throwaway steps on a scratch model while "
      + "the training data loads (one process) or the rank JVMs form their ring (--ranks N across JVMs)")
  boolean noWarmup;

  @Option(names = "--child-rank", hidden = true, defaultValue = "-1")
  int childRank;

  @Option(names = "--seed-port", hidden = true, defaultValue = "0")
  int seedPort;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Device dev = checkDevice();
    if (batchSize <= 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--batch-size must be positive, got " + batchSize);
    }
    if (threads != null && threads < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
    }
    if (ranks < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--ranks must be >= 1, got " + ranks);
    }
    DType ampDtype = ampDtype();
    if (ranks > 1 || inProcess) {
      if (model == ModelKind.XOR) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "--ranks/--in-process train a Fashion-MNIST model (mlp, cnn or logreg), not xor's 4 rows");
      }
      return new DistributedTrain(this).run();
    }
    if (threads != null) {
      Threads.setNumThreads(threads);
    }
    int epochCount = epochCount();
    double learningRate = learningRate();
    // The warm-up's scratch model is made before seeding, so that the run's own draws stay what the seed gives.
    boolean warm = !noWarmup && model != ModelKind.XOR && dev.equals(Device.CPU);
    Module scratch = warm ? newModel() : null;
    Torch.manualSeed(seed);
    Module net = newModel();
    Loss loss = newLoss();
    Optimizer opt = newOptimizer(net.parameters());
    // The test set (small) first: the warm-up steps on its first batch while the training set loads.
    TensorDataset test = testSet();
    JitWarmup warmup = JitWarmup.start(!warm || test.size() == 0,
        () -> new Trainer(scratch, newLoss(), newOptimizer(scratch.parameters())).amp(ampDtype),
        () -> {
          int n = Math.min(batchSize, test.size());
          return new Tensor[] {test.inputs().narrow(0, 0, n).contiguous(), test.targets().narrow(0, 0, n).contiguous()};
        },
        "the training data loaded");
    TensorDataset train;
    try {
      train = trainSet();
    } finally {
      warmup.finish();
    }
    int batch = model == ModelKind.XOR ? 4 : batchSize;
    out.printf(Locale.ROOT, "training %s on %d examples (test %d), %d epochs, batch %d, %s lr %s, %d threads%s%n",
        model.name().toLowerCase(Locale.ROOT), train.size(), test.size(), epochCount, batch,
        optimizer.name().toLowerCase(Locale.ROOT), learningRate, Threads.getNumThreads(),
        ampDtype == null ? "" : ", autocast " + ampDtype);
    ObjectMapper json = new ObjectMapper();
    Trainer trainer = new Trainer(net, loss, opt).amp(ampDtype).device(dev);
    long start = System.nanoTime();
    long samples = 0;
    double trainSeconds = 0;
    Trainer.Evaluation eval = null;
    boolean quietEpochs = model == ModelKind.XOR;
    try (DataLoader trainLoader = DataLoader.builder(train).batchSize(batch).shuffle(true).seed(seed).build();
        DataLoader testLoader = DataLoader.builder(test).batchSize(Math.max(batch, 256)).build();
        BufferedWriter metricsOut = metrics == null ? null : Files.newBufferedWriter(metrics, StandardCharsets.UTF_8)) {
      for (int epoch = 1; epoch <= epochCount; epoch++) {
        Trainer.EpochStats stats;
        boolean bar = !noProgress && !quietEpochs;
        try (ProgressBar pb = bar ? progressBar(epoch, epochCount, trainLoader.numBatches()) : null) {
          stats = trainer.trainEpoch(trainLoader, epoch - 1, step -> {
            if (pb != null) {
              pb.step();
              if (step.step() % 20 == 0 || step.step() == step.stepsInEpoch()) {
                pb.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", step.loss()));
              }
            }
          });
        }
        samples += stats.samples();
        trainSeconds += stats.seconds();
        boolean last = epoch == epochCount;
        if (quietEpochs && !last && epoch % 500 != 0) {
          continue;
        }
        eval = trainer.evaluate(testLoader);
        out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, test loss %.4f, test accuracy %.4f, %.0f samples/s, "
            + "%.2f s%n", epoch, epochCount, stats.trainLoss(), eval.loss(), eval.accuracy(), stats.samplesPerSec(),
            stats.seconds());
        if (metricsOut != null) {
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("event", "epoch");
          line.put("epoch", epoch);
          line.put("world_size", 1);
          line.put("train_loss", stats.trainLoss());
          line.put("test_loss", eval.loss());
          line.put("test_accuracy", eval.accuracy());
          line.put("samples_per_sec", stats.samplesPerSec());
          line.put("epoch_seconds", stats.seconds());
          line.put("steps", stats.steps());
          metricsOut.write(json.writeValueAsString(line));
          metricsOut.newLine();
          metricsOut.flush();
        }
      }
      double total = (System.nanoTime() - start) / 1e9;
      out.printf(Locale.ROOT, "test accuracy: %.4f (%d examples); %.0f samples/s over %d epochs%n", eval.accuracy(),
          eval.samples(), samples / trainSeconds, epochCount);
      if (save != null) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("ddp4j.model", model.name().toLowerCase(Locale.ROOT));
        meta.put("ddp4j.epochs", Integer.toString(epochCount));
        meta.put("ddp4j.test_accuracy", Double.toString(eval.accuracy()));
        SafeTensors.save(net.stateDict(), meta, save);
        out.println("saved weights to " + save);
      }
      if (metricsOut != null) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "done");
        line.put("model", model.name().toLowerCase(Locale.ROOT));
        line.put("world_size", 1);
        line.put("epochs", epochCount);
        line.put("test_loss", eval.loss());
        line.put("test_accuracy", eval.accuracy());
        line.put("samples_per_sec", samples / trainSeconds);
        line.put("total_seconds", total);
        line.put("threads", Threads.getNumThreads());
        metricsOut.write(json.writeValueAsString(line));
        metricsOut.newLine();
      }
    }
    return 0;
  }

  /**
   * The device of {@code --device}: the CPU, or a CUDA device that the probe found (ddp4j-gpu), refused with
   * the probe's reason otherwise. What this build cannot do on a GPU is refused here, before any work.
   */
  private Device checkDevice() {
    Device dev;
    try {
      dev = Device.parse(device);
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--device: " + e.getMessage());
    }
    if (dev.type() == Device.Type.CPU) {
      return dev;
    }
    try {
      Backends.require(dev);
    } catch (IllegalStateException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--device " + device + " is not available: " + e.getMessage());
    }
    return dev;
  }

  /** The autocast dtype of {@code --amp}, or null without it. */
  DType ampDtype() {
    if (amp == null) {
      return null;
    }
    return switch (amp.toLowerCase(Locale.ROOT)) {
      case "bf16", "bfloat16" -> DType.BFLOAT16;
      case "fp16", "float16" -> DType.FLOAT16;
      default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--amp must be bf16 or fp16, got '" + amp + "'");
    };
  }

  int epochCount() {
    return epochs != null ? epochs : model.defaultEpochs;
  }

  double learningRate() {
    return lr != null ? lr : model.defaultLr;
  }

  String modelName() {
    return model.name().toLowerCase(Locale.ROOT);
  }

  Module newModel() {
    return Models.byName(model.name());
  }

  Loss newLoss() {
    return model == ModelKind.XOR ? new BCELoss() : new CrossEntropyLoss();
  }

  Optimizer newOptimizer(java.util.List<Tensor> params) {
    double learningRate = learningRate();
    return switch (optimizer) {
      case SGD -> new SGD(params, learningRate, momentum);
      case RMSPROP -> new RMSprop(params, learningRate, 0.99, 1e-8, 0, momentum, false);
      case ADAM -> new Adam(params, learningRate);
    };
  }

  TensorDataset trainSet() throws IOException {
    if (model == ModelKind.XOR) {
      Tensor[] xy = Trainer.xorData();
      return new TensorDataset(xy[0], xy[1]);
    }
    return FashionMnist.load(dataDir, true, trainLimit == null ? Integer.MAX_VALUE : trainLimit);
  }

  TensorDataset testSet() throws IOException {
    if (model == ModelKind.XOR) {
      return trainSet();
    }
    return FashionMnist.load(dataDir, false, testLimit == null ? Integer.MAX_VALUE : testLimit);
  }

  static ProgressBar progressBar(int epoch, int epochs, int steps) {
    return new ProgressBarBuilder()
        .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
        .setInitialMax(steps)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(200)
        .continuousUpdate()
        .clearDisplayOnFinish()
        .build();
  }

  /** Case-insensitive enum option values; an unknown value names every accepted one. */
  abstract static class LowerCaseEnumConverter<E extends Enum<E>> implements picocli.CommandLine.ITypeConverter<E> {
    private final Class<E> type;

    LowerCaseEnumConverter(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      for (E e : type.getEnumConstants()) {
        if (e.name().equalsIgnoreCase(value)) {
          return e;
        }
      }
      java.util.List<String> names = new java.util.ArrayList<>();
      for (E e : type.getEnumConstants()) {
        names.add(e.name().toLowerCase(Locale.ROOT));
      }
      String last = names.remove(names.size() - 1);
      throw new picocli.CommandLine.TypeConversionException(
          "expected " + String.join(", ", names) + " or " + last + ", got '" + value + "'");
    }
  }

  static final class ModelConverter extends LowerCaseEnumConverter<ModelKind> {
    ModelConverter() {
      super(ModelKind.class);
    }
  }

  static final class OptimizerConverter extends LowerCaseEnumConverter<OptimizerKind> {
    OptimizerConverter() {
      super(OptimizerKind.class);
    }
  }
}
