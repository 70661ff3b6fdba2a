package dev.ddp4j.tensor.backend;

import dev.ddp4j.tensor.BinaryOp;
import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.UnaryOp;

/**
 * The kernels of one device, as the tensor library calls them: its ops build the autograd graph,
 * check arguments, pick shapes and allocate outputs, then hand the element work to these methods
 * whenever their operands live on {@link #device()} (PyTorch's dispatcher at the kernel level). A
 * backend returns one instance per device from {@link Backend#ops}.
 *
 * <p>Every operand is a {@link TensorView} whose storage is on this device, except where a method
 * names a host storage. Outputs are allocated by the caller (through {@link #allocate}) and fully
 * overwritten unless stated. Work may be queued asynchronously (a CUDA stream): a method returns
 * before the device finishes, and {@link #download} waits for everything queued before it. Calls
 * for one device come from the threads that own its tensors; an implementation may serialise them.
 *
 * <p>Methods refuse what their device cannot do with {@link UnsupportedOperationException}
 * naming the op, the dtype and the device (for example a dtype without kernels), never a wrong
 * result. All element types are {@link DType#FLOAT32} unless a method says otherwise.
 */
public interface DeviceOps {
  /** The device these kernels run on. */
  Device device();

  /** Zero-filled memory for {@code elements} elements of {@code dtype}. */
  DeviceMemory allocate(DType dtype, int elements);

  /** Copies {@code count} elements from a CPU storage to a storage on this device (same dtype). */
  void upload(Storage host, int hostOffset, Storage device, int deviceOffset, int count);

  /**
   * Copies {@code count} elements from a storage on this device to a CPU storage (same dtype), after
   * all work queued before it; returns when the host array holds them.
   */
  void download(Storage device, int deviceOffset, Storage host, int hostOffset, int count);

  /**
   * {@code dst[i] = src[i]} over dst's shape; src's strides may be 0 (a broadcast). Same dtype, or a
   * conversion between float32 and bfloat16 or float16 (round to nearest even; autocast's casts) or
   * bool (0/1; non-zero is true). Float32 views may have any strides; other dtypes, and conversions, need a
   * contiguous destination.
   */
  void copy(TensorView src, TensorView dst);

  /** Sets every element of {@code out} (any strides) to {@code value}. */
  void fill(TensorView out, double value);

  /**
   * {@code out = op(a, alpha·b)} elementwise over out's shape ({@code alpha} only for
   * {@link BinaryOp#ADD}); a and b have out's shape, with stride 0 along broadcast dimensions.
   * Comparisons write a bool {@code out}; {@link BinaryOp#SECOND} copies b.
   */
  void binary(BinaryOp op, double alpha, TensorView a, TensorView b, TensorView out);

  /**
   * {@code out[i] = mask[i] ? src[i] : out[i]} over out's shape (torch.where written in place); src and
   * the bool mask have out's shape, with stride 0 along broadcast dimensions.
   */
  void maskedCopy(TensorView src, TensorView mask, TensorView out);

  /**
   * torch.gather along {@code dim}: out (index's shape) takes self's element at index's value along dim
   * and the element's own coordinates elsewhere; int64 index. An index out of range gives NaN (the caller
   * cannot check device-resident indices without a copy).
   */
  void gather(TensorView self, int dim, TensorView index, TensorView out);

  /**
   * torch.Tensor.scatter_add_ along {@code dim}, in place on {@code out}: over index's shape, adds src's
   * element into out at index's value along dim; int64 index; out-of-range indices are skipped. The order
   * of additions into one element may vary.
   */
  void scatterAdd(TensorView out, int dim, TensorView index, TensorView src);

  /** {@code out = op(a)} elementwise; same shape. */
  void unary(UnaryOp op, TensorView a, TensorView out);

  /** {@code out = y > 0 ? g : 0} from relu's output y; all three contiguous, same shape. */
  void reluBackward(TensorView g, TensorView y, TensorView out);

  /**
   * Sum over the middle dimension of contiguous x seen as [outer, size, inner] into contiguous out
   * [outer, inner].
   */
  void sumDim(TensorView x, int outer, int size, int inner, TensorView out);

  /**
   * Maximum over the middle dimension of contiguous x seen as [outer, size, inner]: values (float32)
   * and their first index (int64) into contiguous [outer, inner] outputs; NaN wins, as torch.max.
   */
  void maxDim(TensorView x, int outer, int size, int inner, TensorView values, TensorView indices);

  /** Softmax (or log-softmax) of each row of contiguous x [rows, cols] into contiguous out. */
  void softmaxLastDim(TensorView x, int rows, int cols, boolean log, TensorView out);

  /**
   * Row-major {@code C = alpha·op(A)·op(B) + beta·C} with {@code C} [m, n] at {@code cOffset} with
   * pitch {@code ldc}; A is [m, k] ([k, m] when transA) with pitch lda, B is [k, n] ([n, k] when
   * transB) with pitch ldb. When beta is 0, C is not read. A and B are float32, or both bfloat16 (the
   * bfloat16 GEMM: float32 sums into a float32 C).
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a, int aOffset, int lda,
      Storage b, int bOffset, int ldb, float beta, Storage c, int cOffset, int ldc);

  /**
   * Mean cross-entropy of contiguous logits [rows, cols] against int64 class indices [rows] (targets equal
   * to {@code ignoreIndex} do not count): {@code out[0]} = the mean, {@code out[1]} = the rows counted.
   */
  void crossEntropy(TensorView logits, TensorView target, int rows, int cols, long ignoreIndex, TensorView out);

  /**
   * The logits' gradient of {@link #crossEntropy} given the gradient of its mean ({@code gradOut}, one
   * element) and that call's {@code out}.
   */
  void crossEntropyBackward(TensorView logits, TensorView target, TensorView gradOut, TensorView meanOut, int rows,
      int cols, long ignoreIndex, TensorView grad);

  /**
   * The fused SGD step of one contiguous parameter (PyTorch's formulas, the float operations of
   * {@code SgdKernel} in the same order); {@code buf} is null without momentum.
   */
  void sgdUpdate(TensorView p, TensorView g, TensorView buf, boolean firstStep, double lr, double momentum,
      double dampening, double weightDecay, boolean nesterov);

  /**
   * Unfolds a batch of contiguous images [batch, channels, height, width] at {@code images.offset()} into the
   * column matrix [channels·kh·kw, batch·outH·outW] at {@code col.offset()} (image n's output positions in
   * columns n·outH·outW on), so that one GEMM convolves the batch; {@code geometry} is {kh, kw, strideH,
   * strideW, padH, padW, dilH, dilW}, as for {@link #maxPool2d}.
   */
  void im2col(TensorView images, int batch, int channels, int height, int width, int[] geometry, int outH,
      int outW, TensorView col);

  /** The adjoint of {@link #im2col}: overwrites the images with the sums of the column entries read from them. */
  void col2im(TensorView col, int batch, int channels, int height, int width, int[] geometry, int outH, int outW,
      TensorView images);

  /**
   * Max pooling of contiguous x [planes, height, width] into out [planes, outH, outW] with int64 indices
   * {@code h·width + w} inside each plane; {@code geometry} is {kh, kw, strideH, strideW, padH, padW, dilH,
   * dilW}.
   */
  void maxPool2d(TensorView x, int planes, int height, int width, int outH, int outW, int[] geometry,
      TensorView out, TensorView indices);

  /** The input gradient of {@link #maxPool2d}, overwriting gradIn [planes, height, width]. */
  void maxPool2dBackward(TensorView gradOut, TensorView indices, int planes, int height, int width, int outH,
      int outW, int[] geometry, TensorView gradIn);

  /**
   * Average pooling of contiguous x [planes, height, width] into out [planes, outH, outW] (PyTorch's
   * divisor: the window clipped to the padded input with {@code countIncludePad}, else its in-bounds
   * pixels); {@code geometry} as for {@link #maxPool2d} (dilations 1).
   */
  void avgPool2d(TensorView x, int planes, int height, int width, int outH, int outW, int[] geometry,
      boolean countIncludePad, TensorView out);

  /** The input gradient of {@link #avgPool2d}, overwriting gradIn [planes, height, width]. */
  void avgPool2dBackward(TensorView gradOut, int planes, int height, int width, int outH, int outW, int[] geometry,
      boolean countIncludePad, TensorView gradIn);

  /** Waits until all work queued on this device by the calling thread has finished. */
  void synchronize();
}
