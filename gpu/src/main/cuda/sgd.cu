// The SGD step of one dense float32 parameter, fused: the device twin of
// tensor/src/main/java/dev/ddp4j/tensor/optim/SgdKernel.java, with the same float operations in the
// same order and the same float-rounded scalars, so CPU and GPU give identical bits:
//   d = g + wd * p                       (only when SGD_DECAY)
//   b = first ? d : b * mu + keep * d    (only when SGD_MOMENTUM; keep = 1 - dampening)
//   d = nesterov ? d + mu * b : b        (only when SGD_MOMENTUM)
//   p = p + step * d                     (step = -lr)
// The explicit _rn intrinsics stop nvcc from contracting a*b + c into one FMA, which rounds once
// where Java rounds twice.
#include "ddp4j_common.cuh"

// Bits of `flags`.
#define SGD_MOMENTUM 1  // buf is present
#define SGD_FIRST 2     // buf is fresh: it receives d instead of the momentum recurrence
#define SGD_NESTEROV 4
#define SGD_DECAY 8     // weight decay is non-zero

extern "C" __global__ void sgd_update_f32(float* __restrict__ p, const float* __restrict__ g,
                                          float* __restrict__ buf, long long n, float step,
                                          float mu, float keep, float wd, int flags) {
  GRID_STRIDE_LOOP(i, n) {
    float d = g[i];
    if (flags & SGD_DECAY) d = __fadd_rn(d, __fmul_rn(wd, p[i]));
    if (flags & SGD_MOMENTUM) {
      float b = (flags & SGD_FIRST) ? d : __fadd_rn(__fmul_rn(buf[i], mu), __fmul_rn(keep, d));
      buf[i] = b;
      d = (flags & SGD_NESTEROV) ? __fadd_rn(d, __fmul_rn(mu, b)) : b;
    }
    p[i] = __fadd_rn(p[i], __fmul_rn(step, d));
  }
}
