package dev.ddp4j.tensor.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ddp4j.tensor.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class BackendRegistryTest {
  /** A CUDA provider whose probe answer is given, counting how often it is probed. */
  private static final class ScriptedCuda implements Backend {
    final AtomicInteger probes = new AtomicInteger();
    private final Supplier<Availability> answer;

    ScriptedCuda(Supplier<Availability> answer) {
      this.answer = answer;
    }

    @Override
    public Device.Type type() {
      return Device.Type.CUDA;
    }

    @Override
    public Availability probe() {
      probes.incrementAndGet();
      return answer.get();
    }
  }

  private static String requireError(BackendRegistry registry, Device device) {
    return assertThrows(IllegalStateException.class, () -> registry.require(device)).getMessage();
  }

  @Test
  void noProviderSaysToAddTheGpuModule() {
    BackendRegistry registry = new BackendRegistry(List.of());
    assertEquals("cuda:0 requested but no CUDA backend is on the classpath: add the ddp4j-gpu module to the classpath",
        requireError(registry, Device.cuda(0)));
    Availability a = registry.availability(Device.Type.CUDA);
    assertFalse(a.available());
    assertEquals("no CUDA backend is on the classpath: add the ddp4j-gpu module to the classpath", a.description());
  }

  @Test
  void noProviderMentionsProvidersThatFailedToLoad() {
    BackendRegistry registry = new BackendRegistry(List.of(), List.of("Provider x.Y not found"));
    assertEquals("cuda:1 requested but no CUDA backend is on the classpath: add the ddp4j-gpu module to the classpath"
        + " (loading backends failed: Provider x.Y not found)", requireError(registry, Device.cuda(1)));
  }

  @Test
  void unavailableProviderGivesTheProbesReason() {
    String reason = "libcuda.so.1 could not be loaded (no NVIDIA driver): libcuda.so.1: cannot open shared object file";
    BackendRegistry registry = new BackendRegistry(List.of(new ScriptedCuda(() -> Availability.unavailable(reason))));
    assertEquals("cuda:0 requested but CUDA is unavailable: " + reason, requireError(registry, Device.cuda(0)));
  }

  @Test
  void indexPastTheDeviceCountIsRejected() {
    BackendRegistry one = new BackendRegistry(List.of(new ScriptedCuda(() -> Availability.available(1, "cuda:0 A"))));
    assertEquals("cuda:3 requested but 1 CUDA device is present", requireError(one, Device.cuda(3)));
    assertEquals("cuda:1 requested but 1 CUDA device is present", requireError(one, Device.cuda(1)));
    BackendRegistry two = new BackendRegistry(List.of(new ScriptedCuda(() -> Availability.available(2, "cuda:0 A; cuda:1 B"))));
    assertEquals("cuda:2 requested but 2 CUDA devices are present", requireError(two, Device.cuda(2)));
  }

  @Test
  void availableDeviceReturnsItsProvider() {
    ScriptedCuda cuda = new ScriptedCuda(() -> Availability.available(2, "cuda:0 A; cuda:1 B"));
    BackendRegistry registry = new BackendRegistry(List.of(cuda));
    assertSame(cuda, registry.require(Device.cuda(0)));
    assertSame(cuda, registry.require(Device.cuda(1)));
  }

  @Test
  void eachKindIsProbedOnceEvenFromManyThreads() throws Exception {
    ScriptedCuda cuda = new ScriptedCuda(() -> Availability.unavailable("the driver reports 0 CUDA devices"));
    BackendRegistry registry = new BackendRegistry(List.of(cuda));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return assertThrows(IllegalStateException.class, () -> registry.require(Device.cuda(0))).getMessage();
        }));
      }
      start.countDown();
      for (Future<String> r : results) {
        assertEquals("cuda:0 requested but CUDA is unavailable: the driver reports 0 CUDA devices", r.get(10, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    registry.availability(Device.Type.CUDA);
    assertEquals(1, cuda.probes.get());
  }

  @Test
  void probeThatThrowsALinkageErrorBecomesUnavailableOnce() {
    ScriptedCuda cuda = new ScriptedCuda(() -> {
      throw new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
    });
    BackendRegistry registry = new BackendRegistry(List.of(cuda));
    String expected = "cuda:0 requested but CUDA is unavailable: the probe of " + ScriptedCuda.class.getName()
        + " failed: java.lang.UnsatisfiedLinkError: libcuda.so.1: cannot open shared object file";
    assertEquals(expected, requireError(registry, Device.cuda(0)));
    assertEquals(expected, requireError(registry, Device.cuda(0)));
    assertEquals(1, cuda.probes.get());
  }

  @Test
  void twoProvidersForOneKindAreRefused() {
    ScriptedCuda a = new ScriptedCuda(() -> Availability.available(1, "cuda:0 A"));
    BackendRegistry registry = new BackendRegistry(List.of(a, new FakeCudaBackend()));
    assertEquals("cuda:0 requested but more than one CUDA backend is on the classpath: " + ScriptedCuda.class.getName()
        + " and " + FakeCudaBackend.class.getName() + "; keep one", requireError(registry, Device.cuda(0)));
    assertEquals(0, a.probes.get());
  }

  @Test
  void cpuIsBuiltInAndAlwaysAvailable() {
    BackendRegistry registry = new BackendRegistry(List.of());
    Backend cpu = registry.require(Device.CPU);
    assertEquals(Device.Type.CPU, cpu.type());
    Availability a = registry.availability(Device.Type.CPU);
    assertTrue(a.available());
    assertEquals(1, a.deviceCount());
    assertTrue(a.description().startsWith("cpu ("), a.description());
    assertSame(cpu, Backends.require(Device.CPU));
  }

  @Test
  void aProviderCannotReplaceTheCpu() {
    Backend rogueCpu = new Backend() {
      @Override
      public Device.Type type() {
        return Device.Type.CPU;
      }

      @Override
      public Availability probe() {
        return Availability.unavailable("rogue");
      }
    };
    BackendRegistry registry = new BackendRegistry(List.of(rogueCpu));
    assertSame(CpuBackend.INSTANCE, registry.require(Device.CPU));
    assertTrue(registry.availability(Device.Type.CPU).available());
  }

  @Test
  void serviceLoaderFindsTheTestProvider() {
    assertEquals(FakeCudaBackend.class, Backends.require(Device.cuda(0)).getClass());
    assertEquals(Availability.available(1, FakeCudaBackend.DESCRIPTION), Backends.availability(Device.Type.CUDA));
    assertEquals("cuda:3 requested but 1 CUDA device is present",
        assertThrows(IllegalStateException.class, () -> Backends.require(Device.cuda(3))).getMessage());
  }

  @Test
  void availabilityKeepsCountAndReasonConsistent() {
    assertEquals("an available backend has at least 1 device, got 0",
        assertThrows(IllegalArgumentException.class, () -> Availability.available(0, "none")).getMessage());
    assertEquals("an unavailable backend has 0 devices, got 2",
        assertThrows(IllegalArgumentException.class, () -> new Availability(false, 2, "why")).getMessage());
    assertEquals("unavailable: the driver reports 0 CUDA devices",
        Availability.unavailable("the driver reports 0 CUDA devices").toString());
  }
}
