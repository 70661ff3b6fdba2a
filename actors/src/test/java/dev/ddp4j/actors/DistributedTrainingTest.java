package dev.ddp4j.actors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Behaviors;
import dev.ddp4j.exchange.collective.Communicator;
import dev.ddp4j.exchange.collective.ProcessGroup;
import dev.ddp4j.exchange.ddp.DdpOptions;
import dev.ddp4j.exchange.ddp.DistributedSampler;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Generator;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Threads;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.data.TensorDataset;
import dev.ddp4j.tensor.nn.F;
import dev.ddp4j.tensor.nn.MSELoss;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.optim.SGD;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class DistributedTrainingTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final int IN = 6;
  private static final int OUT = 3;
  private static final int EXAMPLES = 48;
  private static final int BATCH = 4;
  private static final int EPOCHS = 2;
  private static final long SEED = 11;
  private static final TensorDataset DATA;

  static {
    Generator gen = new Generator(3);
    DATA = new TensorDataset(Torch.randn(gen, DType.FLOAT32, EXAMPLES, IN), Torch.randn(gen, DType.FLOAT32, EXAMPLES, OUT));
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  /** fc1 → tanh → fc2, the same initial weights every time; records the threads it runs on. */
  static final class Net extends Module {
    final Tensor w1;
    final Tensor b1;
    final Tensor w2;
    final Tensor b2;
    final Set<String> threads;
    final long sleepMillis;
    final String failOnThread;
    final int failAtForward;
    int forwards;

    Net(Set<String> threads, long sleepMillis, String failOnThread, int failAtForward) {
      Generator gen = new Generator(SEED);
      w1 = registerParameter("w1", Torch.randn(gen, DType.FLOAT32, 10, IN).mul(0.4).detach());
      b1 = registerParameter("b1", Torch.randn(gen, DType.FLOAT32, 10).mul(0.1).detach());
      w2 = registerParameter("w2", Torch.randn(gen, DType.FLOAT32, OUT, 10).mul(0.3).detach());
      b2 = registerParameter("b2", Torch.randn(gen, DType.FLOAT32, OUT).mul(0.1).detach());
      this.threads = threads;
      this.sleepMillis = sleepMillis;
      this.failOnThread = failOnThread;
      this.failAtForward = failAtForward;
    }

    @Override
    public Tensor forward(Tensor x) {
      forwards++;
      String name = Thread.currentThread().getName();
      threads.add(name);
      if (name.equals(failOnThread) && forwards == failAtForward) {
        throw new IllegalStateException("boom at forward " + forwards);
      }
      if (sleepMillis > 0) {
        try {
          Thread.sleep(sleepMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return F.linear(F.linear(x, w1, b1).tanh(), w2, b2);
    }
  }

  private static Optimizer sgd(List<Tensor> params) {
    return new SGD(params, 0.05, 0.9);
  }

  private static TrainingSpec spec(int world, Set<String> threads, long sleepMillis, String failOn, int failAt) {
    return new TrainingSpec(() -> new Net(threads, sleepMillis, failOn, failAt), DistributedTrainingTest::sgd,
        MSELoss::new, DATA, world, BATCH, EPOCHS, 5, DdpOptions.defaults(), null);
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> s) throws Exception {
    return s.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Single-process training on the ranks' batches concatenated in rank order. */
  private static Net reference(int world) {
    Net net = new Net(ConcurrentHashMap.newKeySet(), 0, null, 0);
    Optimizer opt = sgd(net.parameters());
    int perRank = EXAMPLES / world;
    for (int e = 0; e < EPOCHS; e++) {
      List<int[]> shards = new ArrayList<>();
      for (int r = 0; r < world; r++) {
        shards.add(new DistributedSampler(EXAMPLES, world, r, true, 5, false).indices(e));
      }
      for (int s = 0; s < perRank / BATCH; s++) {
        long[] idx = new long[world * BATCH];
        for (int r = 0; r < world; r++) {
          for (int i = 0; i < BATCH; i++) {
            idx[r * BATCH + i] = shards.get(r)[s * BATCH + i];
          }
        }
        Tensor sel = Torch.fromArray(idx, idx.length);
        opt.zeroGrad();
        F.mseLoss(net.forward(DATA.inputs().indexSelect(0, sel)), DATA.targets().indexSelect(0, sel),
            F.Reduction.MEAN).backward();
        opt.step();
      }
    }
    return net;
  }

  private static void assertMatchesReference(Map<String, Tensor> weights, int world) {
    Map<String, Tensor> expected = reference(world).stateDict();
    assertEquals(expected.keySet(), weights.keySet());
    for (String k : expected.keySet()) {
      float[] e = expected.get(k).toFloatArray();
      float[] a = weights.get(k).toFloatArray();
      double maxAbs = 0;
      double maxDiff = 0;
      for (int i = 0; i < e.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(e[i]));
        maxDiff = Math.max(maxDiff, Math.abs(e[i] - a[i]));
      }
      assertTrue(maxDiff <= 1e-5 * maxAbs, k + ": max difference " + maxDiff + " against magnitude " + maxAbs);
    }
  }

  /**
   * Checks a 2-rank run's events: a step event per step with a timeline, an epoch event after each
   * epoch's last; returns, per epoch, the mean of the step events' losses and the epoch event's loss.
   */
  private static double[][] expectStepAndEpochEvents(TestProbe<TrainingEvent> events, boolean evaluated) {
    double[][] losses = new double[EPOCHS][];
    long stepsPerEpoch = EXAMPLES / 2 / BATCH;
    double epochLoss = 0;
    for (long s = 1; s <= EPOCHS * stepsPerEpoch; s++) {
      TrainingEvent.StepCompleted step = events.expectMessageClass(TrainingEvent.StepCompleted.class);
      assertEquals(s, step.step());
      assertEquals((int) ((s - 1) / stepsPerEpoch), step.epoch());
      assertEquals(2 * BATCH, step.samples());
      assertTrue(Double.isFinite(step.loss()) && step.samplesPerSec() > 0, step.toString());
      TrainingEvent.StepTimeline t = step.timeline();
      assertTrue(t.forwardMillis() > 0 && t.backwardMillis() > 0 && t.exposedCommMillis() >= 0
          && t.optimizerMillis() > 0 && t.dataMillis() >= 0 && t.communicationMillis() > 0, t.toString());
      epochLoss += step.loss();
      if (s % stepsPerEpoch == 0) {
        TrainingEvent.EpochCompleted epoch = events.expectMessageClass(TrainingEvent.EpochCompleted.class);
        assertEquals(step.epoch(), epoch.epoch());
        assertEquals(stepsPerEpoch, epoch.steps());
        assertEquals(EXAMPLES, epoch.samples());
        losses[epoch.epoch()] = new double[] {epochLoss / stepsPerEpoch, epoch.trainLoss()};
        assertTrue(epoch.seconds() > 0 && Math.abs(epoch.samplesPerSec() - EXAMPLES / epoch.seconds()) < 1e-6
            * epoch.samplesPerSec(), epoch.toString());
        if (evaluated) {
          assertEquals(Set.of("epoch", "w1_sum"), epoch.evaluation().keySet());
          assertEquals(epoch.epoch(), epoch.evaluation().get("epoch"));
        } else {
          assertEquals(Map.of(), epoch.evaluation());
        }
        epochLoss = 0;
      }
    }
    assertEquals(new TrainingEvent.Finished(EPOCHS * stepsPerEpoch), events.receiveMessage());
    return losses;
  }

  @Test
  void twoRankActorsTrainToTheWeightsOfOneProcessOnTheConcatenatedBatches() throws Exception {
    TestProbe<TrainingEvent> events = KIT.createTestProbe();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    Set<String> evaluatedOn = ConcurrentHashMap.newKeySet();
    int[] threadsSeen = new int[1];
    TrainingSpec spec = spec(2, threads, 0, null, 0).withProgress(events.getRef()).withThreadsPerRank(1)
        .withEvaluator((model, epoch) -> {
          evaluatedOn.add(Thread.currentThread().getName());
          threadsSeen[0] = Threads.getNumThreads();
          return Map.of("epoch", (double) epoch, "w1_sum", ((Net) model).w1.sum().item());
        });
    TrainingHandle run = DistributedTraining.start(KIT.system(), spec, "equivalence");
    Map<String, Tensor> weights = await(run.result());

    assertMatchesReference(weights, 2);
    for (double[] l : expectStepAndEpochEvents(events, true)) {
      assertEquals(l[0], l[1], 1e-5 * Math.abs(l[0]), "epoch loss = mean of the steps' losses over both ranks");
    }
    assertEquals(Set.of("ddp4j-rank-0-compute", "ddp4j-rank-1-compute"), threads);
    assertEquals(Set.of("ddp4j-rank-0-compute"), evaluatedOn);
    assertEquals(1, threadsSeen[0]);
  }

  @Test
  void membersOfAGroupFormedElsewhereTrainAsOneRunEach() throws Exception {
    List<ActorRef<Communicator.Command>> refs = List.of(KIT.spawn(Communicator.create()),
        KIT.spawn(Communicator.create()));
    ProcessGroup group = new ProcessGroup(7, refs);
    refs.forEach(ref -> ref.tell(new Communicator.NewGeneration(group)));
    List<TestProbe<TrainingEvent>> events = List.of(KIT.createTestProbe(), KIT.createTestProbe());
    List<TrainingHandle> runs = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      runs.add(DistributedTraining.startMember(KIT.system(),
          spec(2, ConcurrentHashMap.newKeySet(), 0, null, 0).withProgress(events.get(r).getRef()), r,
          Communicator.collective(refs.get(r)), "member-" + r));
    }
    double[][][] losses = new double[2][][];
    for (int r = 0; r < 2; r++) {
      assertMatchesReference(await(runs.get(r).result()), 2);
      // A member's step events carry its own loss, but the world's samples; its epoch events the world's loss.
      losses[r] = expectStepAndEpochEvents(events.get(r), false);
    }
    for (int e = 0; e < EPOCHS; e++) {
      double mean = (losses[0][e][0] + losses[1][e][0]) / 2;
      assertEquals(mean, losses[0][e][1], 1e-5 * Math.abs(mean), "epoch " + e);
      assertEquals(mean, losses[1][e][1], 1e-5 * Math.abs(mean), "epoch " + e);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributedTraining.startMember(
        KIT.system(), spec(2, ConcurrentHashMap.newKeySet(), 0, null, 0), 2, Communicator.collective(refs.get(0)),
        "member-bad"));
    assertEquals("rank 2 is outside a world of 2", e.getMessage());
  }

  @Test
  void pausedRanksHoldAtOneBoundaryAnswerReportsAndResume() throws Exception {
    TestProbe<TrainingEvent> events = KIT.createTestProbe();
    TrainingHandle run = DistributedTraining.start(KIT.system(),
        spec(2, ConcurrentHashMap.newKeySet(), 15, null, 0).withProgress(events.getRef()), "pause");
    events.expectMessageClass(TrainingEvent.StepCompleted.class, Duration.ofSeconds(30));
    long next = await(run.pause(Duration.ofSeconds(30)));
    TrainingEvent e;
    do {
      e = events.receiveMessage(Duration.ofSeconds(30));
    } while (e instanceof TrainingEvent.StepCompleted || e instanceof TrainingEvent.EpochCompleted);
    assertEquals(new TrainingEvent.Paused(next), e);

    TestProbe<RankActor.RankStatus> status = KIT.createTestProbe();
    run.report(status.getRef());
    List<RankActor.RankStatus> statuses = new ArrayList<>(status.receiveSeveralMessages(2));
    statuses.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
    for (int r = 0; r < 2; r++) {
      RankActor.RankStatus s = statuses.get(r);
      assertEquals(r, s.rank());
      assertEquals(next, s.nextStep());
      assertEquals(12, s.totalSteps());
      assertTrue(s.paused() && !s.stepRunning(), s.toString());
    }
    status.expectNoMessage(Duration.ofMillis(100));
    assertFalse(run.result().toCompletableFuture().isDone());

    run.resume();
    assertEquals(new TrainingEvent.Resumed(), events.receiveMessage());
    assertEquals(Set.of("w1", "b1", "w2", "b2"), await(run.result()).keySet());
    TrainingEvent last;
    do {
      last = events.receiveMessage(Duration.ofSeconds(30));
    } while (!(last instanceof TrainingEvent.Finished));
    assertEquals(new TrainingEvent.Finished(12), last);
  }

  @Test
  void aPauseRunsTheRankBehindThroughTheStepAnotherRankHasStarted() throws Exception {
    // Rank 1 sleeps in every optimizer step, so rank 0 is already inside the next step (waiting in its
    // allreduce) when the pause reaches rank 1 between its steps. Rank 1 must run that step too: held
    // one step earlier, it would leave rank 0 in the collective until the timeout (30 s here).
    java.util.function.Function<List<Tensor>, Optimizer> optimizers = params -> new Optimizer(params, 0.05) {
      @Override
      protected void update(Tensor param, Tensor grad, Map<String, Tensor> st) {
        if (Thread.currentThread().getName().equals("ddp4j-rank-1-compute")) {
          try {
            Thread.sleep(75); // 4 parameters: 300 ms a step
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        param.sub_(grad, lr);
      }
    };
    TestProbe<TrainingEvent> events = KIT.createTestProbe();
    TrainingSpec spec = new TrainingSpec(() -> new Net(ConcurrentHashMap.newKeySet(), 0, null, 0), optimizers,
        MSELoss::new, DATA, 2, BATCH, EPOCHS, 5, DdpOptions.defaults(), events.getRef());
    TrainingHandle run = DistributedTraining.start(KIT.system(), spec, "pause-mid-step");
    events.expectMessageClass(TrainingEvent.StepCompleted.class, Duration.ofSeconds(30));
    Thread.sleep(100);
    long next = run.pause(Duration.ofSeconds(10)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    TestProbe<RankActor.RankStatus> status = KIT.createTestProbe();
    run.report(status.getRef());
    for (RankActor.RankStatus s : status.receiveSeveralMessages(2)) {
      assertEquals(next, s.nextStep(), s.toString());
      assertTrue(s.paused(), s.toString());
    }
    run.stop();
    assertThrows(ExecutionException.class, () -> run.result().toCompletableFuture().get(30, TimeUnit.SECONDS));
  }

  @Test
  void aSeededRunGivesRankZeroTheWeightsOneProcessWouldDraw() throws Exception {
    Map<String, float[]> initial = new ConcurrentHashMap<>();
    java.util.function.Supplier<Module> factory = () -> {
      if (Thread.currentThread().getName().equals("ddp4j-rank-0-compute")) {
        try {
          Thread.sleep(100); // left to themselves, rank 1 would draw first
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      dev.ddp4j.tensor.nn.Linear m = new dev.ddp4j.tensor.nn.Linear(IN, OUT);
      initial.put(Thread.currentThread().getName(), m.weight.toFloatArray());
      return m;
    };
    Torch.manualSeed(7);
    float[] first = new dev.ddp4j.tensor.nn.Linear(IN, OUT).weight.toFloatArray();
    float[] second = new dev.ddp4j.tensor.nn.Linear(IN, OUT).weight.toFloatArray();
    for (int run = 0; run < 3; run++) {
      initial.clear();
      Torch.manualSeed(7);
      TrainingSpec spec = new TrainingSpec(factory, DistributedTrainingTest::sgd, MSELoss::new, DATA, 2, BATCH, 1, 5,
          DdpOptions.defaults(), null);
      await(DistributedTraining.start(KIT.system(), spec, "seeded-" + run).result());
      // The factories ran in rank order, whatever the threads' interleaving.
      assertArrayEquals(first, initial.get("ddp4j-rank-0-compute"), "run " + run);
      assertArrayEquals(second, initial.get("ddp4j-rank-1-compute"), "run " + run);
    }
  }

  /** Ranks on a device (the emulated cuda:0 of ddp4j-tensor's test-jar) train like one process on the CPU. */
  @Test
  void ranksOnADeviceTrainLikeOneProcess() throws Exception {
    TrainingSpec spec = spec(2, ConcurrentHashMap.newKeySet(), 0, null, 0).withDevice(Device.cuda(0));
    assertEquals(Device.cuda(0), spec.deviceFor(1), "rank 1 mod 1 device");
    Map<String, Tensor> weights = await(DistributedTraining.start(KIT.system(), spec, "on-device").result());
    assertEquals(Device.cuda(0), weights.get("w1").device());
    assertMatchesReference(weights, 2);
  }

  @Test
  void ranksAnswerReportsWhileTheirStepRuns() throws Exception {
    TestProbe<TrainingEvent> events = KIT.createTestProbe();
    TrainingHandle run = DistributedTraining.start(KIT.system(),
        spec(2, ConcurrentHashMap.newKeySet(), 400, null, 0).withProgress(events.getRef()), "responsive");
    events.expectMessageClass(TrainingEvent.StepCompleted.class, Duration.ofSeconds(30));
    TestProbe<RankActor.RankStatus> status = KIT.createTestProbe();
    run.report(status.getRef());
    // The next step sleeps 400 ms in forward on each compute thread; the actors answer well before it ends.
    List<RankActor.RankStatus> statuses = status.receiveSeveralMessages(2, Duration.ofMillis(300));
    assertTrue(statuses.stream().anyMatch(RankActor.RankStatus::stepRunning), statuses.toString());
    run.stop();
    assertThrows(ExecutionException.class, () -> run.result().toCompletableFuture().get(60, TimeUnit.SECONDS));
  }

  @Test
  void aRunStartedFromAnActorContextIsThatActorsChild() throws Exception {
    TestProbe<TrainingHandle> handles = KIT.createTestProbe();
    KIT.spawn(Behaviors.setup(ctx -> {
      handles.getRef().tell(DistributedTraining.start(ctx, spec(2, ConcurrentHashMap.newKeySet(), 0, null, 0), "run"));
      return Behaviors.empty();
    }), "user-actor");
    TrainingHandle run = handles.receiveMessage();
    assertEquals("/user/user-actor/run", run.coordinator().path().toStringWithoutAddress());
    assertEquals(Set.of("w1", "b1", "w2", "b2"), await(run.result()).keySet());
  }

  @Test
  void aFailedStepEndsTheRunWithRankStepAndCause() {
    TrainingHandle run = DistributedTraining.start(KIT.system(),
        spec(2, ConcurrentHashMap.newKeySet(), 0, "ddp4j-rank-1-compute", 3), "failure");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> run.result().toCompletableFuture().get(60, TimeUnit.SECONDS));
    TrainingFailedException f = assertInstanceOf(TrainingFailedException.class, e.getCause());
    assertEquals("rank 1 failed in step 3: java.lang.IllegalStateException: boom at forward 3", f.getMessage());
    assertEquals("boom at forward 3", f.getCause().getMessage());
  }

  @Test
  void stopEndsTheRunAtACommonBoundaryWithoutWeights() throws Exception {
    TestProbe<TrainingEvent> events = KIT.createTestProbe();
    TrainingHandle run = DistributedTraining.start(KIT.system(),
        spec(2, ConcurrentHashMap.newKeySet(), 15, null, 0).withProgress(events.getRef()), "stop");
    events.expectMessageClass(TrainingEvent.StepCompleted.class, Duration.ofSeconds(30));
    run.stop();
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> run.result().toCompletableFuture().get(60, TimeUnit.SECONDS));
    TrainingFailedException f = assertInstanceOf(TrainingFailedException.class, e.getCause());
    assertTrue(f.getMessage().startsWith("training stopped at the caller's request before step "), f.getMessage());
    TestProbe<Void> watcher = KIT.createTestProbe();
    watcher.expectTerminated(run.coordinator(), Duration.ofSeconds(10));
  }
}
