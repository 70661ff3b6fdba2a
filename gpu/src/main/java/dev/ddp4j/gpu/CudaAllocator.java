package dev.ddp4j.gpu;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.backend.DeviceMemory;
import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;

/**
 * A caching device-memory allocator, as PyTorch's: a block freed by its storage goes to a free list of
 * its size class and the next request of that class reuses it, so steady-state training makes no
 * {@code cuMemAlloc}/{@code cuMemFree} calls. Size classes: multiples of 512 bytes up to 1 MiB, multiples
 * of 2 MiB above.
 *
 * <p>A block returns to its list when the storage that holds its {@link DeviceMemory} becomes unreachable
 * (a {@link Cleaner}, the JVM's counterpart of the last reference going away). Reuse is safe because all
 * of a device's work is queued on one stream: whatever used the block was queued before the work of its
 * next owner. When the device is full, the allocator frees its cached blocks, lets the garbage collector
 * return unreachable ones, and tries once more before failing with the sizes involved.
 *
 * <p>Thread-safe; {@code cuMemAlloc} and {@code cuMemFree} run with the device's context current on the
 * calling thread (the cleaner thread never calls the driver: it only puts blocks on the lists).
 */
final class CudaAllocator {
  static final long SMALL_LIMIT = 1L << 20;
  static final long SMALL_ROUND = 512;
  static final long LARGE_ROUND = 2L << 20;
  private static final Cleaner CLEANER = Cleaner.create();
  private static final long GC_WAIT_MS = 100;

  private final Device device;
  private final CudaMemoryDriver driver;
  private final Map<Long, ArrayDeque<CUdeviceptr>> free = new HashMap<>();
  private long cachedBytes;
  private long allocatedBytes;

  CudaAllocator(Device device, CudaMemoryDriver driver) {
    this.device = device;
    this.driver = driver;
  }

  /** The block size a request of {@code bytes} gets. */
  static long sizeClass(long bytes) {
    long b = Math.max(bytes, 1);
    long round = b <= SMALL_LIMIT ? SMALL_ROUND : LARGE_ROUND;
    return (b + round - 1) / round * round;
  }

  /** Device memory of at least {@code bytes} bytes (not zeroed). */
  DeviceMemory allocate(long bytes) {
    long size = sizeClass(bytes);
    CUdeviceptr p = take(size);
    if (p == null) {
      p = allocFresh(size);
    }
    CudaMemory memory = new CudaMemory(device, p, size);
    CUdeviceptr block = p;
    CLEANER.register(memory, () -> give(size, block));
    return memory;
  }

  private synchronized CUdeviceptr take(long size) {
    ArrayDeque<CUdeviceptr> list = free.get(size);
    CUdeviceptr p = list == null ? null : list.pollLast();
    if (p != null) {
      cachedBytes -= size;
    }
    return p;
  }

  private synchronized void give(long size, CUdeviceptr p) {
    free.computeIfAbsent(size, s -> new ArrayDeque<>()).addLast(p);
    cachedBytes += size;
  }

  private CUdeviceptr allocFresh(long size) {
    try {
      return count(driver.alloc(size), size);
    } catch (CudaException first) {
      if (!String.valueOf(first.getMessage()).contains("OUT_OF_MEMORY")) {
        throw first;
      }
      releaseCached();
      System.gc();
      try {
        Thread.sleep(GC_WAIT_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      CUdeviceptr p = take(size);
      if (p != null) {
        return p;
      }
      releaseCached();
      try {
        return count(driver.alloc(size), size);
      } catch (CudaException second) {
        throw new IllegalStateException(device + " is out of memory: a block of " + size + " bytes could not be "
            + "allocated with " + allocatedBytes() + " bytes allocated by ddp4j", second);
      }
    }
  }

  private synchronized CUdeviceptr count(CUdeviceptr p, long size) {
    allocatedBytes += size;
    return p;
  }

  /** Frees every cached block ({@code cuMemFree}); blocks in use are untouched. */
  synchronized void releaseCached() {
    for (Map.Entry<Long, ArrayDeque<CUdeviceptr>> e : free.entrySet()) {
      for (CUdeviceptr p : e.getValue()) {
        driver.free(p);
        allocatedBytes -= e.getKey();
      }
    }
    free.clear();
    cachedBytes = 0;
  }

  /** Bytes obtained from the driver and not yet freed (blocks in use plus cached ones). */
  synchronized long allocatedBytes() {
    return allocatedBytes;
  }

  /** Bytes in the free lists. */
  synchronized long cachedBytes() {
    return cachedBytes;
  }

  /** One block handed to a storage. */
  record CudaMemory(Device device, CUdeviceptr pointer, long bytes) implements DeviceMemory {}
}
