// Elementwise float32 kernels: broadcast binary ops and comparisons, unary ops and their backward,
// scalar ops, fill, strided copy and float32 <-> bfloat16 and bool conversions.
//
// Contract shared by all: pointers are device pointers to float32 (bf16 where named) elements,
// n and every index are 64-bit, any grid size is correct (grid-stride loops). Outputs may alias an
// input only where the element read and the element written are the same (in-place on identical
// layouts); other overlaps are undefined, as in PyTorch.
#include "ddp4j_common.cuh"
#include <cuda_bf16.h>
#include <cuda_fp16.h>

// Offset of the element with linear index i (row-major over s.shape) in the array whose strides
// are `stride`.
__device__ __forceinline__ long long strided_offset(long long i, const StridedShape& s,
                                                    const long long* stride) {
  long long off = 0;
  for (int d = (int)s.ndim - 1; d >= 0; --d) {
    long long size = s.shape[d];
    long long idx = i % size;
    i /= size;
    off += idx * stride[d];
  }
  return off;
}

__device__ __forceinline__ long long numel(const StridedShape& s) {
  long long n = 1;
  for (int d = 0; d < (int)s.ndim; ++d) n *= s.shape[d];
  return n;
}

// out[o] = a[ia] OP b[ib] over the broadcast shape s.shape: the caller has expanded a and b to
// s.shape by giving stride 0 along the dimensions where they have size 1 (or are missing), exactly
// PyTorch's broadcasting. Output strides allow writing into a strided view (in-place ops).
#define BROADCAST_BINARY(name, expr)                                                       \
  extern "C" __global__ void name(StridedShape s, const float* __restrict__ a,             \
                                  const float* __restrict__ b, float* out) {               \
    long long n = numel(s);                                                                \
    GRID_STRIDE_LOOP(i, n) {                                                               \
      float x = a[strided_offset(i, s, s.a_stride)];                                       \
      float y = b[strided_offset(i, s, s.b_stride)];                                       \
      out[strided_offset(i, s, s.out_stride)] = (expr);                                    \
    }                                                                                      \
  }

BROADCAST_BINARY(add_bcast_f32, __fadd_rn(x, y))
BROADCAST_BINARY(sub_bcast_f32, __fsub_rn(x, y))
BROADCAST_BINARY(mul_bcast_f32, __fmul_rn(x, y))
BROADCAST_BINARY(div_bcast_f32, __fdiv_rn(x, y))
BROADCAST_BINARY(pow_bcast_f32, powf(x, y))
// maximum/minimum: NaN in either operand gives NaN (torch.maximum), unlike fmaxf.
BROADCAST_BINARY(max_bcast_f32, (x != x || y != y) ? __int_as_float(0x7fffffff) : fmaxf(x, y))
BROADCAST_BINARY(min_bcast_f32, (x != x || y != y) ? __int_as_float(0x7fffffff) : fminf(x, y))

// Comparisons into a bool tensor (one byte per element, 0 or 1), with broadcasting as above.
// op: 0 >, 1 <, 2 >=, 3 <=, 4 ==, 5 != (NaN compares false except for !=, as in IEEE and PyTorch).
extern "C" __global__ void compare_bcast_f32(StridedShape s, const float* __restrict__ a,
                                             const float* __restrict__ b, unsigned char* out, int op) {
  long long n = numel(s);
  GRID_STRIDE_LOOP(i, n) {
    float x = a[strided_offset(i, s, s.a_stride)];
    float y = b[strided_offset(i, s, s.b_stride)];
    bool r;
    switch (op) {
      case 0: r = x > y; break;
      case 1: r = x < y; break;
      case 2: r = x >= y; break;
      case 3: r = x <= y; break;
      case 4: r = x == y; break;
      default: r = x != y; break;
    }
    out[strided_offset(i, s, s.out_stride)] = r ? 1 : 0;
  }
}

// out[i] = f(x[i]) for contiguous x and out of n elements.
#define UNARY(name, expr)                                                                  \
  extern "C" __global__ void name(const float* x_, float* out, long long n) {              \
    GRID_STRIDE_LOOP(i, n) {                                                               \
      float x = x_[i];                                                                     \
      out[i] = (expr);                                                                     \
    }                                                                                      \
  }

// relu keeps NaN (x > 0 is false for NaN, but PyTorch's relu returns NaN): hence the explicit test.
UNARY(relu_f32, (x != x) ? x : (x > 0.f ? x : 0.f))
// 1/(1+e^-x) written to stay finite for large |x|.
UNARY(sigmoid_f32, x >= 0.f ? 1.f / (1.f + expf(-x)) : expf(x) / (1.f + expf(x)))
UNARY(tanh_f32, tanhf(x))
UNARY(exp_f32, expf(x))
UNARY(log_f32, logf(x))
UNARY(neg_f32, -x)
// sqrtf is correctly rounded without --use_fast_math, so it equals the CPU's (float) Math.sqrt(x).
UNARY(sqrt_f32, sqrtf(x))
UNARY(abs_f32, fabsf(x))
// sign keeps NaN and the sign of zero (Java's Math.signum, PyTorch's sign).
UNARY(sign_f32, (x != x) ? x : (x > 0.f ? 1.f : (x < 0.f ? -1.f : x)))

// grad_in[i] = x[i] > 0 ? grad_out[i] : 0 (PyTorch's threshold_backward with threshold 0; the
// input, not the output, decides, and the gradient at 0 is 0).
extern "C" __global__ void relu_backward_f32(const float* x, const float* grad_out, float* grad_in,
                                             long long n) {
  GRID_STRIDE_LOOP(i, n) { grad_in[i] = x[i] > 0.f ? grad_out[i] : 0.f; }
}

// grad_in[i] = grad_out[i] * y[i] * (1 - y[i]) with y = sigmoid(x) saved by the forward.
extern "C" __global__ void sigmoid_backward_f32(const float* y, const float* grad_out, float* grad_in,
                                                long long n) {
  GRID_STRIDE_LOOP(i, n) { grad_in[i] = __fmul_rn(grad_out[i], __fmul_rn(y[i], __fsub_rn(1.f, y[i]))); }
}

// grad_in[i] = grad_out[i] * (1 - y[i]^2) with y = tanh(x) saved by the forward.
extern "C" __global__ void tanh_backward_f32(const float* y, const float* grad_out, float* grad_in,
                                             long long n) {
  GRID_STRIDE_LOOP(i, n) { grad_in[i] = __fmul_rn(grad_out[i], __fsub_rn(1.f, __fmul_rn(y[i], y[i]))); }
}

// Scalar ops on contiguous arrays: out[i] = x[i] + c, x[i] * c, x[i] ^ c.
extern "C" __global__ void add_scalar_f32(const float* x, float c, float* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = __fadd_rn(x[i], c); }
}
extern "C" __global__ void mul_scalar_f32(const float* x, float c, float* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = __fmul_rn(x[i], c); }
}
extern "C" __global__ void pow_scalar_f32(const float* x, float c, float* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = powf(x[i], c); }
}

// out[i] = value for i in [0, n).
extern "C" __global__ void fill_f32(float* out, float value, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = value; }
}

// out[view(out_stride)] = src[view(a_stride)] over s.shape: contiguous() of a strided view, or a
// copy into a strided view. b_stride is unused. Offsets are folded into the pointers by the caller.
extern "C" __global__ void copy_strided_f32(StridedShape s, const float* __restrict__ src,
                                            float* __restrict__ out) {
  long long n = numel(s);
  GRID_STRIDE_LOOP(i, n) {
    out[strided_offset(i, s, s.out_stride)] = src[strided_offset(i, s, s.a_stride)];
  }
}

// bool (one byte, 0 or 1) <-> float32: out[i] = x[i] (0 or 1); and out[i] = x[i] != 0 (NaN is true).
extern "C" __global__ void bool_to_f32(const unsigned char* x, float* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = x[i] ? 1.f : 0.f; }
}
extern "C" __global__ void f32_to_bool(const float* x, unsigned char* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = x[i] != 0.f ? 1 : 0; }
}

// bf16[i] = round-to-nearest-even(x[i]) (NaN stays NaN): input of the BF16 tensor-core GEMM.
extern "C" __global__ void f32_to_bf16(const float* x, __nv_bfloat16* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = __float2bfloat16_rn(x[i]); }
}

// float16 <-> float32 (IEEE half, round to nearest even; overflow to inf, as a cast does): autocast's
// fp16 casts. The products themselves run in float32 (no fp16 GEMM kernel).
extern "C" __global__ void f32_to_f16(const float* x, __half* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = __float2half_rn(x[i]); }
}
extern "C" __global__ void f16_to_f32(const __half* x, float* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = __half2float(x[i]); }
}

// out[i] = x[i] widened exactly to float32.
extern "C" __global__ void bf16_to_f32(const __nv_bfloat16* x, float* out, long long n) {
  GRID_STRIDE_LOOP(i, n) { out[i] = __bfloat162float(x[i]); }
}
