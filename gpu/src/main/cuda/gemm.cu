// General matrix multiply, row-major, no cuBLAS:
//   C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C[M, N]
// op(A)[i, k] = trans_a ? A[k * lda + i] : A[i * lda + k]   (A stored [M, K], or [K, M] when trans_a)
// op(B)[k, j] = trans_b ? B[j * ldb + k] : B[k * ldb + j]   (B stored [K, N], or [N, K] when trans_b)
// C[i, j] = C[i * ldc + j]. When beta == 0, C is not read (NaN or garbage in C does not leak), as in BLAS.
// Any M, N, K >= 0: tiles that run past the matrix edge are bounds-checked (zero-padded on load,
// masked on store), so no size needs to be a multiple of a tile. Grid: x = ceil(N / tile_n),
// y = ceil(M / tile_m) (tile sizes below); blockDim.x as stated per kernel.
//
// Three precisions:
//   sgemm_f32      exact float32 (FFMA on the CUDA cores); 256 threads, 128x128 tiles.
//   gemm_tf32      float32 in and out, products on the tensor cores in TF32 (10-bit mantissa
//                  inputs, round-to-nearest) with float32 accumulation; 256 threads, 128x128 tiles.
//   gemm_bf16      bfloat16 A and B, float32 C, float32 accumulation on the tensor cores;
//                  256 threads, 128x128 tiles.
// The tensor-core kernels use the WMMA API (nvcuda::wmma), which compiles to mma.sync on sm_80
// and sm_90; the PTX is therefore portable across Ampere and Hopper (no wgmma).
#include "ddp4j_common.cuh"
#include <cuda_bf16.h>
#include <mma.h>

using namespace nvcuda;

#define GEMM_THREADS 256

// ---------------------------------------------------------------------------------------------
// Exact float32 SGEMM. Each block computes a 128x128 tile of C; each thread an 8x8 sub-tile whose
// rows are ty + 16*i and columns tx + 16*j (strided rather than adjacent, so that shared-memory
// reads in a warp hit distinct banks and global stores coalesce).
#define SG_TILE_M 128
#define SG_TILE_N 128
#define SG_TILE_K 8
#define SG_PER_THREAD 8
#define SG_SKEW 4  // pads the staging rows so the loads' stores spread over all banks

// At most 128 registers so that two blocks fit on an SM.
extern "C" __global__ void __launch_bounds__(GEMM_THREADS, 2)
sgemm_f32(int trans_a, int trans_b, long long M, long long N, long long K, float alpha,
          const float* __restrict__ A, long long lda, const float* __restrict__ B, long long ldb,
          float beta, float* __restrict__ C, long long ldc) {
  __shared__ float As[SG_TILE_K][SG_TILE_M + SG_SKEW];  // As[k][i] = op(A)[m0 + i, k0 + k]
  __shared__ float Bs[SG_TILE_K][SG_TILE_N + SG_SKEW];  // Bs[k][j] = op(B)[k0 + k, n0 + j]
  const long long m0 = (long long)blockIdx.y * SG_TILE_M;
  const long long n0 = (long long)blockIdx.x * SG_TILE_N;
  const int tid = threadIdx.x;
  const int tx = tid % 16, ty = tid / 16;
  float acc[SG_PER_THREAD][SG_PER_THREAD] = {};

  for (long long k0 = 0; k0 < K; k0 += SG_TILE_K) {
    // Loads: consecutive threads walk the dimension that is contiguous in memory.
    for (int e = tid; e < SG_TILE_M * SG_TILE_K; e += GEMM_THREADS) {
      int i = trans_a ? e % SG_TILE_M : e / SG_TILE_K;
      int k = trans_a ? e / SG_TILE_M : e % SG_TILE_K;
      long long gi = m0 + i, gk = k0 + k;
      As[k][i] = (gi < M && gk < K) ? A[trans_a ? gk * lda + gi : gi * lda + gk] : 0.f;
    }
    for (int e = tid; e < SG_TILE_K * SG_TILE_N; e += GEMM_THREADS) {
      int j = trans_b ? e / SG_TILE_K : e % SG_TILE_N;
      int k = trans_b ? e % SG_TILE_K : e / SG_TILE_N;
      long long gj = n0 + j, gk = k0 + k;
      Bs[k][j] = (gj < N && gk < K) ? B[trans_b ? gj * ldb + gk : gk * ldb + gj] : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < SG_TILE_K; ++k) {
      float a[SG_PER_THREAD], b[SG_PER_THREAD];
#pragma unroll
      for (int r = 0; r < SG_PER_THREAD; ++r) a[r] = As[k][ty + 16 * r];
#pragma unroll
      for (int c = 0; c < SG_PER_THREAD; ++c) b[c] = Bs[k][tx + 16 * c];
#pragma unroll
      for (int r = 0; r < SG_PER_THREAD; ++r)
#pragma unroll
        for (int c = 0; c < SG_PER_THREAD; ++c) acc[r][c] = fmaf(a[r], b[c], acc[r][c]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < SG_PER_THREAD; ++r) {
    long long gi = m0 + ty + 16 * r;
    if (gi >= M) continue;
#pragma unroll
    for (int c = 0; c < SG_PER_THREAD; ++c) {
      long long gj = n0 + tx + 16 * c;
      if (gj < N) {
        float* dst = C + gi * ldc + gj;
        *dst = beta == 0.f ? alpha * acc[r][c] : alpha * acc[r][c] + beta * *dst;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tensor-core GEMMs. A block computes a 128x128 tile of C with 8 warps in a 2 (rows) x 4 (cols)
// grid; each warp owns a 64x32 piece, i.e. 4x2 WMMA accumulator fragments of 16x16. Per K step the
// block stages op(A)[128, 32] and op(B)[32, 128] in shared memory (converted to the input
// precision, zero outside the matrix), then every warp multiplies its fragments. Rows of the
// staging arrays are padded (SKEW) to spread the fragment loads over the banks. The epilogue goes
// through a per-warp 16x16 scratch tile so alpha, beta and the bounds checks apply per element.
#define TC_TILE_M 128
#define TC_TILE_N 128
#define TC_TILE_K 32
#define TC_WARP_M 64
#define TC_WARP_N 32
#define TC_FRAG 16
#define TC_SKEW_F32 4   // floats; keeps rows 16-byte aligned as WMMA requires
#define TC_SKEW_BF16 8  // bf16 elements (16 bytes)

// Writes one 16x16 accumulator fragment to C at (row, col) with alpha, beta and bounds checks,
// through the warp's scratch tile.
template <typename Acc>
__device__ __forceinline__ void store_fragment(const Acc& frag, float* scratch, long long row,
                                               long long col, long long M, long long N,
                                               float alpha, float beta, float* C, long long ldc) {
  wmma::store_matrix_sync(scratch, frag, TC_FRAG, wmma::mem_row_major);
  __syncwarp();
  const int lane = threadIdx.x & 31;
  for (int e = lane; e < TC_FRAG * TC_FRAG; e += 32) {
    long long gi = row + e / TC_FRAG, gj = col + e % TC_FRAG;
    if (gi < M && gj < N) {
      float* dst = C + gi * ldc + gj;
      float v = alpha * scratch[e];
      *dst = beta == 0.f ? v : v + beta * *dst;
    }
  }
  __syncwarp();
}

// What differs between the two tensor-core GEMMs: the element staged in shared memory, how a loaded
// element is staged, the fragment's element type, its k depth, and the row padding.
//
// TF32: float32 operands rounded to TF32 (cvt.rna.tf32.f32, via wmma::__float_to_tf32) as they are
// staged, so the fragments hold valid TF32 values; m16n16k8 fragments.
struct Tf32Mma {
  using Elem = float;
  using FragElem = wmma::precision::tf32;
  static constexpr int K = 8;
  static constexpr int SKEW = TC_SKEW_F32;
  __device__ static float stage(float v) { return wmma::__float_to_tf32(v); }
  __device__ static float zero() { return 0.f; }
};

// BF16: bfloat16 operands (as stored; f32_to_bf16 in elementwise.cu converts), m16n16k16
// fragments, float32 accumulation and output.
struct Bf16Mma {
  using Elem = __nv_bfloat16;
  using FragElem = __nv_bfloat16;
  static constexpr int K = 16;
  static constexpr int SKEW = TC_SKEW_BF16;
  __device__ static __nv_bfloat16 stage(__nv_bfloat16 v) { return v; }
  __device__ static __nv_bfloat16 zero() { return __float2bfloat16(0.f); }
};

// The tensor-core GEMM body: 128x128 block tiles staged through shared memory (zero-padded at the
// edges), eight warps each holding a 64x32 accumulator as 4x2 fragments, bounds-checked stores.
template <class Mma>
__device__ __forceinline__ void tc_gemm(int trans_a, int trans_b, long long M, long long N, long long K,
                                        float alpha, const typename Mma::Elem* __restrict__ A, long long lda,
                                        const typename Mma::Elem* __restrict__ B, long long ldb, float beta,
                                        float* __restrict__ C, long long ldc) {
  using Elem = typename Mma::Elem;
  __shared__ __align__(32) Elem As[TC_TILE_M][TC_TILE_K + Mma::SKEW];
  __shared__ __align__(32) Elem Bs[TC_TILE_K][TC_TILE_N + Mma::SKEW];
  __shared__ __align__(32) float scratch[GEMM_THREADS / 32][TC_FRAG * TC_FRAG];
  const long long m0 = (long long)blockIdx.y * TC_TILE_M;
  const long long n0 = (long long)blockIdx.x * TC_TILE_N;
  const int tid = threadIdx.x, warp = tid / 32;
  const int wm = (warp / 4) * TC_WARP_M, wn = (warp % 4) * TC_WARP_N;

  wmma::fragment<wmma::accumulator, 16, 16, Mma::K, float> acc[4][2];
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int c = 0; c < 2; ++c) wmma::fill_fragment(acc[r][c], 0.f);

  for (long long k0 = 0; k0 < K; k0 += TC_TILE_K) {
    for (int e = tid; e < TC_TILE_M * TC_TILE_K; e += GEMM_THREADS) {
      int i = trans_a ? e % TC_TILE_M : e / TC_TILE_K;
      int k = trans_a ? e / TC_TILE_M : e % TC_TILE_K;
      long long gi = m0 + i, gk = k0 + k;
      As[i][k] = (gi < M && gk < K) ? Mma::stage(A[trans_a ? gk * lda + gi : gi * lda + gk]) : Mma::zero();
    }
    for (int e = tid; e < TC_TILE_K * TC_TILE_N; e += GEMM_THREADS) {
      int j = trans_b ? e / TC_TILE_K : e % TC_TILE_N;
      int k = trans_b ? e % TC_TILE_K : e / TC_TILE_N;
      long long gj = n0 + j, gk = k0 + k;
      Bs[k][j] = (gj < N && gk < K) ? Mma::stage(B[trans_b ? gj * ldb + gk : gk * ldb + gj]) : Mma::zero();
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < TC_TILE_K; kk += Mma::K) {
      wmma::fragment<wmma::matrix_a, 16, 16, Mma::K, typename Mma::FragElem, wmma::row_major> a[4];
      wmma::fragment<wmma::matrix_b, 16, 16, Mma::K, typename Mma::FragElem, wmma::row_major> b[2];
#pragma unroll
      for (int r = 0; r < 4; ++r)
        wmma::load_matrix_sync(a[r], &As[wm + r * TC_FRAG][kk], TC_TILE_K + Mma::SKEW);
#pragma unroll
      for (int c = 0; c < 2; ++c)
        wmma::load_matrix_sync(b[c], &Bs[kk][wn + c * TC_FRAG], TC_TILE_N + Mma::SKEW);
#pragma unroll
      for (int r = 0; r < 4; ++r)
#pragma unroll
        for (int c = 0; c < 2; ++c) wmma::mma_sync(acc[r][c], a[r], b[c], acc[r][c]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < 4; ++r)
#pragma unroll
    for (int c = 0; c < 2; ++c)
      store_fragment(acc[r][c], scratch[warp], m0 + wm + r * TC_FRAG, n0 + wn + c * TC_FRAG, M, N,
                     alpha, beta, C, ldc);
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_tf32(int trans_a, int trans_b, long long M, long long N, long long K, float alpha,
          const float* __restrict__ A, long long lda, const float* __restrict__ B, long long ldb,
          float beta, float* __restrict__ C, long long ldc) {
  tc_gemm<Tf32Mma>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

extern "C" __global__ void __launch_bounds__(GEMM_THREADS)
gemm_bf16(int trans_a, int trans_b, long long M, long long N, long long K, float alpha,
          const __nv_bfloat16* __restrict__ A, long long lda, const __nv_bfloat16* __restrict__ B,
          long long ldb, float beta, float* __restrict__ C, long long ldc) {
  tc_gemm<Bf16Mma>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
