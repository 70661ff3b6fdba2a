// im2col and col2im for conv2d as a GEMM, float32, a whole batch per launch: the column matrix of
// `batch` images is [C * k_h * k_w, batch * out_h * out_w], image n's output positions in columns
// [n * P, (n + 1) * P) with P = out_h * out_w, so one GEMM convolves the batch.
//
// Geometry (PyTorch's): out_h = (H + 2*pad_h - dil_h*(k_h-1) - 1) / stride_h + 1, likewise out_w;
// the caller computes out_h, out_w and passes them. The column matrix is row-major
// [C * k_h * k_w, out_h * out_w]: row (c, i, j) holds input pixel
// (c, oh*stride_h - pad_h + i*dil_h, ow*stride_w - pad_w + j*dil_w) for every output position
// (oh, ow), 0 where that pixel lies in the padding. Weights [C_out, C*k_h*k_w] times columns give
// the conv output [C_out, batch * out_h*out_w] (images side by side; the caller permutes it to NCHW).
#include "ddp4j_common.cuh"

extern "C" __global__ void im2col_f32(const float* __restrict__ im, float* __restrict__ col,
                                      long long batch, long long channels, long long height,
                                      long long width, int k_h, int k_w, int pad_h, int pad_w,
                                      int stride_h, int stride_w, int dil_h, int dil_w,
                                      long long out_h, long long out_w) {
  long long positions = out_h * out_w;
  long long pitch = batch * positions;  // row length of the column matrix
  // One thread per (n, c, oh, ow): it writes the k_h * k_w column entries of that window.
  GRID_STRIDE_LOOP(t, batch * channels * positions) {
    long long ow = t % out_w;
    long long oh = (t / out_w) % out_h;
    long long c = (t / positions) % channels;
    long long n = t / (positions * channels);
    long long h0 = oh * stride_h - pad_h, w0 = ow * stride_w - pad_w;
    const float* src = im + (n * channels + c) * height * width;
    float* dst = col + (c * k_h * k_w) * pitch + n * positions + oh * out_w + ow;
    for (int i = 0; i < k_h; ++i) {
      for (int j = 0; j < k_w; ++j) {
        long long h = h0 + (long long)i * dil_h, w = w0 + (long long)j * dil_w;
        *dst = (h >= 0 && h < height && w >= 0 && w < width) ? src[h * width + w] : 0.f;
        dst += pitch;
      }
    }
  }
}

// The adjoint of im2col: im[c, h, w] = sum of every column entry that im2col would have read from
// (c, h, w). Written as a gather (one thread per image pixel, Caffe's formulation) rather than an
// atomic scatter, so the result is deterministic. Overwrites im (it does not accumulate).
extern "C" __global__ void col2im_f32(const float* __restrict__ col, float* __restrict__ im,
                                      long long batch, long long channels, long long height,
                                      long long width, int k_h, int k_w, int pad_h, int pad_w,
                                      int stride_h, int stride_w, int dil_h, int dil_w,
                                      long long out_h, long long out_w) {
  long long extent_h = (long long)(k_h - 1) * dil_h + 1;
  long long extent_w = (long long)(k_w - 1) * dil_w + 1;
  long long positions = out_h * out_w;
  long long pitch = batch * positions;
  GRID_STRIDE_LOOP(t, batch * channels * height * width) {
    long long w_im = t % width + pad_w;
    long long h_im = (t / width) % height + pad_h;
    long long c = (t / (width * height)) % channels;
    long long n = t / (width * height * channels);
    // Output positions whose window can reach this pixel.
    long long w_start = w_im < extent_w ? 0 : (w_im - extent_w) / stride_w + 1;
    long long w_end = min(w_im / stride_w + 1, out_w);
    long long h_start = h_im < extent_h ? 0 : (h_im - extent_h) / stride_h + 1;
    long long h_end = min(h_im / stride_h + 1, out_h);
    float acc = 0.f;
    for (long long oh = h_start; oh < h_end; ++oh) {
      for (long long ow = w_start; ow < w_end; ++ow) {
        long long i = h_im - oh * stride_h, j = w_im - ow * stride_w;
        if (i % dil_h == 0 && j % dil_w == 0) {
          i /= dil_h;
          j /= dil_w;
          acc += col[((c * k_h + i) * k_w + j) * pitch + n * positions + oh * out_w + ow];
        }
      }
    }
    im[t] = acc;
  }
}
