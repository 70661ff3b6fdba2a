package dev.ddp4j.exchange.ddp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import dev.ddp4j.exchange.collective.Bf16;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.nn.F;
import dev.ddp4j.tensor.nn.Module;
import dev.ddp4j.tensor.optim.Optimizer;
import dev.ddp4j.tensor.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DistributedDataParallelTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final int IN = 6;
  private static final int OUT = 3;
  private static final int STEPS = 4;
  private static final long SEED = 7;
  /** Small caps, so that the tiny MLP is split over several buckets. */
  private static final DdpOptions SMALL_BUCKETS = DdpOptions.defaults().withFirstBucketCapBytes(64)
      .withBucketCapBytes(256);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static Optimizer sgd(Module m) {
    return new SGD(m.parameters(), 0.1, 0.9);
  }

  /** Single-process training on the concatenated global batches: the reference. */
  private static double[] reference(DType dtype, int rowsPerStep) {
    TestModels.Mlp model = TestModels.mlp(SEED, dtype);
    Optimizer opt = sgd(model);
    for (int k = 0; k < STEPS; k++) {
      Tensor[] b = TestModels.batch(k, dtype, rowsPerStep, IN, OUT);
      opt.zeroGrad();
      F.mseLoss(model.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      opt.step();
    }
    return TestModels.flatParameters(model);
  }

  /**
   * N ranks, each with a differently seeded replica (rank 0 has the reference's seed), each taking
   * its slice of the global batch split into {@code micro} micro-batches (all but the last under
   * noSync). Returns, per rank, the flat parameters after every step.
   */
  private static List<List<double[]>> train(int n, DType dtype, int perRank, int micro, DdpOptions options)
      throws Exception {
    return train(n, dtype, perRank, micro, options, Device.CPU);
  }

  /** As above with every replica and batch on {@code device}. */
  private static List<List<double[]>> train(int n, DType dtype, int perRank, int micro, DdpOptions options,
      Device device) throws Exception {
    return Ranks.run(KIT, n, (rank, world, collective) -> {
      TestModels.Mlp model = TestModels.mlp(rank == 0 ? SEED : SEED + 100 + rank, dtype);
      model.to(device);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, collective, rank, world, options);
      Optimizer opt = sgd(model);
      List<double[]> history = new ArrayList<>();
      int microRows = perRank / micro;
      for (int k = 0; k < STEPS; k++) {
        Tensor[] b = TestModels.batch(k, dtype, perRank * world, IN, OUT);
        opt.zeroGrad();
        for (int m = 0; m < micro; m++) {
          int from = rank * perRank + m * microRows;
          Tensor x = b[0].narrow(0, from, microRows).contiguous().to(device);
          Tensor y = b[1].narrow(0, from, microRows).contiguous().to(device);
          if (m < micro - 1) {
            try (DistributedDataParallel.NoSync ignored = ddp.noSync()) {
              F.mseLoss(ddp.forward(x), y, F.Reduction.MEAN).div(micro).backward();
              ddp.finishGradientSync();
            }
          } else {
            F.mseLoss(ddp.forward(x), y, F.Reduction.MEAN).div(micro).backward();
            ddp.finishGradientSync();
          }
        }
        opt.step();
        history.add(TestModels.flatParameters(model));
      }
      return history;
    });
  }

  private static void assertReplicasIdenticalEveryStep(List<List<double[]>> perRank) {
    for (int r = 1; r < perRank.size(); r++) {
      for (int k = 0; k < STEPS; k++) {
        assertArrayEquals(perRank.get(0).get(k), perRank.get(r).get(k),
            "rank " + r + " differs from rank 0 after step " + (k + 1));
      }
    }
  }

  /** |a - b| <= 1e-5 |b| + 1e-9 elementwise. */
  private static void assertCloseRelative(double[] expected, double[] actual, double rtol) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      double tol = rtol * Math.abs(expected[i]) + 1e-9;
      assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
          "element " + i + ": expected " + expected[i] + " but got " + actual[i]);
    }
  }

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {1, 2, 4})
  void nRanksTrainLikeOneProcessOnTheConcatenatedBatch(int n) throws Exception {
    List<List<double[]>> perRank = train(n, DType.FLOAT64, 4, 1, SMALL_BUCKETS);
    assertReplicasIdenticalEveryStep(perRank);
    assertCloseRelative(reference(DType.FLOAT64, 4 * n), perRank.get(0).get(STEPS - 1), 1e-5);
  }

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {1, 2, 4})
  void gradientAccumulationUnderNoSyncMatchesOneProcess(int n) throws Exception {
    List<List<double[]>> perRank = train(n, DType.FLOAT64, 6, 3, SMALL_BUCKETS);
    assertReplicasIdenticalEveryStep(perRank);
    assertCloseRelative(reference(DType.FLOAT64, 6 * n), perRank.get(0).get(STEPS - 1), 1e-5);
  }

  @Test
  void float32ReplicasMatchOneProcessWithinFloatPrecision() throws Exception {
    List<List<double[]>> perRank = train(2, DType.FLOAT32, 4, 1, DdpOptions.defaults());
    assertReplicasIdenticalEveryStep(perRank);
    double[] expected = reference(DType.FLOAT32, 8);
    double[] actual = perRank.get(0).get(STEPS - 1);
    double maxAbs = 0;
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(maxDiff <= 1e-5 * maxAbs, "max difference " + maxDiff + " against max magnitude " + maxAbs);
  }

  /**
   * Replicas on a device (the emulated cuda:0 of ddp4j-tensor's test-jar): the initial broadcast and every
   * bucket are staged through host memory, and training still matches one process and keeps the replicas
   * identical and on the device.
   */
  @Test
  void replicasOnADeviceTrainLikeOneProcess() throws Exception {
    List<List<double[]>> perRank = train(2, DType.FLOAT32, 4, 1, SMALL_BUCKETS, Device.cuda(0));
    assertReplicasIdenticalEveryStep(perRank);
    List<List<double[]>> onCpu = train(2, DType.FLOAT32, 4, 1, SMALL_BUCKETS);
    assertCloseRelative(onCpu.get(0).get(STEPS - 1), perRank.get(0).get(STEPS - 1), 1e-4);
  }

  @Test
  void bucketsTakeParametersInReverseRegistrationOrderUpToTheirCaps() throws Exception {
    List<List<String>> buckets = Ranks.run(KIT, 1, (rank, world, c) ->
        DistributedDataParallel.wrap(TestModels.mlp(SEED, DType.FLOAT32), c, rank, world,
            DdpOptions.defaults().withFirstBucketCapBytes(12).withBucketCapBytes(300)).bucketParameterNames()).get(0);
    // fc2.bias 3 floats = 12 bytes closes the first bucket; fc2.weight 36 + fc1.bias 12 = 192 bytes < 300,
    // + fc1.weight 72 floats = 480 bytes closes the second.
    assertEquals(List.of(List.of("fc2.bias"), List.of("fc2.weight", "fc1.bias", "fc1.weight")), buckets);
  }

  @Test
  void defaultCapsPutTheSeedMlpInTwoBuckets() throws Exception {
    List<List<String>> buckets = Ranks.run(KIT, 1, (rank, world, c) -> DistributedDataParallel.wrap(
        dev.ddp4j.tensor.models.Models.mlp(), c, rank, world, DdpOptions.defaults()).bucketParameterNames()).get(0);
    // 5.bias + 5.weight + 3.bias + 3.weight = (10 + 5120 + 512 + 262144) x 4 bytes >= 1 MiB.
    assertEquals(List.of(List.of("5.bias", "5.weight", "3.bias", "3.weight"), List.of("1.bias", "1.weight")), buckets);
  }

  @Test
  void everyBucketIsLaunchedDuringBackwardWhenAllParametersAreUsed() throws Exception {
    SyncStats stats = Ranks.run(KIT, 2, (rank, world, c) -> {
      TestModels.Mlp model = TestModels.mlp(SEED, DType.FLOAT32);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world, SMALL_BUCKETS);
      Tensor[] b = TestModels.batch(0, DType.FLOAT32, 4, IN, OUT);
      F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      ddp.finishGradientSync();
      return ddp.lastSyncStats();
    }).get(0);
    // [fc2.bias, fc2.weight] then [fc1.bias, fc1.weight], both launched from the gradient hooks.
    assertEquals(2, stats.buckets());
    assertEquals(2, stats.launchedDuringBackward());
    assertTrue(stats.communicationNanos() > 0 && stats.exposedWaitNanos() > 0, stats.toString());
  }

  @Test
  void bucketAssignmentGivesAnOversizedParameterItsOwnBucket() {
    assertEquals(List.of(List.of(4), List.of(3, 2, 1), List.of(0)),
        BucketAssignment.compute(new int[] {10, 300, 20, 5, 1000}, 100, 1200));
  }

  @Test
  void aParameterWithoutGradientFailsTheStepNamingIt() throws Exception {
    List<String> messages = Ranks.run(KIT, 2, (rank, world, c) -> {
      TestModels.Mlp model = new TestModels.Mlp(SEED, DType.FLOAT64, IN, 12, OUT, true, true);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world, DdpOptions.defaults());
      Tensor[] b = TestModels.batch(0, DType.FLOAT64, 4, IN, 12);
      F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      return assertThrows(DdpException.class, ddp::finishGradientSync).getMessage();
    });
    for (int r = 0; r < 2; r++) {
      assertEquals("rank " + r + ": parameter(s) [fc3.weight, fc3.bias] received no gradient in step 0: they were "
          + "not used in producing the loss. Pass DdpOptions.withFindUnusedParameters(true) if the forward skips "
          + "parameters, or make sure every parameter contributes to the loss", messages.get(r));
    }
  }

  /**
   * float32 gradients as views of their buckets (the default) give the same bits as separate gradient
   * tensors, with and without accumulation under noSync, and the gradients then share the buckets' arrays.
   */
  @ParameterizedTest(name = "{0} micro-batches")
  @ValueSource(ints = {1, 3})
  void gradientsAsBucketViewsGiveTheSameBitsAsSeparateGradients(int micro) throws Exception {
    List<List<double[]>> views = train(2, DType.FLOAT32, 6, micro, SMALL_BUCKETS);
    List<List<double[]>> copies = train(2, DType.FLOAT32, 6, micro, SMALL_BUCKETS.withGradientAsBucketView(false));
    assertReplicasIdenticalEveryStep(views);
    for (int k = 0; k < STEPS; k++) {
      assertArrayEquals(copies.get(0).get(k), views.get(0).get(k), "step " + (k + 1));
    }
    for (boolean on : new boolean[] {true, false}) {
      List<Boolean> shared = Ranks.run(KIT, 2, (rank, world, c) -> {
        TestModels.Mlp model = TestModels.mlp(SEED, DType.FLOAT32);
        DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world,
            DdpOptions.defaults().withGradientAsBucketView(on));  // the seed MLP's weights share one bucket
        Tensor[] b = TestModels.batch(0, DType.FLOAT32, 4, IN, OUT);
        F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
        ddp.finishGradientSync();
        return model.fc1.weight.grad().storage().floats() == model.fc2.weight.grad().storage().floats();
      });
      assertEquals(List.of(on, on), shared, "gradient as bucket view " + on);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"FLOAT64", "FLOAT32"})  // float32: the unused gradient's bucket view is taken back
  void findUnusedParametersLeavesUnusedGradientsAbsentAndAveragesTheRest(String dtypeName) throws Exception {
    DType dtype = DType.valueOf(dtypeName);
    List<Object[]> results = Ranks.run(KIT, 2, (rank, world, c) -> {
      TestModels.Mlp model = new TestModels.Mlp(SEED, dtype, IN, 12, OUT, true, true);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world,
          DdpOptions.defaults().withFindUnusedParameters(true));
      Tensor[] b = TestModels.batch(0, dtype, 8, IN, 12);
      Tensor x = b[0].narrow(0, 4 * rank, 4).contiguous();
      Tensor y = b[1].narrow(0, 4 * rank, 4).contiguous();
      F.mseLoss(ddp.forward(x), y, F.Reduction.MEAN).backward();
      ddp.finishGradientSync();
      return new Object[] {model.fc3.weight.grad(), model.fc1.weight.grad().toDoubleArray()};
    });
    TestModels.Mlp ref = new TestModels.Mlp(SEED, dtype, IN, 12, OUT, true, true);
    Tensor[] b = TestModels.batch(0, dtype, 8, IN, 12);
    F.mseLoss(ref.forward(b[0]), b[1], F.Reduction.MEAN).backward();
    for (Object[] r : results) {
      assertNull(r[0]);
      assertCloseRelative(ref.fc1.weight.grad().toDoubleArray(), (double[]) r[1], dtype == DType.FLOAT32 ? 1e-4 : 1e-5);
    }
  }

  @Test
  void aParameterUsedOnOneRankOnlyGetsTheAverageWithZeroFromTheOthers() throws Exception {
    List<double[][]> results = Ranks.run(KIT, 2, (rank, world, c) -> {
      TestModels.Mlp model = new TestModels.Mlp(SEED, DType.FLOAT64, IN, 12, OUT, true, rank == 1);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world,
          DdpOptions.defaults().withFindUnusedParameters(true));
      Tensor[] b = TestModels.batch(rank, DType.FLOAT64, 4, IN, rank == 1 ? 12 : OUT);
      F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      double[] local = rank == 0 ? model.fc3.weight.grad().toDoubleArray() : null;
      ddp.finishGradientSync();
      return new double[][] {local, model.fc3.weight.grad().toDoubleArray()};
    });
    double[] half = results.get(0)[0].clone();
    for (int i = 0; i < half.length; i++) {
      half[i] /= 2;
    }
    assertCloseRelative(half, results.get(0)[1], 1e-6);
    assertArrayEquals(results.get(0)[1], results.get(1)[1]);
  }

  @Test
  void aCustomCommHookSeesEveryBucketInOrderEveryStep() throws Exception {
    List<List<Integer>> seen = Ranks.run(KIT, 2, (rank, world, c) -> {
      List<Integer> order = new ArrayList<>();
      CommHook recording = (bucket, collective) -> {
        order.add(bucket.index());
        return CommHooks.allReduceAverage().reduce(bucket, collective);
      };
      TestModels.Mlp model = TestModels.mlp(SEED, DType.FLOAT32);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world,
          SMALL_BUCKETS.withCommHook(recording));
      for (int k = 0; k < 2; k++) {
        Tensor[] b = TestModels.batch(k, DType.FLOAT32, 4, IN, OUT);
        F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
        ddp.finishGradientSync();
      }
      return order;
    });
    assertEquals(List.of(List.of(0, 1, 0, 1), List.of(0, 1, 0, 1)), seen);
  }

  @Test
  void bf16HookAveragesTheBf16RoundedGradients() throws Exception {
    List<float[][]> results = Ranks.run(KIT, 2, (rank, world, c) -> {
      TestModels.Mlp model = TestModels.mlp(SEED, DType.FLOAT32);
      // Separate gradients: the local ones are read after backward, while a bucket view would be mid-average.
      DistributedDataParallel ddp = DistributedDataParallel.wrap(model, c, rank, world,
          SMALL_BUCKETS.withCommHook(CommHooks.bf16Compress()).withGradientAsBucketView(false));
      Tensor[] b = TestModels.batch(rank, DType.FLOAT32, 4, IN, OUT);
      F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      float[] local = TestModels.flatGrads(model);
      ddp.finishGradientSync();
      return new float[][] {local, TestModels.flatGrads(model)};
    });
    float[] g0 = results.get(0)[0];
    float[] g1 = results.get(1)[0];
    float[] expected = new float[g0.length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = Bf16.round((Bf16.round(g0[i]) + Bf16.round(g1[i])) / 2f);
    }
    assertArrayEquals(expected, results.get(0)[1]);
    assertArrayEquals(expected, results.get(1)[1]);
  }

  /** A module with exact-valued buffers of three dtypes, which each rank sets differently. */
  private static final class WithBuffers extends Module {
    final TestModels.Dense fc;
    final Tensor stat;
    final Tensor count;
    final Tensor half;

    WithBuffers(long seed) {
      fc = registerModule("fc", new TestModels.Dense(new dev.ddp4j.tensor.Generator(seed), DType.FLOAT64, IN, OUT));
      stat = registerBuffer("stat", Torch.zeros(DType.FLOAT64, 2));
      count = registerBuffer("count", Torch.zeros(DType.INT64));
      half = registerBuffer("half", Torch.zeros(DType.BFLOAT16, 2));
    }

    @Override
    public Tensor forward(Tensor x) {
      return fc.forward(x);
    }
  }

  @Test
  void rank0sBuffersReachEveryRankBitExactBeforeEachTrainingForward() throws Exception {
    List<double[]> results = Ranks.run(KIT, 3, (rank, world, c) -> {
      WithBuffers m = new WithBuffers(SEED + rank);
      DistributedDataParallel ddp = DistributedDataParallel.wrap(m, c, rank, world, DdpOptions.defaults());
      m.stat.set(Math.PI / (rank + 3), 0).set(-1e-300 * (rank + 1), 1);
      m.count.set(123456789012345L + rank, new int[0]);
      m.half.set(0.5 + rank, 0).set(-3 - rank, 1);
      Tensor[] b = TestModels.batch(0, DType.FLOAT64, 2, IN, OUT);
      F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      ddp.finishGradientSync();
      double[] stat = m.stat.toDoubleArray();
      double[] half = m.half.toDoubleArray();
      return new double[] {stat[0], stat[1], m.count.toLongArray()[0], half[0], half[1]};
    });
    for (double[] r : results) {
      assertArrayEquals(new double[] {Math.PI / 3, -1e-300, 123456789012345L, 0.5, -3}, r);
    }
  }

  @Test
  void ranksWithDifferentModelsAreRefusedWithClearError() throws Exception {
    List<String> messages = Ranks.run(KIT, 2, (rank, world, c) -> assertThrows(DdpException.class,
        () -> DistributedDataParallel.wrap(new TestModels.Mlp(SEED, DType.FLOAT32, IN, 12 + rank, OUT, false, false),
            c, rank, world, DdpOptions.defaults())).getMessage());
    assertEquals("rank 1's model or options differ from rank 0's (parameter and buffer names, shapes, dtypes, "
        + "bucket caps, findUnusedParameters, broadcastBuffers, comm hook); every rank must wrap the same "
        + "architecture with equal options", messages.get(0));
    assertEquals(messages.get(0), messages.get(1));
  }

  @Test
  void ranksWithDifferentCommHooksAreRefused() throws Exception {
    List<String> messages = Ranks.run(KIT, 2, (rank, world, c) -> assertThrows(DdpException.class,
        () -> DistributedDataParallel.wrap(TestModels.mlp(SEED, DType.FLOAT32), c, rank, world,
            rank == 0 ? DdpOptions.defaults() : DdpOptions.defaults().withCommHook(CommHooks.bf16Compress())))
        .getMessage());
    assertTrue(messages.get(1).startsWith("rank 1's model or options differ from rank 0's"), messages.get(1));
  }

  @Test
  void aForwardAfterAnUnfinishedSynchronisedBackwardIsAnError() throws Exception {
    String message = Ranks.run(KIT, 1, (rank, world, c) -> {
      DistributedDataParallel ddp = DistributedDataParallel.wrap(TestModels.mlp(SEED, DType.FLOAT32), c, rank, world,
          DdpOptions.defaults());
      Tensor[] b = TestModels.batch(0, DType.FLOAT32, 4, IN, OUT);
      F.mseLoss(ddp.forward(b[0]), b[1], F.Reduction.MEAN).backward();
      return assertThrows(DdpException.class, () -> ddp.forward(b[0])).getMessage();
    }).get(0);
    assertEquals("rank 0: a new forward started before finishGradientSync() of step 0, whose backward already ran; "
        + "call finishGradientSync() after every synchronised backward", message);
  }

  @Test
  void finishingWithoutForwardIsAnError() throws Exception {
    String message = Ranks.run(KIT, 1, (rank, world, c) -> assertThrows(IllegalStateException.class,
        DistributedDataParallel.wrap(TestModels.mlp(SEED, DType.FLOAT32), c, rank, world,
            DdpOptions.defaults())::finishGradientSync).getMessage()).get(0);
    assertEquals("rank 0: finishGradientSync() without a synchronised forward and backward through the "
        + "DistributedDataParallel module", message);
  }
}
