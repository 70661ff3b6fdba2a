// Indexing kernels, float32 values with int64 indices and bool masks: masked copy (where and
// masked_fill), gather and scatter-add along one dimension. Geometry comes in a StridedShape over
// the shape the kernel walks (see ddp4j_common.cuh); offsets are folded into the pointers.
#include "ddp4j_common.cuh"

// Coordinates of the element with row-major linear index i over s.shape, into c[0..ndim).
__device__ __forceinline__ void coordinates(long long i, const StridedShape& s, long long* c) {
  for (int d = (int)s.ndim - 1; d >= 0; --d) {
    long long size = s.shape[d];
    c[d] = i % size;
    i /= size;
  }
}

__device__ __forceinline__ long long shape_numel(const StridedShape& s) {
  long long n = 1;
  for (int d = 0; d < (int)s.ndim; ++d) n *= s.shape[d];
  return n;
}

// out[o] = mask[m] ? src[a] : out[o] over s.shape; a_stride: src (0 along broadcast dimensions),
// b_stride: mask (bytes, 0 or 1), out_stride: out. torch.where(mask, src, out) written in place.
extern "C" __global__ void masked_copy_f32(StridedShape s, const float* __restrict__ src,
                                           const unsigned char* __restrict__ mask, float* out) {
  long long n = shape_numel(s);
  GRID_STRIDE_LOOP(i, n) {
    long long c[DDP4J_MAX_DIMS];
    coordinates(i, s, c);
    long long o = 0, a = 0, m = 0;
    for (int d = 0; d < (int)s.ndim; ++d) {
      o += c[d] * s.out_stride[d];
      a += c[d] * s.a_stride[d];
      m += c[d] * s.b_stride[d];
    }
    if (mask[m]) out[o] = src[a];
  }
}

// torch.gather(self, dim, index): over index's shape (s.shape), out[o] = self[a] where a uses
// index[b] as the coordinate along dim and the element's own coordinates elsewhere. a_stride: self,
// b_stride: index, out_stride: out. An index outside [0, dim_size) gives NaN (PyTorch's CUDA build
// stops with a device assert; the CPU refuses it before any work).
extern "C" __global__ void gather_f32(StridedShape s, const float* __restrict__ self,
                                      const long long* __restrict__ index, float* __restrict__ out,
                                      int dim, long long dim_size) {
  long long n = shape_numel(s);
  GRID_STRIDE_LOOP(i, n) {
    long long c[DDP4J_MAX_DIMS];
    coordinates(i, s, c);
    long long o = 0, b = 0, a = 0;
    for (int d = 0; d < (int)s.ndim; ++d) {
      o += c[d] * s.out_stride[d];
      b += c[d] * s.b_stride[d];
      if (d != dim) a += c[d] * s.a_stride[d];
    }
    long long k = index[b];
    out[o] = (k < 0 || k >= dim_size) ? __int_as_float(0x7fffffff) : self[a + k * s.a_stride[dim]];
  }
}

// torch.Tensor.scatter_add_(dim, index, src) in place on out: over index's shape (s.shape),
// out[t] += src[a] where t uses index[b] along dim. a_stride: src, b_stride: index, out_stride: out.
// Atomic adds: the order of additions into one element is not fixed (as PyTorch's CUDA
// scatter_add). Indices outside [0, dim_size) are skipped.
extern "C" __global__ void scatter_add_f32(StridedShape s, const float* __restrict__ src,
                                           const long long* __restrict__ index, float* out, int dim,
                                           long long dim_size) {
  long long n = shape_numel(s);
  GRID_STRIDE_LOOP(i, n) {
    long long c[DDP4J_MAX_DIMS];
    coordinates(i, s, c);
    long long t = 0, b = 0, a = 0;
    for (int d = 0; d < (int)s.ndim; ++d) {
      a += c[d] * s.a_stride[d];
      b += c[d] * s.b_stride[d];
      if (d != dim) t += c[d] * s.out_stride[d];
    }
    long long k = index[b];
    if (k >= 0 && k < dim_size) atomicAdd(out + t + k * s.out_stride[dim], src[a]);
  }
}
