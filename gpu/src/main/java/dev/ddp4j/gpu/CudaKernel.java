package dev.ddp4j.gpu;

/**
 * Every kernel the Java side launches: the PTX module (a file {@code <module>.ptx}, compiled from
 * {@code gpu/src/main/cuda/<module>.cu}) and its entry name there. {@code CudaPtxTest} checks, without a
 * GPU, that each entry exists in the checked-in PTX, so the two cannot drift apart.
 *
 * <p>The contract of each kernel (arguments, layout, numerics) is the comment above it in the
 * {@code .cu} source.
 */
public enum CudaKernel {
  ADD_BCAST("elementwise", "add_bcast_f32"),
  SUB_BCAST("elementwise", "sub_bcast_f32"),
  MUL_BCAST("elementwise", "mul_bcast_f32"),
  DIV_BCAST("elementwise", "div_bcast_f32"),
  POW_BCAST("elementwise", "pow_bcast_f32"),
  MAX_BCAST("elementwise", "max_bcast_f32"),
  MIN_BCAST("elementwise", "min_bcast_f32"),
  COMPARE_BCAST("elementwise", "compare_bcast_f32"),
  RELU("elementwise", "relu_f32"),
  RELU_BACKWARD("elementwise", "relu_backward_f32"),
  SIGMOID("elementwise", "sigmoid_f32"),
  SIGMOID_BACKWARD("elementwise", "sigmoid_backward_f32"),
  TANH("elementwise", "tanh_f32"),
  TANH_BACKWARD("elementwise", "tanh_backward_f32"),
  EXP("elementwise", "exp_f32"),
  LOG("elementwise", "log_f32"),
  NEG("elementwise", "neg_f32"),
  SQRT("elementwise", "sqrt_f32"),
  ABS("elementwise", "abs_f32"),
  SIGN("elementwise", "sign_f32"),
  ADD_SCALAR("elementwise", "add_scalar_f32"),
  MUL_SCALAR("elementwise", "mul_scalar_f32"),
  POW_SCALAR("elementwise", "pow_scalar_f32"),
  FILL("elementwise", "fill_f32"),
  COPY_STRIDED("elementwise", "copy_strided_f32"),
  F32_TO_BF16("elementwise", "f32_to_bf16"),
  BF16_TO_F32("elementwise", "bf16_to_f32"),
  F32_TO_F16("elementwise", "f32_to_f16"),
  F16_TO_F32("elementwise", "f16_to_f32"),
  BOOL_TO_F32("elementwise", "bool_to_f32"),
  F32_TO_BOOL("elementwise", "f32_to_bool"),
  SUM_PARTIAL("reduce", "sum_partial_f32"),
  SUM_DIM("reduce", "sum_dim_f32"),
  MAX_DIM("reduce", "max_dim_f32"),
  SOFTMAX_LASTDIM("softmax", "softmax_lastdim_f32"),
  LOG_SOFTMAX_LASTDIM("softmax", "log_softmax_lastdim_f32"),
  CROSS_ENTROPY_ROWS("softmax", "cross_entropy_rows_f32"),
  CROSS_ENTROPY_MEAN("softmax", "cross_entropy_mean_f32"),
  CROSS_ENTROPY_BACKWARD("softmax", "cross_entropy_backward_f32"),
  MASKED_COPY("indexing", "masked_copy_f32"),
  GATHER("indexing", "gather_f32"),
  SCATTER_ADD("indexing", "scatter_add_f32"),
  IM2COL("conv", "im2col_f32"),
  COL2IM("conv", "col2im_f32"),
  MAX_POOL2D("pool", "max_pool2d_f32"),
  MAX_POOL2D_BACKWARD("pool", "max_pool2d_backward_f32"),
  AVG_POOL2D("pool", "avg_pool2d_f32"),
  AVG_POOL2D_BACKWARD("pool", "avg_pool2d_backward_f32"),
  SGD_UPDATE("sgd", "sgd_update_f32"),
  SGEMM("gemm", "sgemm_f32"),
  GEMM_TF32("gemm", "gemm_tf32"),
  GEMM_BF16("gemm", "gemm_bf16");

  private final String module;
  private final String entry;

  CudaKernel(String module, String entry) {
    this.module = module;
    this.entry = entry;
  }

  /** The PTX module (file name without {@code .ptx}) that defines this kernel. */
  public String module() {
    return module;
  }

  /** The kernel's {@code .entry} name in its module, as given to {@code cuModuleGetFunction}. */
  public String entry() {
    return entry;
  }
}
