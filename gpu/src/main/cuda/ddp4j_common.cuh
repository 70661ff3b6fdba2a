// Shared helpers for the ddp4j CUDA kernels. Every kernel is extern "C" so that its PTX entry name
// is the plain C name the Java side (dev.ddp4j.gpu.CudaKernel) resolves with cuModuleGetFunction.
#pragma once

#include <stdint.h>

// Loop over [0, n) with every thread of the grid: any grid size covers any n, and 64-bit indices
// keep tensors past 2^31 elements correct.
#define GRID_STRIDE_LOOP(i, n)                                                        \
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n);       \
       i += (long long)blockDim.x * gridDim.x)

// Largest number of dimensions a strided or broadcast kernel accepts (PyTorch's CUDA limit is 25;
// ddp4j's tensors never go past 8).
#define DDP4J_MAX_DIMS 8

// Shape and element strides for one strided or broadcast launch, passed by value (264 bytes, all
// 64-bit so that the Java side fills it as a long[33]). Layout, in longs:
//   [0..8)   shape of the output (dimensions past ndim are ignored)
//   [8..16)  strides of the output, in elements
//   [16..24) strides of input a, in elements (0 along a broadcast dimension)
//   [24..32) strides of input b, in elements (0 along a broadcast dimension; unused by copies)
//   [32]     ndim, 0..8 (0 is a scalar: one element)
struct StridedShape {
  long long shape[DDP4J_MAX_DIMS];
  long long out_stride[DDP4J_MAX_DIMS];
  long long a_stride[DDP4J_MAX_DIMS];
  long long b_stride[DDP4J_MAX_DIMS];
  long long ndim;
};

// Block-wide sum of one float per thread; every thread gets the total. blockDim.x must be a
// multiple of 32 and at most 1024. The order of additions is fixed by the block size alone.
__device__ __forceinline__ float block_sum(float v, float* scratch /* 32 floats */) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // scratch may still be read by an earlier call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  int warps = blockDim.x >> 5;
  v = lane < warps ? scratch[lane] : 0.f;
  if (warp == 0) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if (lane == 0) scratch[0] = v;
  }
  __syncthreads();
  return scratch[0];
}

// Block-wide maximum; NaN wins (like PyTorch's max), every thread gets the result.
__device__ __forceinline__ float nan_max(float a, float b) {
  return (a != a || a > b) ? a : b;
}

__device__ __forceinline__ float block_max(float v, float* scratch /* 32 floats */) {
  for (int o = 16; o > 0; o >>= 1) v = nan_max(v, __shfl_down_sync(0xffffffffu, v, o));
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  int warps = blockDim.x >> 5;
  v = lane < warps ? scratch[lane] : -INFINITY;
  if (warp == 0) {
    for (int o = 16; o > 0; o >>= 1) v = nan_max(v, __shfl_down_sync(0xffffffffu, v, o));
    if (lane == 0) scratch[0] = v;
  }
  __syncthreads();
  return scratch[0];
}
