package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ThreadsTest {

  private int saved;

  @BeforeEach
  void save() {
    saved = Threads.getNumThreads();
  }

  @AfterEach
  void restore() {
    Threads.setNumThreads(saved);
  }

  @Test
  void defaultIsTheAvailableProcessorsUnlessThePropertyIsSet() {
    String prop = System.getProperty(Threads.THREADS_PROPERTY);
    int expected = prop == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(prop);
    assertEquals(expected, saved);
  }

  @Test
  void setNumThreadsRejectsValuesBelowOneNamingTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Threads.setNumThreads(0));
    assertEquals("number of threads must be >= 1, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Threads.setNumThreads(-3));
    assertEquals("number of threads must be >= 1, got -3", e.getMessage());
    assertEquals(saved, Threads.getNumThreads());
  }

  @Test
  void negativeGrainIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Threads.parallelFor(0, 10, -1, (from, to) -> { }));
    assertEquals("grain must be >= 0, got -1", e.getMessage());
  }

  @Test
  void everyIndexRunsExactlyOnceInAtMostNumThreadsChunksOfAtLeastGrain() {
    int[][] cases = {{0, 1, 1}, {0, 10, 1}, {5, 1005, 7}, {-50, 50, 30}, {0, 100, 0}, {0, 100, 1000}, {3, 4, 0}};
    for (int threads : new int[] {1, 2, 3, 8}) {
      Threads.setNumThreads(threads);
      for (int[] c : cases) {
        int begin = c[0];
        int end = c[1];
        int grain = c[2];
        AtomicIntegerArray hits = new AtomicIntegerArray(end - begin);
        List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
        Threads.parallelFor(begin, end, grain, (from, to) -> {
          chunks.add(new int[] {from, to});
          for (int i = from; i < to; i++) {
            hits.incrementAndGet(i - begin);
          }
        });
        for (int i = 0; i < end - begin; i++) {
          assertEquals(1, hits.get(i), "index " + (begin + i) + " for threads=" + threads);
        }
        int expectedChunks = Math.max(1, Math.min(threads, (end - begin) / Math.max(1, grain)));
        assertEquals(expectedChunks, chunks.size(), "chunks for " + begin + ".." + end + " grain " + grain);
        if (chunks.size() > 1) {
          for (int[] chunk : chunks) {
            assertTrue(chunk[1] - chunk[0] >= Math.max(1, grain), "chunk " + chunk[0] + ".." + chunk[1]);
          }
        }
      }
    }
  }

  @Test
  void aThreadLocalLimitOverridesTheProcessCountOnlyOnItsThread() throws Exception {
    Threads.setNumThreads(4);
    int[] seenElsewhere = new int[1];
    int[] chunksElsewhere = new int[1];
    Thread other = new Thread(() -> {
      Threads.setThreadLocalNumThreads(1);
      seenElsewhere[0] = Threads.getNumThreads();
      List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
      Threads.parallelFor(0, 1000, 1, (from, to) -> chunks.add(new int[] {from, to}));
      chunksElsewhere[0] = chunks.size();
    });
    other.start();
    other.join();
    assertEquals(1, seenElsewhere[0]);
    assertEquals(1, chunksElsewhere[0]);
    assertEquals(4, Threads.getNumThreads(), "the limit of another thread leaked into this one");
    Threads.setThreadLocalNumThreads(2);
    try {
      assertEquals(2, Threads.getNumThreads());
      List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
      Threads.parallelFor(0, 1000, 1, (from, to) -> chunks.add(new int[] {from, to}));
      assertEquals(2, chunks.size());
    } finally {
      Threads.setThreadLocalNumThreads(0);
    }
    assertEquals(4, Threads.getNumThreads());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Threads.setThreadLocalNumThreads(-1));
    assertEquals("number of threads must be >= 0 (0 = no override), got -1", e.getMessage());
  }

  @Test
  void emptyRangeDoesNothing() {
    Threads.parallelFor(5, 5, 1, (from, to) -> {
      throw new AssertionError("called");
    });
    Threads.parallelFor(7, 3, 1, (from, to) -> {
      throw new AssertionError("called");
    });
  }

  @Test
  void chunksRunConcurrentlyOnPoolThreadsAndTheCaller() throws Exception {
    Threads.setNumThreads(2);
    CountDownLatch bothStarted = new CountDownLatch(2);
    Set<String> names = Collections.synchronizedSet(new HashSet<>());
    Threads.parallelFor(0, 2, 1, (from, to) -> {
      names.add(Thread.currentThread().getName());
      bothStarted.countDown();
      try {
        // Each chunk waits for the other: passes only if they really run at the same time.
        assertTrue(bothStarted.await(10, TimeUnit.SECONDS), "the other chunk never started");
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    assertEquals(2, names.size());
    assertTrue(names.contains(Thread.currentThread().getName()), names.toString());
    assertTrue(names.stream().anyMatch(n -> n.startsWith("ddp4j-intra-op-")), names.toString());
  }

  @Test
  void theFirstExceptionOfAChunkIsRethrownToTheCaller() {
    Threads.setNumThreads(2);
    IllegalStateException boom = new IllegalStateException("boom");
    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> Threads.parallelFor(0, 100, 1, (from, to) -> {
          if (from > 0) {
            throw boom;
          }
        }));
    assertSame(boom, thrown);
    AssertionError error = assertThrows(AssertionError.class,
        () -> Threads.parallelFor(0, 100, 1, (from, to) -> {
          throw new AssertionError("in every chunk");
        }));
    assertEquals("in every chunk", error.getMessage());
    // The pool still works afterwards.
    AtomicLong sum = new AtomicLong();
    Threads.parallelFor(0, 1000, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        sum.addAndGet(i);
      }
    });
    assertEquals(499_500, sum.get());
  }

  @Test
  void nestedParallelForRunsInlineOnTheSameThread() {
    Threads.setNumThreads(2);
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    AtomicLong innerCalls = new AtomicLong();
    Threads.parallelFor(0, 2, 1, (from, to) -> {
      Thread outer = Thread.currentThread();
      Threads.parallelFor(0, 1000, 1, (f, t) -> {
        innerCalls.incrementAndGet();
        if (Thread.currentThread() != outer || f != 0 || t != 1000) {
          problems.add(Thread.currentThread().getName() + " ran " + f + ".." + t);
        }
      });
    });
    assertEquals(List.of(), problems);
    assertEquals(2, innerCalls.get());
  }

  @Test
  void resizingTakesEffectForTheNextCall() {
    for (int threads : new int[] {4, 1, 3, 2}) {
      Threads.setNumThreads(threads);
      assertEquals(threads, Threads.getNumThreads());
      AtomicLong chunks = new AtomicLong();
      Threads.parallelFor(0, 1000, 1, (from, to) -> chunks.incrementAndGet());
      assertEquals(threads, chunks.get());
    }
  }

  @Test
  void concurrentCallersEachGetTheirWholeRange() throws Exception {
    Threads.setNumThreads(2);
    int callers = 4;
    int callsEach = 500;
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    for (int t = 0; t < callers; t++) {
      Thread thread = new Thread(() -> {
        for (int call = 0; call < callsEach; call++) {
          AtomicLong sum = new AtomicLong();
          Threads.parallelFor(0, 200, 1, (from, to) -> {
            long s = 0;
            for (int i = from; i < to; i++) {
              s += i;
            }
            sum.addAndGet(s);
          });
          if (sum.get() != 19_900) {
            failures.add(new AssertionError("sum " + sum.get()));
          }
        }
      });
      thread.setUncaughtExceptionHandler((th, e) -> failures.add(e));
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join(30_000);
      assertTrue(!thread.isAlive(), "caller still running");
    }
    assertEquals(List.of(), failures);
  }
}
