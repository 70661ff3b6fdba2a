package dev.ddp4j.exchange.ddp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DistributedSamplerTest {

  @Test
  void shardsAreDisjointPaddedToEqualLengthAndCoverTheDataset() {
    int size = 10;
    int world = 4;
    int[] counts = new int[size];
    for (int r = 0; r < world; r++) {
      DistributedSampler s = new DistributedSampler(size, world, r, 42);
      int[] idx = s.indices(0);
      assertEquals(3, s.size());
      assertEquals(3, idx.length);
      for (int i : idx) {
        counts[i]++;
      }
    }
    // 12 slots for 10 examples: every example once, and the first two of the permutation twice.
    assertEquals(12, Arrays.stream(counts).sum());
    assertEquals(10, Arrays.stream(counts).filter(c -> c >= 1).count());
    assertEquals(2, Arrays.stream(counts).filter(c -> c == 2).count());
  }

  @Test
  void withoutShuffleRankRTakesEveryWorldSizethIndexWrappingForPadding() {
    assertArrayEquals(new int[] {1, 5, 9}, new DistributedSampler(10, 4, 1, false, 0, false).indices(0));
    assertArrayEquals(new int[] {3, 7, 1}, new DistributedSampler(10, 4, 3, false, 0, false).indices(0));
  }

  @Test
  void dropLastTruncatesToDisjointShards() {
    Set<Integer> seen = new HashSet<>();
    for (int r = 0; r < 4; r++) {
      DistributedSampler s = new DistributedSampler(10, 4, r, true, 5, true);
      assertEquals(2, s.size());
      for (int i : s.indices(3)) {
        assertEquals(true, seen.add(i), "index " + i + " in two shards");
      }
    }
    assertEquals(8, seen.size());
  }

  @Test
  void theOrderDependsOnlyOnSeedAndEpoch() {
    DistributedSampler a = new DistributedSampler(100, 2, 0, 9);
    DistributedSampler b = new DistributedSampler(100, 2, 0, 9);
    assertArrayEquals(a.indices(4), b.indices(4));
    assertFalse(Arrays.equals(a.indices(0), a.indices(1)));
    TreeSet<Integer> union = new TreeSet<>();
    for (int r = 0; r < 2; r++) {
      for (int i : new DistributedSampler(100, 2, r, 9).indices(1)) {
        union.add(i);
      }
    }
    assertEquals(100, union.size());
  }

  @Test
  void aRankOutsideTheWorldIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistributedSampler(10, 2, 2, 0));
    assertEquals("DistributedSampler: invalid rank 2, rank should be in the interval [0, 1]", e.getMessage());
  }
}
