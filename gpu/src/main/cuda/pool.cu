// Max-pool 2d (and average-pool 2d, below), float32, NCHW contiguous, viewed as planes = N * C planes of [height, width].
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

// Average-pool 2d, float32, NCHW contiguous viewed as planes of [height, width], PyTorch's geometry
// (kernel, stride, padding; ceil_mode folded into out_h/out_w by the caller). The divisor is the
// window's size clipped to the padded input when count_include_pad, else the number of in-bounds
// pixels (PyTorch's avg_pool2d without divisor_override).
__device__ __forceinline__ float avg_divisor(long long oh, long long ow, long long height,
                                             long long width, int k_h, int k_w, int stride_h,
                                             int stride_w, int pad_h, int pad_w,
                                             int count_include_pad, long long* h0, long long* h1,
                                             long long* w0, long long* w1) {
  long long hs = oh * stride_h - pad_h, ws = ow * stride_w - pad_w;
  long long he = min(hs + k_h, height + pad_h), we = min(ws + k_w, width + pad_w);
  long long pool = (he - hs) * (we - ws);
  hs = max(hs, 0LL);
  ws = max(ws, 0LL);
  he = min(he, height);
  we = min(we, width);
  *h0 = hs;
  *h1 = he;
  *w0 = ws;
  *w1 = we;
  return (float)(count_include_pad ? pool : (he - hs) * (we - ws));
}

extern "C" __global__ void avg_pool2d_f32(const float* __restrict__ x, float* __restrict__ out,
                                          long long planes, long long height, long long width,
                                          long long out_h, long long out_w, int k_h, int k_w,
                                          int stride_h, int stride_w, int pad_h, int pad_w,
                                          int count_include_pad) {
  GRID_STRIDE_LOOP(t, planes * out_h * out_w) {
    long long ow = t % out_w;
    long long oh = (t / out_w) % out_h;
    long long p = t / (out_w * out_h);
    long long h0, h1, w0, w1;
    float divisor = avg_divisor(oh, ow, height, width, k_h, k_w, stride_h, stride_w, pad_h, pad_w,
                                count_include_pad, &h0, &h1, &w0, &w1);
    const float* plane = x + p * height * width;
    float sum = 0.f;
    for (long long h = h0; h < h1; ++h)
      for (long long w = w0; w < w1; ++w) sum += plane[h * width + w];
    out[t] = sum / divisor;
  }
}

// grad_in[p, h, w] = sum over the windows containing (h, w) of grad_out / that window's divisor; a
// gather over those windows (no atomics). Overwrites grad_in.
extern "C" __global__ void avg_pool2d_backward_f32(const float* __restrict__ grad_out,
                                                   float* __restrict__ grad_in, long long planes,
                                                   long long height, long long width,
                                                   long long out_h, long long out_w, int k_h,
                                                   int k_w, int stride_h, int stride_w, int pad_h,
                                                   int pad_w, int count_include_pad) {
  GRID_STRIDE_LOOP(t, planes * height * width) {
    long long w = t % width;
    long long h = (t / width) % height;
    long long p = t / (width * height);
    long long oh0 = (h + pad_h < k_h) ? 0 : (h + pad_h - k_h) / stride_h + 1;
    long long oh1 = min((h + pad_h) / stride_h + 1, out_h);
    long long ow0 = (w + pad_w < k_w) ? 0 : (w + pad_w - k_w) / stride_w + 1;
    long long ow1 = min((w + pad_w) / stride_w + 1, out_w);
    const float* g = grad_out + p * out_h * out_w;
    float acc = 0.f;
    for (long long oh = oh0; oh < oh1; ++oh) {
      for (long long ow = ow0; ow < ow1; ++ow) {
        long long h0, h1, w0, w1;
        float divisor = avg_divisor(oh, ow, height, width, k_h, k_w, stride_h, stride_w, pad_h,
                                    pad_w, count_include_pad, &h0, &h1, &w0, &w1);
        acc += g[oh * out_w + ow] / divisor;
      }
    }
    grad_in[t] = acc;
  }
}
