package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

/**
 * The launch helpers against the PTX signatures and the grid rules, with launches recorded instead of
 * sent to a driver; needs no GPU. Each helper's arguments are checked against its kernel's PTX
 * parameters by {@link CudaKernels#launch} itself, so a call that passes here passes the same check
 * on a GPU.
 */
class CudaKernelsLaunchTest {
  private record Launch(CudaKernel kernel, int gridX, int gridY, int blockX) {}

  private final List<Launch> launches = new ArrayList<>();
  private final CudaKernels kernels = CudaKernels.unloaded(Ptx.COMPUTE_90,
      (kernel, gridX, gridY, blockX, shared, stream, params) -> launches.add(new Launch(kernel, gridX, gridY, blockX)));
  private final CUdeviceptr d = new CUdeviceptr();

  @Test
  void everyHelperPassesArgumentsOfItsKernelsPtxTypes() {
    kernels.fill(d, 1000, 1f, null);
    kernels.add(StridedShape.broadcast(new long[] {3, 1}, new long[] {4}), d, d, d, null);
    kernels.relu(d, d, 257, null);
    kernels.f32ToBf16(d, d, 10, null);
    kernels.sgdUpdate(d, d, null, 10, false, 0.1, 0, 0, 0, false, null);
    kernels.sgdUpdate(d, d, d, 10, true, 0.1, 0.9, 0, 1e-4, true, null);
    GemmShape s = GemmShape.packed(true, false, 300, 129, 7);
    kernels.sgemm(s, 1f, d, d, 0f, d, null);
    kernels.gemmTf32(s, 1f, d, d, 0f, d, null);
    kernels.gemmBf16(s, 1f, d, d, 0f, d, null);
    assertEquals(List.of(
        new Launch(CudaKernel.FILL, 4, 1, 256),
        new Launch(CudaKernel.ADD_BCAST, 1, 1, 256),
        new Launch(CudaKernel.RELU, 2, 1, 256),
        new Launch(CudaKernel.F32_TO_BF16, 1, 1, 256),
        new Launch(CudaKernel.SGD_UPDATE, 1, 1, 256),
        new Launch(CudaKernel.SGD_UPDATE, 1, 1, 256),
        new Launch(CudaKernel.SGEMM, 2, 3, 256),
        new Launch(CudaKernel.GEMM_TF32, 2, 3, 256),
        new Launch(CudaKernel.GEMM_BF16, 2, 3, 256)), launches);
  }

  @Test
  void emptyWorkLaunchesNothing() {
    kernels.fill(d, 0, 1f, null);
    kernels.sgemm(GemmShape.packed(false, false, 0, 5, 5), 1f, d, d, 0f, d, null);
    assertEquals(List.of(), launches);
  }

  @Test
  void argumentsThatDoNotMatchThePtxAreRefused() {
    assertEquals("fill_f32 takes (u64, f32, u64) but was given (u64, u64, f32)",
        assertThrows(IllegalArgumentException.class,
            () -> kernels.launch(CudaKernel.FILL, 1, 1, 256, 0, null, KernelArgs.of().ptr(d).i64(3).f32(1f))).getMessage());
    assertEquals(List.of(), launches);
  }

  @Test
  void ptxSignaturesSpellEachParameterType() {
    assertEquals(List.of("u64", "u64", "u64", "u64", "f32", "f32", "f32", "f32", "u32"),
        Ptx.signatures(Ptx.read(Ptx.COMPUTE_90, "sgd")).get("sgd_update_f32"));
    assertEquals(List.of("b8[264]", "u64", "u64", "u64"),
        Ptx.signatures(Ptx.read(Ptx.COMPUTE_90, "elementwise")).get("add_bcast_f32"));
    assertEquals(List.of("u32", "u32", "u64", "u64", "u64", "f32", "u64", "u64", "u64", "u64", "f32", "u64", "u64"),
        Ptx.signatures(Ptx.read(Ptx.COMPUTE_90, "gemm")).get("gemm_bf16"));
  }

  @Test
  void bothTargetsHaveTheSameSignatures() {
    for (CudaKernel k : CudaKernel.values()) {
      assertEquals(Ptx.signatures(Ptx.read(Ptx.COMPUTE_90, k.module())).get(k.entry()),
          Ptx.signatures(Ptx.read(Ptx.COMPUTE_80, k.module())).get(k.entry()), k.entry());
    }
  }

  @Test
  void gemmsPastTheGridLimitAreRefused() {
    GemmShape tall = GemmShape.packed(false, false, 65_536L * 128, 1, 1);
    assertEquals("GEMM of " + tall + " exceeds the grid limits (M at most 8388480)",
        assertThrows(IllegalArgumentException.class, () -> kernels.sgemm(tall, 1f, d, d, 0f, d, null)).getMessage());
  }
}
