package dev.ddp4j.gpu;

import java.util.ArrayList;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The arguments of one kernel launch, in parameter order, each with the PTX type of the parameter it
 * fills ({@code u64}, {@code u32}, {@code f32}, {@code b8[264]}), so that {@link CudaKernels} can refuse a
 * launch whose arguments do not match the kernel's PTX signature instead of letting the kernel read
 * garbage. Build one per launch; not thread-safe.
 */
public final class KernelArgs {
  private final List<NativePointerObject> values = new ArrayList<>();
  private final List<String> ptxTypes = new ArrayList<>();

  private KernelArgs add(NativePointerObject value, String ptxType) {
    values.add(value);
    ptxTypes.add(ptxType);
    return this;
  }

  public static KernelArgs of() {
    return new KernelArgs();
  }

  /** A device pointer ({@code T*}); null passes a null pointer. */
  public KernelArgs ptr(CUdeviceptr p) {
    return add(Pointer.to(p == null ? new CUdeviceptr() : p), "u64");
  }

  /** A {@code long long}. */
  public KernelArgs i64(long v) {
    return add(Pointer.to(new long[] {v}), "u64");
  }

  /** An {@code int}. */
  public KernelArgs i32(int v) {
    return add(Pointer.to(new int[] {v}), "u32");
  }

  /** A {@code float}. */
  public KernelArgs f32(float v) {
    return add(Pointer.to(new float[] {v}), "f32");
  }

  /** A {@code StridedShape} struct, by value. */
  public KernelArgs shape(StridedShape s) {
    return add(Pointer.to(s.packed()), "b8[" + StridedShape.PACKED_LONGS * Long.BYTES + "]");
  }

  /** The PTX types of the arguments so far, in order. */
  public List<String> ptxTypes() {
    return List.copyOf(ptxTypes);
  }

  /** The {@code kernelParams} array of {@code cuLaunchKernel}. */
  Pointer kernelParams() {
    return Pointer.to(values.toArray(new NativePointerObject[0]));
  }
}
