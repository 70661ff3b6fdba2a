package dev.ddp4j.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DataLoaderTest {

  /** The targets (7 * index) of every batch of one epoch, batch by batch. */
  private static List<long[]> epochTargets(DataLoader loader) {
    List<long[]> out = new ArrayList<>();
    for (Batch b : loader) {
      out.add(b.targets().toLongArray());
    }
    return out;
  }

  /** The dataset indices one epoch visits, in order. */
  private static int[] epochOrder(DataLoader loader) {
    return epochTargets(loader).stream().flatMapToLong(Arrays::stream).mapToInt(t -> (int) (t / 7)).toArray();
  }

  private static int[] sorted(int[] a) {
    int[] s = a.clone();
    Arrays.sort(s);
    return s;
  }

  private static int[] range(int n) {
    return new SequentialSampler(n).indices(0);
  }

  /** A dataset that is not a TensorDataset, so the loader stacks examples. */
  private static Dataset<Example> viaGet(TensorDataset ds) {
    return new Dataset<>() {
      @Override
      public int size() {
        return ds.size();
      }

      @Override
      public Example get(int index) {
        return ds.get(index);
      }
    };
  }

  @Test
  void everyExampleAppearsExactlyOncePerEpochWithPartialLastBatch() {
    try (DataLoader loader =
        DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(3).shuffle(true).seed(42).build()) {
      assertEquals(4, loader.numBatches());
      assertEquals(4, loader.size());
      for (int epoch = 0; epoch < 3; epoch++) {
        List<long[]> batches = epochTargets(loader);
        assertArrayEquals(new int[] {3, 3, 3, 1}, batches.stream().mapToInt(t -> t.length).toArray());
      }
      loader.setEpoch(0);
      assertArrayEquals(range(10), sorted(epochOrder(loader)));
    }
  }

  @Test
  void eachNewIterationIsANewEpochWithANewPermutation() {
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(20)).batchSize(4).shuffle(true).seed(7)
        .build()) {
      assertEquals(0, loader.epoch());
      int[] first = epochOrder(loader);
      assertEquals(1, loader.epoch());
      int[] second = epochOrder(loader);
      assertEquals(2, loader.epoch());
      assertNotEquals(Arrays.toString(first), Arrays.toString(second));
      assertNotEquals(Arrays.toString(range(20)), Arrays.toString(first));
      assertArrayEquals(new RandomSampler(20, 7).indices(0), first);
      assertArrayEquals(new RandomSampler(20, 7).indices(1), second);
    }
  }

  @Test
  void sameSeedAndEpochGiveTheSameOrder() {
    try (DataLoader a = DataLoader.builder(TensorDatasetTest.rows(30)).batchSize(8).shuffle(true).seed(5).build();
        DataLoader b = DataLoader.builder(TensorDatasetTest.rows(30)).batchSize(8).shuffle(true).seed(5).build();
        DataLoader c = DataLoader.builder(TensorDatasetTest.rows(30)).batchSize(8).shuffle(true).seed(6).build()) {
      epochOrder(a);
      a.setEpoch(3);
      b.setEpoch(3);
      c.setEpoch(3);
      int[] orderA = epochOrder(a);
      assertArrayEquals(orderA, epochOrder(b));
      assertNotEquals(Arrays.toString(orderA), Arrays.toString(epochOrder(c)));
      a.setEpoch(3);
      assertArrayEquals(orderA, epochOrder(a));
    }
  }

  @Test
  void withoutShuffleTheOrderIsSequentialEveryEpoch() {
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(7)).batchSize(2).build()) {
      assertArrayEquals(range(7), epochOrder(loader));
      assertArrayEquals(range(7), epochOrder(loader));
    }
  }

  @Test
  void dropLastDropsTheSmallerFinalBatch() {
    try (DataLoader drop = DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(3).dropLast(true).build();
        DataLoader keep = DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(3).build();
        DataLoader even = DataLoader.builder(TensorDatasetTest.rows(9)).batchSize(3).dropLast(true).build()) {
      assertEquals(3, drop.numBatches());
      assertEquals(4, keep.numBatches());
      assertEquals(3, even.numBatches());
      List<long[]> dropped = epochTargets(drop);
      assertEquals(3, dropped.size());
      assertArrayEquals(new long[] {42, 49, 56}, dropped.get(2));
      List<long[]> kept = epochTargets(keep);
      assertEquals(4, kept.size());
      assertArrayEquals(new long[] {63}, kept.get(3));
      assertEquals(3, epochTargets(even).size());
    }
  }

  @Test
  void batchContentsEqualTheDatasetRowsOnBothPaths() {
    TensorDataset ds = TensorDatasetTest.rows(11);
    try (DataLoader fast = DataLoader.builder(ds).batchSize(4).shuffle(true).seed(3).build();
        DataLoader stacked = DataLoader.builder(viaGet(ds)).batchSize(4).shuffle(true).seed(3).build()) {
      int[] order = new RandomSampler(11, 3).indices(0);
      BatchIterator it = fast.iterator();
      BatchIterator it2 = stacked.iterator();
      for (int b = 0; b < 3; b++) {
        Batch batch = it.next();
        Batch other = it2.next();
        int n = b < 2 ? 4 : 3;
        assertArrayEquals(new int[] {n, 3}, batch.inputs().shape());
        assertArrayEquals(new int[] {n}, batch.targets().shape());
        assertArrayEquals(new int[] {n, 3}, other.inputs().shape());
        for (int k = 0; k < n; k++) {
          Example e = ds.get(order[4 * b + k]);
          assertArrayEquals(e.input().toFloatArray(), batch.inputs().select(0, k).toFloatArray());
          assertEquals(e.target().item(), batch.targets().get(k));
        }
        assertArrayEquals(batch.inputs().toFloatArray(), other.inputs().toFloatArray());
        assertArrayEquals(batch.targets().toLongArray(), other.targets().toLongArray());
      }
      assertFalse(it.hasNext());
      NoSuchElementException e = assertThrows(NoSuchElementException.class, it::next);
      assertEquals("epoch 0 has no more batches (it had 3)", e.getMessage());
    }
  }

  @Test
  void aCustomSamplerDecidesTheOrderAndTheLength() {
    Sampler everyThirdBackwards = new Sampler() {
      @Override
      public int size() {
        return 3;
      }

      @Override
      public int[] indices(int epoch) {
        return new int[] {9, 6, 3 + epoch};
      }
    };
    try (DataLoader loader =
        DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(2).sampler(everyThirdBackwards).build()) {
      assertEquals(2, loader.numBatches());
      assertSame(everyThirdBackwards, loader.sampler());
      assertArrayEquals(new int[] {9, 6, 3}, epochOrder(loader));
      assertArrayEquals(new int[] {9, 6, 4}, epochOrder(loader));
    }
  }

  @Test
  void invalidSettingsAreRefused() {
    TensorDataset ds = TensorDatasetTest.rows(3);
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> DataLoader.builder(ds).batchSize(0));
    assertEquals("batch_size should be a positive integer value, but got batch_size=0", size.getMessage());
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> DataLoader.builder(ds).shuffle(true).sampler(new SequentialSampler(3)).build());
    assertEquals("DataLoader: sampler option is mutually exclusive with shuffle", both.getMessage());
    IllegalArgumentException prefetch = assertThrows(IllegalArgumentException.class,
        () -> DataLoader.builder(ds).prefetch(-1));
    assertEquals("DataLoader: prefetch must be >= 0 batches, got -1", prefetch.getMessage());
  }

  @Test
  void inputTransformRunsOnEveryBatch() {
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(4)).batchSize(4)
        .inputTransform(x -> x.mul(2)).build()) {
      Batch b = loader.iterator().next();
      assertArrayEquals(new float[] {0, 20, 200, 2, 22, 202, 4, 24, 204, 6, 26, 206}, b.inputs().toFloatArray());
      assertArrayEquals(new long[] {0, 7, 14, 21}, b.targets().toLongArray());
    }
  }

  @Test
  void synchronousLoaderGivesTheSameBatchesWithoutAThread() {
    try (DataLoader sync = DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(3).shuffle(true).seed(9)
        .prefetch(0).build();
        DataLoader async = DataLoader.builder(TensorDatasetTest.rows(10)).batchSize(3).shuffle(true).seed(9)
            .build()) {
      BatchIterator it = sync.iterator();
      assertEquals(null, it.thread());
      it.close();
      sync.setEpoch(0);
      assertArrayEquals(epochOrder(async), epochOrder(sync));
    }
  }

  @Test
  void prefetchThreadIsANamedDaemonThatStopsOnClose() throws Exception {
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(100)).batchSize(1).prefetch(2).build()) {
      BatchIterator it = loader.iterator();
      Thread t = it.thread();
      assertNotNull(t);
      assertTrue(t.getName().matches("ddp4j-loader-\\d+"), t.getName());
      assertTrue(t.isDaemon());
      assertEquals(0.0, it.next().targets().get(0));
      awaitBlockedOrWaiting(t);
      assertTrue(t.isAlive(), "the thread waits for room in the queue");
      it.close();
      assertFalse(t.isAlive());
      assertFalse(it.hasNext());
      NoSuchElementException e = assertThrows(NoSuchElementException.class, it::next);
      assertEquals("the data loader iterator for epoch 0 is closed", e.getMessage());
    }
  }

  @Test
  void prefetchThreadEndsAfterTheLastBatch() throws Exception {
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(5)).batchSize(2).build()) {
      BatchIterator it = loader.iterator();
      int batches = 0;
      while (it.hasNext()) {
        it.next();
        batches++;
      }
      assertEquals(3, batches);
      it.thread().join(5_000);
      assertFalse(it.thread().isAlive());
    }
  }

  @Test
  void closingTheLoaderStopsItsIteratorsAndRefusesNewOnes() throws Exception {
    DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(100)).batchSize(1).prefetch(1).build();
    BatchIterator a = loader.iterator();
    BatchIterator b = loader.iterator();
    awaitBlockedOrWaiting(a.thread());
    awaitBlockedOrWaiting(b.thread());
    loader.close();
    assertFalse(a.thread().isAlive());
    assertFalse(b.thread().isAlive());
    assertFalse(a.hasNext());
    IllegalStateException e = assertThrows(IllegalStateException.class, loader::iterator);
    assertEquals("DataLoader is closed", e.getMessage());
  }

  @Test
  void anAbandonedIteratorsThreadStopsWhenTheIteratorIsCollected() throws Exception {
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(100)).batchSize(1).prefetch(1).build()) {
      Thread t = startAndAbandon(loader);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (t.isAlive() && System.nanoTime() < deadline) {
        System.gc();
        t.join(50);
      }
      assertFalse(t.isAlive(), "the cleaner stops the thread of an unreachable iterator");
    }
  }

  private static Thread startAndAbandon(DataLoader loader) throws InterruptedException {
    BatchIterator it = loader.iterator();
    it.next();
    awaitBlockedOrWaiting(it.thread());
    return it.thread();
  }

  private static void awaitBlockedOrWaiting(Thread t) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (t.getState() == Thread.State.RUNNABLE || t.getState() == Thread.State.NEW) {
      assertTrue(System.nanoTime() < deadline, "thread " + t.getName() + " never waited");
      Thread.sleep(1);
    }
  }

  /** Throws on example 5; every other example is TensorDatasetTest.rows(10)'s. */
  private static Dataset<Example> failingAtFive(CountDownLatch reached) {
    TensorDataset ds = TensorDatasetTest.rows(10);
    return new Dataset<>() {
      @Override
      public int size() {
        return 10;
      }

      @Override
      public Example get(int index) {
        if (index == 5) {
          reached.countDown();
          throw new IllegalStateException("bad example 5");
        }
        return ds.get(index);
      }
    };
  }

  @Test
  void anExceptionInTheLoaderThreadIsRethrownToTheConsumerWithItsCause() throws Exception {
    CountDownLatch reached = new CountDownLatch(1);
    try (DataLoader loader = DataLoader.builder(failingAtFive(reached)).batchSize(2).prefetch(4).build()) {
      BatchIterator it = loader.iterator();
      assertTrue(reached.await(5, TimeUnit.SECONDS));
      assertArrayEquals(new long[] {0, 7}, it.next().targets().toLongArray());
      assertArrayEquals(new long[] {14, 21}, it.next().targets().toLongArray());
      DataLoaderException e = assertThrows(DataLoaderException.class, it::next);
      assertEquals("data loader thread " + it.thread().getName() + " failed while building batch 2 of epoch 0: "
          + "java.lang.IllegalStateException: bad example 5", e.getMessage());
      assertEquals(IllegalStateException.class, e.getCause().getClass());
      assertEquals("bad example 5", e.getCause().getMessage());
      assertFalse(it.hasNext());
      it.thread().join(5_000);
      assertFalse(it.thread().isAlive());
    }
  }

  @Test
  void anExceptionInASynchronousLoaderIsWrappedTheSameWay() {
    try (DataLoader loader =
        DataLoader.builder(failingAtFive(new CountDownLatch(1))).batchSize(3).prefetch(0).build()) {
      BatchIterator it = loader.iterator();
      it.next();
      DataLoaderException e = assertThrows(DataLoaderException.class, it::next);
      assertEquals("data loader failed while building batch 1 of epoch 0: "
          + "java.lang.IllegalStateException: bad example 5", e.getMessage());
      assertEquals("bad example 5", e.getCause().getMessage());
      assertFalse(it.hasNext());
    }
  }

  @Test
  void indicesOutsideTheDatasetFailWithTheIndex() {
    Sampler tooFar = new Sampler() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public int[] indices(int epoch) {
        return new int[] {10};
      }
    };
    try (DataLoader loader = DataLoader.builder(TensorDatasetTest.rows(10)).sampler(tooFar).build()) {
      DataLoaderException e = assertThrows(DataLoaderException.class, () -> loader.iterator().next());
      assertEquals("TensorDataset: index 10 is out of range for a dataset of 10 examples",
          e.getCause().getMessage());
    }
  }

  @Test
  void batchesAreFreshTensorsTheConsumerMayModify() {
    TensorDataset ds = TensorDatasetTest.rows(2);
    try (DataLoader loader = DataLoader.builder(ds).batchSize(2).build()) {
      Tensor inputs = loader.iterator().next().inputs();
      inputs.fill_(-1);
      assertArrayEquals(new float[] {0, 10, 100}, ds.get(0).input().toFloatArray());
    }
  }
}
