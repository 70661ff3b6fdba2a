// Float32 reductions: sum of all elements, sum over one dimension, max with argmax over one
// dimension. Inputs are contiguous; a reduction over dimension d of a tensor is described as the
// shape [outer, size, inner] (outer = product of the dimensions before d, inner = after d), and the
// output is [outer, inner], contiguous.
#include "ddp4j_common.cuh"

// Block size the reductions were written for (a multiple of 32, at most 1024).
#define REDUCE_THREADS 256

// partial[blockIdx.x] = sum of the elements of x this block's threads visit. A sum of all n
// elements is two launches: (G blocks, x -> partial[G]) then (1 block, partial -> out[1]). The
// order of additions depends only on n and the grid, so a fixed grid gives the same bits every
// time (no atomics). Launch with blockDim.x == REDUCE_THREADS.
extern "C" __global__ void __launch_bounds__(REDUCE_THREADS)
sum_partial_f32(const float* __restrict__ x, long long n, float* __restrict__ partial) {
  __shared__ float scratch[32];
  float acc = 0.f;
  GRID_STRIDE_LOOP(i, n) { acc += x[i]; }
  float total = block_sum(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// out[o * inner + j] = sum over k of x[(o * size + k) * inner + j]. One thread per output element,
// walking the reduced dimension: consecutive threads read consecutive j, so loads coalesce when
// inner > 1 (for inner == 1, the last dimension, a row-per-block kernel would be faster).
extern "C" __global__ void sum_dim_f32(const float* __restrict__ x, float* __restrict__ out,
                                       long long outer, long long size, long long inner) {
  GRID_STRIDE_LOOP(t, outer * inner) {
    long long o = t / inner, j = t % inner;
    const float* p = x + o * size * inner + j;
    float acc = 0.f;
    for (long long k = 0; k < size; ++k) acc += p[k * inner];
    out[t] = acc;
  }
}

// values[t], indices[t] = max and its index k along the reduced dimension, as torch.max(x, dim):
// a NaN is the maximum (the first NaN's index is returned) and ties keep the first index.
// size must be >= 1 (PyTorch refuses an empty reduction; the caller checks).
extern "C" __global__ void max_dim_f32(const float* __restrict__ x, float* __restrict__ values,
                                       long long* __restrict__ indices, long long outer,
                                       long long size, long long inner) {
  GRID_STRIDE_LOOP(t, outer * inner) {
    long long o = t / inner, j = t % inner;
    const float* p = x + o * size * inner + j;
    float best = p[0];
    long long best_k = 0;
    for (long long k = 1; k < size && best == best; ++k) {
      float v = p[k * inner];
      if (v > best || v != v) {
        best = v;
        best_k = k;
      }
    }
    values[t] = best;
    indices[t] = best_k;
  }
}
