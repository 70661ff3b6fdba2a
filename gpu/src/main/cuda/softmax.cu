// Softmax, log-softmax and cross-entropy over the last dimension of a contiguous float32 tensor
// viewed as [rows, cols]. One block per row (blockDim.x a multiple of 32, at most 1024; 256 is the
// intended size); gridDim.x may be less than rows (blocks stride over rows). Numerically stable:
// the row maximum is subtracted before exp, so no finite input overflows.
#include "ddp4j_common.cuh"

// The row's maximum m and sum_c exp(x[c] - m), each reduced over the block: every thread of the block
// gets both. All threads of the block must call it (it holds block barriers).
struct RowExp {
  float max;
  float sum;
};

__device__ __forceinline__ RowExp row_max_sumexp(const float* __restrict__ xr, long long cols,
                                                 float* scratch) {
  float m = -INFINITY;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) m = nan_max(m, xr[c]);
  m = block_max(m, scratch);
  float s = 0.f;
  for (long long c = threadIdx.x; c < cols; c += blockDim.x) s += expf(xr[c] - m);
  return {m, block_sum(s, scratch)};
}

// out[r, c] = exp(x[r, c] - m) / sum_c' exp(x[r, c'] - m), m = max_c x[r, c]. A row of all -inf
// gives NaN, as in PyTorch.
extern "C" __global__ void softmax_lastdim_f32(const float* __restrict__ x, float* __restrict__ out,
                                               long long rows, long long cols) {
  __shared__ float scratch[32];
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * cols;
    float* yr = out + r * cols;
    RowExp e = row_max_sumexp(xr, cols, scratch);
    float inv = 1.f / e.sum;
    for (long long c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = expf(xr[c] - e.max) * inv;
  }
}

// out[r, c] = x[r, c] - m - log(sum_c' exp(x[r, c'] - m)), m = max_c x[r, c].
extern "C" __global__ void log_softmax_lastdim_f32(const float* __restrict__ x,
                                                   float* __restrict__ out, long long rows,
                                                   long long cols) {
  __shared__ float scratch[32];
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * cols;
    float* yr = out + r * cols;
    RowExp e = row_max_sumexp(xr, cols, scratch);
    float lse = e.max + logf(e.sum);
    for (long long c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = xr[c] - lse;
  }
}

// Cross-entropy on class indices, mean reduction, as F.cross_entropy(logits, target,
// ignore_index=ignore_index): three kernels.
//   1. cross_entropy_rows_f32: row_loss[r] = logsumexp(logits[r]) - logits[r, target[r]]; 0 for an
//      ignored row; NaN for a target outside [0, cols) (the caller validates targets; PyTorch
//      raises a device assert instead).
//   2. cross_entropy_mean_f32 (one block): out[0] = sum(row_loss) / count, out[1] = count, the
//      number of rows whose target is not ignore_index (0 rows give NaN, as in PyTorch).
//   3. cross_entropy_backward_f32: grad[r, c] = grad_out[0] / out[1] * (softmax(logits[r])[c] -
//      (c == target[r])); 0 on ignored rows.
extern "C" __global__ void cross_entropy_rows_f32(const float* __restrict__ logits,
                                                  const long long* __restrict__ target,
                                                  float* __restrict__ row_loss, long long rows,
                                                  long long cols, long long ignore_index) {
  __shared__ float scratch[32];
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = logits + r * cols;
    long long t = target[r];
    RowExp e = row_max_sumexp(xr, cols, scratch);
    float lse = e.max + logf(e.sum);
    if (threadIdx.x == 0) {
      row_loss[r] = t == ignore_index ? 0.f : (t < 0 || t >= cols) ? NAN : lse - xr[t];
    }
  }
}

extern "C" __global__ void cross_entropy_mean_f32(const float* __restrict__ row_loss,
                                                  const long long* __restrict__ target,
                                                  long long rows, long long ignore_index,
                                                  float* __restrict__ out) {
  __shared__ float scratch[32];
  float s = 0.f, count = 0.f;
  for (long long r = threadIdx.x; r < rows; r += blockDim.x) {
    s += row_loss[r];
    count += target[r] == ignore_index ? 0.f : 1.f;
  }
  s = block_sum(s, scratch);
  count = block_sum(count, scratch);
  if (threadIdx.x == 0) {
    out[0] = s / count;
    out[1] = count;
  }
}

extern "C" __global__ void cross_entropy_backward_f32(const float* __restrict__ logits,
                                                      const long long* __restrict__ target,
                                                      const float* __restrict__ grad_out,
                                                      const float* __restrict__ mean_out,
                                                      float* __restrict__ grad, long long rows,
                                                      long long cols, long long ignore_index) {
  __shared__ float scratch[32];
  float scale = grad_out[0] / mean_out[1];
  for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = logits + r * cols;
    float* gr = grad + r * cols;
    long long t = target[r];
    if (t == ignore_index) {
      for (long long c = threadIdx.x; c < cols; c += blockDim.x) gr[c] = 0.f;
      continue;  // uniform across the block: no thread reaches the barriers below
    }
    RowExp e = row_max_sumexp(xr, cols, scratch);
    float inv = 1.f / e.sum;
    for (long long c = threadIdx.x; c < cols; c += blockDim.x) {
      gr[c] = scale * (expf(xr[c] - e.max) * inv - (c == t ? 1.f : 0.f));
    }
  }
}
