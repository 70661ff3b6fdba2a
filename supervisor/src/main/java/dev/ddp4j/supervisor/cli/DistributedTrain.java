package dev.ddp4j.supervisor.cli;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.ddp4j.actors.DistributedTraining;
import dev.ddp4j.actors.TrainingEvent;
import dev.ddp4j.actors.TrainingHandle;
import dev.ddp4j.actors.TrainingSpec;
import dev.ddp4j.exchange.collective.RingNode;
import dev.ddp4j.exchange.ddp.DdpOptions;
import dev.ddp4j.supervisor.ChildJvm;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Threads;
import dev.ddp4j.tensor.data.DataLoader;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.io.SafeTensors;
import dev.ddp4j.tensor.nn.Loss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.train.Trainer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;

/**
 * {@code ddp4j train --ranks N}: data-parallel training of N ranks, as {@code torchrun
 * --nproc_per_node N} runs a DDP script. With {@code --in-process} the ranks are rank actors of this
 * JVM (each on its own compute thread with its share of the cores, buffers passed by reference);
 * otherwise this JVM is rank 0 and starts ranks 1..N-1 as JVMs on 127.0.0.1 with its own classpath
 * and flags; they form one ring through {@link RingNode} and each runs its rank actor as a member of
 * that group. Rank 0 draws the progress, evaluates the test set after each epoch, writes the metrics
 * and saves the weights; the other ranks log to files named in their failures.
 */
final class DistributedTrain {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DistributedTrain.class);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CHILD_EXIT_TIMEOUT = Duration.ofSeconds(60);
  private static final int EVAL_BATCH = 256;

  private final TrainCommand cmd;
  private final PrintStream out = System.out;

  DistributedTrain(TrainCommand cmd) {
    this.cmd = cmd;
  }

  /** Intra-op threads of each rank: {@code --threads}, else an equal share of the cores. */
  int threadsPerRank() {
    if (cmd.threads != null) {
      return cmd.threads;
    }
    return Math.max(1, Runtime.getRuntime().availableProcessors() / cmd.ranks);
  }

  /** Runs the job; in a child JVM ({@code --child-rank}) runs that rank only. */
  int run() throws Exception {
    if (cmd.childRank >= 0) {
      return runChild();
    }
    // Rank JVMs start first, so that they load the data and start up while this JVM does the same.
    try (Launched launched = cmd.inProcess ? null : launchChildren()) {
      return runRankZero(launched);
    }
  }

  private int runRankZero(Launched launched) throws Exception {
    int epochs = cmd.epochCount();
    double lr = cmd.learningRate();
    Job job = new Job(cmd);
    out.printf(Locale.ROOT, "training %s with %d ranks (%s) on %d examples (test %d), %d epochs, batch %d per rank "
            + "(%d global), %s lr %s, %d threads per rank%s%n",
        cmd.modelName(), cmd.ranks, cmd.inProcess ? "one JVM" : "one JVM each", job.train.size(), job.test.size(),
        epochs, cmd.batchSize, cmd.batchSize * cmd.ranks, cmd.optimizer.name().toLowerCase(Locale.ROOT), lr,
        threadsPerRank(), cmd.ampDtype() == null ? "" : ", autocast " + cmd.ampDtype());
    Reporter reporter = new Reporter(job, epochs);
    Map<String, Tensor> weights;
    long start = System.nanoTime();
    try {
      if (cmd.inProcess) {
        weights = runInProcess(job, reporter);
      } else {
        weights = runAcrossJvms(job, reporter, launched);
      }
      double total = (System.nanoTime() - start) / 1e9;
      reporter.closeBar();
      reporter.finish(weights, total);
    } finally {
      reporter.close();
    }
    return 0;
  }

  /** Rank JVMs 1..N-1, the port rank 0 will seed the ring on, and where their logs go; closing kills what runs. */
  private record Launched(int port, Path logs, List<ChildJvm> children) implements AutoCloseable {
    @Override
    public void close() {
      children.forEach(ChildJvm::close);
    }
  }

  private Launched launchChildren() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path logs = Files.createTempDirectory("ddp4j-train-");
    List<ChildJvm> children = new ArrayList<>();
    Launched launched = new Launched(port, logs, children);
    try {
      // The children parse the same options (and so share the default threads per rank of this host).
      List<String> args = new ArrayList<>(cmd.spec.commandLine().getParseResult().originalArgs());
      if (args.isEmpty() || !args.get(0).equals("train")) {
        args.add(0, "train"); // parsed by the train command itself (tests), not through Main
      }
      args.addAll(List.of("--seed-port", String.valueOf(port)));
      if (!cmd.noProgress) {
        args.add("--no-progress");
      }
      for (int r = 1; r < cmd.ranks; r++) {
        List<String> rankArgs = new ArrayList<>(args);
        rankArgs.addAll(List.of("--child-rank", String.valueOf(r)));
        children.add(ChildJvm.start("rank " + r, ChildJvm.inheritedJvmFlags(null), ChildJvm.classPath(),
            Main.class.getName(), rankArgs, logs.resolve("rank-" + r + ".log")));
      }
    } catch (IOException | RuntimeException e) {
      launched.close();
      throw e;
    }
    return launched;
  }

  private Map<String, Tensor> runInProcess(Job job, Reporter reporter) throws Exception {
    Config config = ConfigFactory.parseString("akka.loglevel = WARNING\nakka.log-dead-letters = off")
        .withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "ddp4j-train", config);
    try {
      TrainingSpec spec = job.spec(cmd, threadsPerRank()).withProgress(reporter.listener(system))
          .withEvaluator(job.evaluator());
      TrainingHandle run = DistributedTraining.start(system, spec, "train");
      return await(run, reporter);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }

  private Map<String, Tensor> runAcrossJvms(Job job, Reporter reporter, Launched launched) throws Exception {
    int port = launched.port();
    Path logs = launched.logs();
    List<ChildJvm> children = launched.children();
    Map<String, Tensor> weights;
    try {
      Threads.setNumThreads(threadsPerRank());
      JitWarmup warmup = warmup(job, cmd);
      RingNode joined;
      try {
        joined = joinWatching(port, children);
      } finally {
        warmup.finish();
      }
      try (RingNode node = joined) {
        TrainingSpec spec = job.spec(cmd, 0).withProgress(reporter.listener(node.system()))
            .withEvaluator(job.evaluator());
        weights = await(DistributedTraining.startMember(node.system(), spec, 0, node.collective(), "train"), reporter);
      }
      for (ChildJvm child : children) {
        int code = child.waitFor(CHILD_EXIT_TIMEOUT);
        if (code != 0) {
          throw new IllegalStateException(child.name() + " exited with " + code + "; see " + child.log());
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException(e.getMessage() + " (logs of ranks 1.." + (cmd.ranks - 1) + " in " + logs + ")",
          e);
    } finally {
      children.forEach(ChildJvm::close);
    }
    return weights;
  }

  /** Forms the ring as rank 0, failing at once (with the child's last words) if a child JVM exits first. */
  private RingNode joinWatching(int port, List<ChildJvm> children) throws Exception {
    CompletableFuture<RingNode> joining = CompletableFuture.supplyAsync(() -> {
      try {
        return RingNode.start(0, cmd.ranks, "127.0.0.1", port, port, ringConfig(), JOIN_TIMEOUT);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    while (true) {
      try {
        return joining.get(200, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        for (ChildJvm child : children) {
          if (!child.process().isAlive()) {
            List<ChildJvm.Line> lines = child.lines();
            String lastWords = lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1).text();
            joining.thenAccept(RingNode::close);
            throw new IllegalStateException(child.name() + " exited with " + child.process().exitValue()
                + " before the ring formed: " + lastWords);
          }
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception x ? x : e;
      }
    }
  }

  /** A rank JVM started by {@link #runAcrossJvms}: joins the ring and trains its shard, reporting nothing. */
  private int runChild() throws Exception {
    Job job = new Job(cmd);
    Threads.setNumThreads(threadsPerRank());
    JitWarmup warmup = warmup(job, cmd);
    RingNode joined;
    try {
      joined = RingNode.start(cmd.childRank, cmd.ranks, "127.0.0.1", 0, cmd.seedPort, ringConfig(), JOIN_TIMEOUT);
    } finally {
      warmup.finish();
    }
    try (RingNode node = joined) {
      TrainingHandle run = DistributedTraining.startMember(node.system(), job.spec(cmd, 0), cmd.childRank,
          node.collective(), "train");
      run.result().toCompletableFuture().get();
      System.out.println("rank " + cmd.childRank + ": finished");
    }
    return 0;
  }

  /** Scratch steps on this JVM's own model while the ring forms (seconds of cluster rendezvous with idle cores). */
  private static JitWarmup warmup(Job job, TrainCommand cmd) {
    return JitWarmup.start(cmd.noWarmup, () -> {
      Module model = cmd.newModel();
      return new Trainer(model, job.loss.get(), cmd.newOptimizer(model.parameters())).amp(job.amp);
    }, () -> {
      int n = Math.min(cmd.batchSize, job.train.size());
      return new Tensor[] {job.train.inputs().narrow(0, 0, n).contiguous(), job.train.targets().narrow(0, 0, n)
          .contiguous()};
    }, "the ring formed");
  }

  private static Config ringConfig() {
    return ConfigFactory.parseString("akka.loglevel = WARNING\nakka.log-dead-letters = off");
  }

  /** Waits for the run; a failure becomes an exception naming the rank, step and cause. */
  private static Map<String, Tensor> await(TrainingHandle run, Reporter reporter) throws Exception {
    try {
      Map<String, Tensor> weights = run.result().toCompletableFuture().get();
      reporter.done.get();
      return weights;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException("training failed: " + cause.getMessage(), cause);
    }
  }

  /** The data, the initial weights and the factories of one job, the same in every rank's JVM. */
  static final class Job {
    final TensorDataset train;
    final TensorDataset test;
    final Map<String, Tensor> initialWeights;
    final String model;
    final Supplier<Loss> loss;
    final dev.ddp4j.tensor.DType amp;

    Job(TrainCommand cmd) throws IOException {
      this.amp = cmd.ampDtype();
      this.model = cmd.modelName();
      this.train = cmd.trainSet();
      this.test = cmd.testSet();
      // Every rank starts from rank 0's weights anyway (DDP broadcasts them); making them here, seeded,
      // keeps a run reproducible however the ranks' factories interleave.
      dev.ddp4j.tensor.Torch.manualSeed(cmd.seed);
      this.initialWeights = cmd.newModel().stateDict();
      this.loss = cmd::newLoss;
    }

    TrainingSpec spec(TrainCommand cmd, int threadsPerRank) {
      Supplier<Module> factory = () -> {
        Module m = cmd.newModel();
        m.loadStateDict(initialWeights, true);
        return m;
      };
      Function<List<Tensor>, Optimizer> optimizer = cmd::newOptimizer;
      return new TrainingSpec(factory, optimizer, loss, train, cmd.ranks, cmd.batchSize, cmd.epochCount(), cmd.seed,
          DdpOptions.defaults(), null, threadsPerRank, null, amp).withDevice(Device.parse(cmd.device));
    }

    TrainingSpec.EpochEvaluator evaluator() {
      return (m, epoch) -> {
        try (DataLoader loader = DataLoader.builder(test).batchSize(EVAL_BATCH).build()) {
          Device on = m.parameters().isEmpty() ? Device.CPU : m.parameters().get(0).device();
          Trainer.Evaluation e = new Trainer(m, loss.get(), null).amp(amp).device(on).evaluate(loader);
          return Map.of("test_loss", e.loss(), "test_accuracy", e.accuracy(), "test_samples", (double) e.samples());
        }
      };
    }
  }

  /** Rank 0's view: progress bar, epoch lines with the step timeline, metrics, checkpoint. */
  private final class Reporter implements AutoCloseable {
    private final Job job;
    private final int epochs;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final ObjectMapper json = new ObjectMapper();
    private final BufferedWriter metrics;
    private final List<TrainingEvent.StepTimeline> timelines = new ArrayList<>();
    private ProgressBar bar;
    private int barEpoch = -1;
    private long samples;
    private double trainSeconds;
    private TrainingEvent.EpochCompleted last;

    Reporter(Job job, int epochs) throws IOException {
      this.job = job;
      this.epochs = epochs;
      this.metrics = cmd.metrics == null ? null : Files.newBufferedWriter(cmd.metrics, StandardCharsets.UTF_8);
    }

    ActorRef<TrainingEvent> listener(ActorSystem<?> system) {
      return system.systemActorOf(Behaviors.receiveMessage(e -> {
        try {
          onEvent(e);
        } catch (IOException | RuntimeException x) {
          done.completeExceptionally(x);
        }
        return Behaviors.same();
      }), "train-progress", Props.empty());
    }

    private void onEvent(TrainingEvent e) throws IOException {
      if (e instanceof TrainingEvent.StepCompleted s) {
        if (!cmd.noProgress && barEpoch != s.epoch()) {
          closeBar();
          barEpoch = s.epoch();
          long perRank = (job.train.size() + cmd.ranks - 1) / cmd.ranks; // the sampler pads to equal shards
          bar = TrainCommand.progressBar(s.epoch() + 1, epochs, (int) ((perRank + cmd.batchSize - 1) / cmd.batchSize));
        }
        if (bar != null) {
          bar.step();
          if (s.step() % 20 == 0) {
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", s.loss()));
          }
        }
        timelines.add(s.timeline());
      } else if (e instanceof TrainingEvent.EpochCompleted ep) {
        closeBar();
        onEpoch(ep);
      } else if (e instanceof TrainingEvent.Finished) {
        done.complete(null);
      } else if (e instanceof TrainingEvent.Failed f) {
        done.completeExceptionally(new IllegalStateException(f.reason()));
      }
    }

    private void onEpoch(TrainingEvent.EpochCompleted ep) throws IOException {
      last = ep;
      samples += ep.samples();
      trainSeconds += ep.seconds();
      double[] t = medianTimeline();
      timelines.clear();
      double hidden = t[5] > 0 ? Math.max(0, 1 - t[3] / t[5]) : 0;
      out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, test loss %.4f, test accuracy %.4f, %.0f samples/s, "
          + "%.2f s%n", ep.epoch() + 1, epochs, ep.trainLoss(), ep.evaluation().get("test_loss"),
          ep.evaluation().get("test_accuracy"), ep.samplesPerSec(), ep.seconds());
      out.printf(Locale.ROOT, "  step (median ms, slowest rank): data %.2f, forward %.2f, backward %.2f, "
          + "exposed comm %.2f, optimizer %.2f; allreduce %.2f of which %.0f%% hidden under backward%n",
          t[0], t[1], t[2], t[3], t[4], t[5], 100 * hidden);
      if (metrics != null) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "epoch");
        line.put("epoch", ep.epoch() + 1);
        line.put("world_size", cmd.ranks);
        line.put("train_loss", ep.trainLoss());
        line.put("test_loss", ep.evaluation().get("test_loss"));
        line.put("test_accuracy", ep.evaluation().get("test_accuracy"));
        line.put("samples_per_sec", ep.samplesPerSec());
        line.put("epoch_seconds", ep.seconds());
        line.put("steps", ep.steps());
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("data", t[0]);
        step.put("forward", t[1]);
        step.put("backward", t[2]);
        step.put("exposed_comm", t[3]);
        step.put("optimizer", t[4]);
        step.put("allreduce", t[5]);
        line.put("step_ms_median", step);
        line.put("comm_hidden_fraction", hidden);
        metrics.write(json.writeValueAsString(line));
        metrics.newLine();
        metrics.flush();
      }
    }

    /** Medians over the epoch's steps (the first excluded when there are more: it warms the JIT). */
    private double[] medianTimeline() {
      List<TrainingEvent.StepTimeline> ts = timelines.size() > 1 ? timelines.subList(1, timelines.size()) : timelines;
      double[] m = new double[6];
      double[] v = new double[ts.size()];
      for (int k = 0; k < 6; k++) {
        for (int i = 0; i < v.length; i++) {
          TrainingEvent.StepTimeline t = ts.get(i);
          v[i] = switch (k) {
            case 0 -> t.dataMillis();
            case 1 -> t.forwardMillis();
            case 2 -> t.backwardMillis();
            case 3 -> t.exposedCommMillis();
            case 4 -> t.optimizerMillis();
            default -> t.communicationMillis();
          };
        }
        Arrays.sort(v);
        m[k] = v.length == 0 ? 0 : v[v.length / 2];
      }
      return m;
    }

    void closeBar() {
      if (bar != null) {
        bar.close();
        bar = null;
      }
    }

    @Override
    public void close() throws IOException {
      closeBar();
      if (metrics != null) {
        metrics.close();
      }
    }

    void finish(Map<String, Tensor> weights, double totalSeconds) throws IOException {
      double accuracy = last.evaluation().get("test_accuracy");
      out.printf(Locale.ROOT, "test accuracy: %.4f (%d examples); %.0f samples/s over %d epochs, %d ranks%n", accuracy,
          job.test.size(), samples / trainSeconds, epochs, cmd.ranks);
      if (cmd.save != null) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("ddp4j.model", job.model);
        meta.put("ddp4j.epochs", Integer.toString(epochs));
        meta.put("ddp4j.world_size", Integer.toString(cmd.ranks));
        meta.put("ddp4j.test_accuracy", Double.toString(accuracy));
        SafeTensors.save(weights, meta, cmd.save);
        out.println("saved weights to " + cmd.save);
      }
      if (metrics != null) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "done");
        line.put("model", job.model);
        line.put("world_size", cmd.ranks);
        line.put("in_process", cmd.inProcess);
        line.put("epochs", epochs);
        line.put("test_loss", last.evaluation().get("test_loss"));
        line.put("test_accuracy", accuracy);
        line.put("samples_per_sec", samples / trainSeconds);
        line.put("total_seconds", totalSeconds);
        line.put("threads_per_rank", threadsPerRank());
        metrics.write(json.writeValueAsString(line));
        metrics.newLine();
        metrics.flush();
      }
    }
  }
}
