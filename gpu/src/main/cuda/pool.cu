// Max-pool 2d, float32, NCHW contiguous, viewed as planes = N * C planes of [height, width].
// Geometry as PyTorch's max_pool2d (kernel, stride, padding, dilation; out_h and out_w computed by
// the caller, ceil_mode included). Indices are int64 positions h * width + w inside the plane,
// as PyTorch returns with return_indices=True.
#include "ddp4j_common.cuh"

// NaN rule (PyTorch's, CPU and CUDA): a value replaces the running max when it is greater or NaN,
// so a window holding NaN yields NaN with the index of its last NaN. Padding never wins: the scan
// covers in-bounds pixels only, starting from -inf and the window's first in-bounds pixel.
extern "C" __global__ void max_pool2d_f32(const float* __restrict__ x, float* __restrict__ out,
                                          long long* __restrict__ indices, long long planes,
                                          long long height, long long width, long long out_h,
                                          long long out_w, int k_h, int k_w, int stride_h,
                                          int stride_w, int pad_h, int pad_w, int dil_h,
                                          int dil_w) {
  GRID_STRIDE_LOOP(t, planes * out_h * out_w) {
    long long ow = t % out_w;
    long long oh = (t / out_w) % out_h;
    long long p = t / (out_w * out_h);
    long long h_start = oh * stride_h - pad_h, w_start = ow * stride_w - pad_w;
    long long h_end = min(h_start + (long long)(k_h - 1) * dil_h + 1, height);
    long long w_end = min(w_start + (long long)(k_w - 1) * dil_w + 1, width);
    while (h_start < 0) h_start += dil_h;
    while (w_start < 0) w_start += dil_w;
    const float* plane = x + p * height * width;
    float best = -INFINITY;
    long long best_idx = h_start * width + w_start;
    for (long long h = h_start; h < h_end; h += dil_h) {
      for (long long w = w_start; w < w_end; w += dil_w) {
        float v = plane[h * width + w];
        if (v > best || v != v) {
          best = v;
          best_idx = h * width + w;
        }
      }
    }
    out[t] = best;
    indices[t] = best_idx;
  }
}

// grad_in[p, h, w] = sum of grad_out[p, oh, ow] over the windows whose saved index is h * width + w.
// A gather over the windows that can contain (h, w) (PyTorch's max_pool_backward_nchw), so no
// atomics and a deterministic result. Overwrites grad_in.
extern "C" __global__ void max_pool2d_backward_f32(const float* __restrict__ grad_out,
                                                   const long long* __restrict__ indices,
                                                   float* __restrict__ grad_in, long long planes,
                                                   long long height, long long width,
                                                   long long out_h, long long out_w, int k_h,
                                                   int k_w, int stride_h, int stride_w, int pad_h,
                                                   int pad_w, int dil_h, int dil_w) {
  long long extent_h = (long long)(k_h - 1) * dil_h + 1;
  long long extent_w = (long long)(k_w - 1) * dil_w + 1;
  GRID_STRIDE_LOOP(t, planes * height * width) {
    long long w = t % width;
    long long h = (t / width) % height;
    long long p = t / (width * height);
    long long oh_start = h + pad_h < extent_h ? 0 : (h + pad_h - extent_h) / stride_h + 1;
    long long oh_end = min((h + pad_h) / stride_h + 1, out_h);
    long long ow_start = w + pad_w < extent_w ? 0 : (w + pad_w - extent_w) / stride_w + 1;
    long long ow_end = min((w + pad_w) / stride_w + 1, out_w);
    const float* g = grad_out + p * out_h * out_w;
    const long long* idx = indices + p * out_h * out_w;
    long long self = h * width + w;
    float acc = 0.f;
    for (long long oh = oh_start; oh < oh_end; ++oh) {
      for (long long ow = ow_start; ow < ow_end; ++ow) {
        if (idx[oh * out_w + ow] == self) acc += g[oh * out_w + ow];
      }
    }
    grad_in[t] = acc;
  }
}
