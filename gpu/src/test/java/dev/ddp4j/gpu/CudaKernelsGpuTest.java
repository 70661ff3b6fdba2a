package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.backend.Availability;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.optim.SGD;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The kernels on a real GPU against CPU references; every test skips, with the probe's reason,
 * where there is no CUDA device (as on the build machine).
 */
@Tag("gpu")
class CudaKernelsGpuTest {
  private static Availability cuda;
  private static CudaContext context;
  private static CudaKernels kernels;
  private final List<CUdeviceptr> allocated = new ArrayList<>();

  @BeforeAll
  static void loadKernels() {
    cuda = Backends.availability(Device.Type.CUDA);
    if (cuda.available()) {
      context = CudaContext.primary(0);
      kernels = context.loadKernels();
    }
  }

  @AfterAll
  static void unload() {
    if (kernels != null) {
      kernels.close();
      context.close();
    }
  }

  @BeforeEach
  void requireAGpu() {
    assumeTrue(cuda.available(), "no CUDA device: " + cuda.description());
    context.makeCurrent();  // JUnit may run tests on another thread than @BeforeAll
  }

  @AfterEach
  void free() {
    allocated.forEach(JCudaDriver::cuMemFree);
    allocated.clear();
  }

  @Test
  void fillWritesEveryElementOfAnOddLength() {
    CUdeviceptr d = alloc(1001);
    kernels.fill(d, 1001, 2.5f, null);
    float[] expected = new float[1001];
    Arrays.fill(expected, 2.5f);
    assertArrayEquals(expected, download(d, 1001));
  }

  @Test
  void addBroadcastsLikePyTorch() {
    float[] a = {1, 2, 3};           // [3, 1]
    float[] b = {10, 20, 30, 40};    // [4]
    CUdeviceptr out = alloc(12);
    kernels.add(StridedShape.broadcast(new long[] {3, 1}, new long[] {4}), upload(a), upload(b), out, null);
    assertArrayEquals(new float[] {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}, download(out, 12));
  }

  @Test
  void reluZeroesNegativesAndKeepsNaN() {
    float[] x = {-1f, 0f, 2f, Float.NaN, -0f, Float.POSITIVE_INFINITY};
    CUdeviceptr out = alloc(x.length);
    kernels.relu(upload(x), out, x.length, null);
    assertArrayEquals(new float[] {0f, 0f, 2f, Float.NaN, 0f, Float.POSITIVE_INFINITY}, download(out, x.length));
  }

  @Test
  void bf16ConversionRoundsToNearestEven() {
    float[] x = {1f, 1.00390625f, 1.01171875f, -3.3f, 65504f, Float.NaN};
    CUdeviceptr out = alloc(x.length);
    kernels.f32ToBf16(upload(x), out, x.length, null);
    short[] bits = new short[x.length];
    JCudaDriver.cuMemcpyDtoH(Pointer.to(bits), out, (long) x.length * Sizeof.SHORT);
    for (int i = 0; i < x.length; i++) {
      if (Float.isNaN(x[i])) {
        assertTrue(Float.isNaN(Float.intBitsToFloat(bits[i] << 16)), "bf16 of NaN is NaN");
      } else {
        int f = Float.floatToRawIntBits(x[i]);
        assertEquals((short) ((f + 0x7FFF + ((f >>> 16) & 1)) >>> 16), bits[i], "bf16 of " + x[i]);
      }
    }
  }

  /** The GPU step must give the CPU optimizer's bits (SgdKernel's operation order). */
  @Test
  void sgdWithMomentumNesterovAndDecayMatchesTheCpuOptimizerBitForBit() {
    int n = 4099;
    SplittableRandom random = new SplittableRandom(3);
    float[] p0 = randoms(random, n);
    float[] g1 = randoms(random, n);
    float[] g2 = randoms(random, n);
    double lr = 0.1, momentum = 0.9, dampening = 0, weightDecay = 1e-4;
    Tensor p = Torch.fromArray(p0.clone(), n).requiresGrad_();
    SGD sgd = new SGD(List.of(p), lr, momentum, dampening, weightDecay, true);
    CUdeviceptr dp = upload(p0);
    CUdeviceptr buf = alloc(n);
    float[][] grads = {g1, g2};
    for (int step = 0; step < 2; step++) {
      p.setGrad(Torch.fromArray(grads[step].clone(), n));
      sgd.step();
      kernels.sgdUpdate(dp, upload(grads[step]), buf, n, step == 0, lr, momentum, dampening, weightDecay, true, null);
    }
    assertArrayEquals(p.toFloatArray(), download(dp, n));
  }

  @Test
  void gemmsMatchTheReferenceOnRaggedSizesAndTransposes() {
    long[][] sizes = {{517, 389, 263}, {1, 1, 1}, {130, 7, 33}, {128, 256, 64}, {3, 200, 1000}};
    List<CudaGemmCheck.Result> failures = new ArrayList<>();
    for (CudaGemmCheck.Precision precision : CudaGemmCheck.Precision.values()) {
      int seed = 0;
      for (long[] mnk : sizes) {
        for (int t = 0; t < 4; t++) {
          GemmShape s = GemmShape.packed((t & 1) != 0, (t & 2) != 0, mnk[0], mnk[1], mnk[2]);
          for (float beta : new float[] {0f, 0.5f}) {
            CudaGemmCheck.Result r = CudaGemmCheck.check(kernels, precision, s, 1.5f, beta, seed++, 0);
            if (!r.withinTolerance()) {
              failures.add(r);
            }
          }
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void gemmsWithPaddedLeadingDimensionsTouchOnlyTheirColumns() {
    GemmShape s = new GemmShape(false, true, 100, 60, 70, 80, 90, 64);
    for (CudaGemmCheck.Precision precision : CudaGemmCheck.Precision.values()) {
      CudaGemmCheck.Result r = CudaGemmCheck.check(kernels, precision, s, 1f, 0.25f, 5, 0);
      assertTrue(r.withinTolerance(), r.toString());
    }
  }

  /** Prints TFLOP/s of 4096^3 products (measured, not asserted) and checks sampled entries. */
  @Test
  void largeGemmsAreCorrectAndTimed() {
    GemmShape s = GemmShape.packed(false, false, 4096, 4096, 4096);
    for (CudaGemmCheck.Precision precision : CudaGemmCheck.Precision.values()) {
      CudaGemmCheck.Result r = CudaGemmCheck.check(kernels, precision, s, 1f, 0f, 17, 5);
      System.out.println(r);
      assertTrue(r.withinTolerance(), r.toString());
    }
  }

  private static float[] randoms(SplittableRandom random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return x;
  }

  private CUdeviceptr alloc(long floats) {
    CUdeviceptr d = new CUdeviceptr();
    JCudaDriver.cuMemAlloc(d, floats * Sizeof.FLOAT);
    allocated.add(d);
    return d;
  }

  private CUdeviceptr upload(float[] host) {
    CUdeviceptr d = alloc(host.length);
    JCudaDriver.cuMemcpyHtoD(d, Pointer.to(host), (long) host.length * Sizeof.FLOAT);
    return d;
  }

  private static float[] download(CUdeviceptr d, int n) {
    float[] host = new float[n];
    JCudaDriver.cuMemcpyDtoH(Pointer.to(host), d, (long) n * Sizeof.FLOAT);
    return host;
  }
}
