package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.Engine;
import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.autograd.Node;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.backend.TensorView;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * An n-dimensional array with autograd, as PyTorch's {@code torch.Tensor}: a strided view (shape,
 * strides, offset) of a {@link Storage}. Views ({@link #view}, {@link #transpose}, {@link #narrow},
 * {@link #select}, {@link #expand}) share storage; {@link #contiguous()} copies only when needed.
 * Method names follow PyTorch's in camelCase; in-place methods end in an underscore.
 *
 * <p>A tensor is not thread-safe: build graphs, run backward and mutate tensors on one thread.
 * Factories live in {@link Torch}.
 */
public final class Tensor {
  // Not final only for setData (PyTorch's `param.data = ...`), which Module.to uses to move a
  // parameter to another device without changing the object optimizers and modules hold.
  Storage storage;
  int[] shape;
  int[] stride;
  int offset;

  private boolean requiresGrad;
  private Tensor grad;
  private Node gradFn;
  private AccumulateGrad accumulator;
  private List<Consumer<Tensor>> postAccumulateHooks;
  private List<UnaryOperator<Tensor>> leafHooks;
  private boolean retainsGrad;

  Tensor(Storage storage, int[] shape, int[] stride, int offset) {
    this.storage = storage;
    this.shape = shape;
    this.stride = stride;
    this.offset = offset;
  }

  /** A fresh contiguous tensor of zeros on the CPU. */
  static Tensor empty(DType dtype, int[] shape) {
    Shapes.checkShape("empty", shape);
    return new Tensor(Storage.allocate(dtype, Shapes.numel(shape)), shape.clone(),
        Shapes.contiguousStrides(shape), 0);
  }

  /** A fresh contiguous tensor of zeros on {@code device}. */
  static Tensor empty(DType dtype, int[] shape, Device device) {
    if (device.type() == Device.Type.CPU) {
      return empty(dtype, shape);
    }
    Shapes.checkShape("empty", shape);
    int n = Shapes.numel(shape);
    Storage s = Storage.onDevice(dtype, n, Dispatch.ops(device).allocate(dtype, n));
    return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
  }

  // ---------------------------------------------------------------- metadata

  /** The sizes of every dimension (a copy). */
  public int[] size() {
    return shape.clone();
  }

  /** The size of one dimension; negative dims count from the end. */
  public int size(int dim) {
    return shape[Shapes.wrapDim("size", dim, shape.length)];
  }

  /** Same as {@link #size()}. */
  public int[] shape() {
    return shape.clone();
  }

  /** The element strides of every dimension (a copy). */
  public int[] stride() {
    return stride.clone();
  }

  /** The element offset of this view into its storage. */
  public int storageOffset() {
    return offset;
  }

  /** The storage this tensor views (shared with other views). */
  public Storage storage() {
    return storage;
  }

  /** Number of dimensions. */
  public int dim() {
    return shape.length;
  }

  /** Number of elements. */
  public int numel() {
    return Shapes.numel(shape);
  }

  public DType dtype() {
    return storage.dtype();
  }

  /** Where the elements are: the CPU, or a device such as {@code cuda:0}. */
  public Device device() {
    return storage.device();
  }

  /** True when the elements are laid out row-major without gaps (size-1 dims ignored). */
  public boolean isContiguous() {
    return TensorView.isContiguous(shape, stride);
  }

  // ---------------------------------------------------------------- autograd

  /** True for leaves created with requiresGrad and for results of ops on such tensors. */
  public boolean requiresGrad() {
    return requiresGrad || gradFn != null;
  }

  /** Sets requires-grad on a leaf (PyTorch's {@code requires_grad_}); returns this. */
  public Tensor requiresGrad_(boolean value) {
    if (gradFn != null) {
      if (!value) {
        throw new IllegalStateException("requiresGrad_: you can only change requires_grad flags of leaf "
            + "tensors; use detach() to get a tensor that does not require grad");
      }
      return this;
    }
    if (value && !dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("requiresGrad_: only tensors of floating point dtype can require "
          + "gradients, got " + dtype());
    }
    requiresGrad = value;
    return this;
  }

  /** Same as {@code requiresGrad_(true)}. */
  public Tensor requiresGrad_() {
    return requiresGrad_(true);
  }

  /** The accumulated gradient of a leaf, or null. */
  public Tensor grad() {
    return grad;
  }

  /** Replaces the gradient (null clears it, as PyTorch's {@code t.grad = None}). */
  public void setGrad(Tensor g) {
    if (g != null && !Shapes.same(g.shape, shape)) {
      throw new IllegalArgumentException("setGrad: assigned grad has shape " + Shapes.str(g.shape)
          + " but the tensor has shape " + Shapes.str(shape));
    }
    grad = g;
  }

  /** The node that made this tensor, or null for a leaf. */
  public Node gradFn() {
    return gradFn;
  }

  /** True for tensors not made by a recorded op. */
  public boolean isLeaf() {
    return gradFn == null;
  }

  void setGradFn(Node node) {
    this.gradFn = node;
  }

  /** The graph node that gradients for this tensor flow into: its gradFn, or its leaf accumulator. */
  Node gradEdge() {
    if (gradFn != null) {
      return gradFn;
    }
    if (!requiresGrad) {
      return null;
    }
    if (accumulator == null) {
      accumulator = new AccumulateGrad(this);
    }
    return accumulator;
  }

  /** A tensor sharing storage with this one, outside any graph. */
  public Tensor detach() {
    return new Tensor(storage, shape, stride, offset);
  }

  /** Back-propagates from a one-element tensor (a loss). */
  public void backward() {
    backward(null, false);
  }

  /** Back-propagates {@code gradient} (shaped like this tensor) into the graph. */
  public void backward(Tensor gradient) {
    backward(gradient, false);
  }

  /**
   * Back-propagates {@code gradient} (null for a one-element tensor) into the graph; with
   * {@code retainGraph} the graph's saved tensors survive for another backward.
   */
  public void backward(Tensor gradient, boolean retainGraph) {
    if (!requiresGrad()) {
      throw new IllegalStateException("backward: element 0 of tensors does not require grad and does not "
          + "have a grad_fn (shape " + Shapes.str(shape) + ")");
    }
    Tensor g = gradient;
    if (g == null) {
      if (numel() != 1) {
        throw new IllegalArgumentException("backward: grad can be implicitly created only for scalar outputs, "
            + "but the output has shape " + Shapes.str(shape) + "; pass a gradient of that shape");
      }
      g = Torch.onesLike(this);
    } else if (!Shapes.same(g.shape, shape)) {
      throw new IllegalArgumentException("backward: gradient has shape " + Shapes.str(g.shape)
          + " but the output has shape " + Shapes.str(shape));
    }
    Engine.run(gradEdge(), g.detach(), retainGraph);
  }

  /**
   * Registers a hook that sees the gradient with respect to this tensor when it is computed and may
   * return a replacement (or null to keep it). Returns a handle that removes it.
   */
  public RemovableHandle registerHook(UnaryOperator<Tensor> hook) {
    if (!requiresGrad()) {
      throw new IllegalStateException("registerHook: cannot register a hook on a tensor that doesn't require "
          + "gradient");
    }
    if (gradFn != null) {
      Node node = gradFn;
      node.addPreHook(hook);
      return () -> node.removePreHook(hook);
    }
    if (leafHooks == null) {
      leafHooks = new ArrayList<>();
    }
    leafHooks.add(hook);
    return () -> leafHooks.remove(hook);
  }

  /**
   * Registers a hook on a leaf that runs after this backward pass has accumulated its final gradient
   * into {@link #grad()} (PyTorch's {@code register_post_accumulate_grad_hook}). The DDP reducer
   * marks parameters ready from here.
   */
  public RemovableHandle registerPostAccumulateGradHook(Consumer<Tensor> hook) {
    if (gradFn != null) {
      throw new IllegalStateException("registerPostAccumulateGradHook: post accumulate grad hooks cannot be "
          + "registered on non-leaf tensors");
    }
    if (!requiresGrad) {
      throw new IllegalStateException("registerPostAccumulateGradHook: cannot register a hook on a tensor "
          + "that doesn't require gradient");
    }
    if (postAccumulateHooks == null) {
      postAccumulateHooks = new ArrayList<>();
    }
    postAccumulateHooks.add(hook);
    return () -> postAccumulateHooks.remove(hook);
  }

  /** Keeps the gradient of a non-leaf in {@link #grad()} after backward; calling it again is a no-op. */
  public Tensor retainGrad() {
    if (gradFn == null || retainsGrad) {
      return this;
    }
    retainsGrad = true;
    gradFn.addPreHook(g -> {
      grad = grad == null ? g.clone() : grad.add(g);
      return g;
    });
    return this;
  }

  List<UnaryOperator<Tensor>> leafHooks() {
    return leafHooks;
  }

  List<Consumer<Tensor>> postAccumulateHooks() {
    return postAccumulateHooks;
  }

  /** Undoes a hook registration. */
  @FunctionalInterface
  public interface RemovableHandle {
    void remove();
  }

  // ---------------------------------------------------------------- conversions

  /** This tensor converted to {@code dtype} (itself when it already has it); differentiable. */
  public Tensor to(DType dtype) {
    return Elementwise.cast(this, dtype);
  }

  /**
   * This tensor on {@code device}: itself when it is already there, otherwise a contiguous copy made by
   * the device's backend; differentiable (the gradient moves back), as PyTorch's {@code Tensor.to}.
   *
   * @throws IllegalStateException when {@code device} cannot be used (see {@link Backends#require})
   * @throws UnsupportedOperationException when its backend has no kernels in this build
   */
  public Tensor to(Device device) {
    Backends.require(device);
    Device from = device();
    if (device.equals(from)) {
      return this;
    }
    Tensor out = empty(dtype(), shape, device);
    Elementwise.copyKernel(this, out);
    return FunctionNode.record(out, "ToCopyBackward0", new Tensor[] {this}, new Tensor[0],
        (g, s) -> new Tensor[] {g.to(from)});
  }

  /**
   * Makes this tensor a view of {@code source}'s elements (its storage, shape, strides and offset),
   * keeping this object, its gradient and its hooks: PyTorch's {@code tensor.data = source}.
   * {@link dev.ddp4j.tensor.nn.Module#to} moves parameters with it, so optimizers and modules keep
   * the objects they hold. Outside autograd: neither tensor may be part of a graph.
   *
   * @throws IllegalArgumentException when the dtypes differ
   * @throws IllegalStateException when this tensor is not a leaf
   */
  public void setData(Tensor source) {
    if (gradFn != null) {
      throw new IllegalStateException("setData: only a leaf tensor's data can be replaced");
    }
    if (source.dtype() != dtype()) {
      throw new IllegalArgumentException("setData: dtype " + source.dtype() + " does not match " + dtype());
    }
    this.storage = source.storage;
    this.shape = source.shape.clone();
    this.stride = source.stride.clone();
    this.offset = source.offset;
  }

  /** A contiguous copy with the same values, recorded for autograd. */
  public Tensor clone() {
    return ShapeOps.cloneOp(this);
  }

  /** This tensor when contiguous, otherwise a contiguous copy. */
  public Tensor contiguous() {
    return isContiguous() ? this : clone();
  }

  /** The value of a one-element tensor. */
  public double item() {
    if (numel() != 1) {
      throw new IllegalStateException("item: a Tensor with " + numel() + " elements cannot be converted to a "
          + "scalar (shape " + Shapes.str(shape) + ")");
    }
    return elementAt(offset);
  }

  /** Element {@code o} of the storage, fetched from the device when the storage is on one. */
  private double elementAt(int o) {
    if (!storage.isOnDevice()) {
      return storage.getDouble(o);
    }
    Storage host = Storage.allocate(dtype(), 1);
    Dispatch.ops(this).download(storage, o, host, 0, 1);
    return host.getDouble(0);
  }

  /** The elements in row-major order as floats (a copy). */
  public float[] toFloatArray() {
    if (storage.isOnDevice()) {
      return detach().to(Device.CPU).toFloatArray();
    }
    Tensor c = Elementwise.cast(detach(), DType.FLOAT32).contiguous();
    float[] out = new float[c.numel()];
    System.arraycopy(c.storage.f, c.offset, out, 0, out.length);
    return out;
  }

  /** The elements in row-major order as doubles (a copy). */
  public double[] toDoubleArray() {
    if (storage.isOnDevice()) {
      return detach().to(Device.CPU).toDoubleArray();
    }
    Tensor c = Elementwise.cast(detach(), DType.FLOAT64).contiguous();
    double[] out = new double[c.numel()];
    System.arraycopy(c.storage.d, c.offset, out, 0, out.length);
    return out;
  }

  /** The elements in row-major order as longs, truncating floats (a copy). */
  public long[] toLongArray() {
    if (storage.isOnDevice()) {
      return detach().to(Device.CPU).toLongArray();
    }
    Tensor c = Elementwise.cast(detach(), DType.INT64).contiguous();
    long[] out = new long[c.numel()];
    System.arraycopy(c.storage.l, c.offset, out, 0, out.length);
    return out;
  }

  /** The element at the given full index, as a double. */
  public double get(int... index) {
    return elementAt(flatOffset("get", index));
  }

  /** Sets the element at the given full index (no autograd); returns this. */
  public Tensor set(double value, int... index) {
    Elementwise.checkInPlace("set", this);
    int o = flatOffset("set", index);
    if (storage.isOnDevice()) {
      Dispatch.ops(this).fill(new TensorView(storage, new int[0], new int[0], o), value);
    } else {
      storage.setDouble(o, value);
    }
    return this;
  }

  int flatOffset(String op, int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(op + ": expected " + shape.length + " indices for shape "
          + Shapes.str(shape) + ", got " + index.length);
    }
    int o = offset;
    for (int i = 0; i < index.length; i++) {
      int ix = index[i] < 0 ? index[i] + shape[i] : index[i];
      if (ix < 0 || ix >= shape[i]) {
        throw new IndexOutOfBoundsException(op + ": index " + index[i] + " is out of bounds for dimension " + i
            + " with size " + shape[i]);
      }
      o += ix * stride[i];
    }
    return o;
  }

  /** True when shapes match and every element is within {@code atol + rtol·|other|}. */
  public boolean allclose(Tensor other, double rtol, double atol) {
    if (!Shapes.same(shape, other.shape)) {
      return false;
    }
    double[] a = toDoubleArray();
    double[] b = other.toDoubleArray();
    for (int i = 0; i < a.length; i++) {
      if (Double.isNaN(a[i]) || Double.isNaN(b[i]) || Math.abs(a[i] - b[i]) > atol + rtol * Math.abs(b[i])) {
        if (!(a[i] == b[i])) {
          return false;
        }
      }
    }
    return true;
  }

  /** PyTorch's defaults: rtol 1e-5, atol 1e-8. */
  public boolean allclose(Tensor other) {
    return allclose(other, 1e-5, 1e-8);
  }

  /** True when shapes and all values are equal. */
  public boolean equal(Tensor other) {
    return allclose(other, 0, 0);
  }

  @Override
  public String toString() {
    return TensorFormat.format(this);
  }

  // ---------------------------------------------------------------- shape (views share storage)

  /** A view with a new shape (one -1 is inferred); fails when the strides do not allow it. */
  public Tensor view(int... newShape) {
    return ShapeOps.view(this, newShape);
  }

  /** A view when possible, otherwise a copy, with the new shape (one -1 is inferred). */
  public Tensor reshape(int... newShape) {
    return ShapeOps.reshape(this, newShape);
  }

  /** A view with this tensor's shape changed to {@code other}'s. */
  public Tensor viewAs(Tensor other) {
    return view(other.shape);
  }

  public Tensor permute(int... dims) {
    return ShapeOps.permute(this, dims);
  }

  public Tensor transpose(int dim0, int dim1) {
    return ShapeOps.transpose(this, dim0, dim1);
  }

  /** Transpose of a tensor of at most 2 dims. */
  public Tensor t() {
    if (shape.length > 2) {
      throw new IllegalArgumentException("t: expects a tensor with <= 2 dimensions, but self is " + shape.length
          + "D (shape " + Shapes.str(shape) + ")");
    }
    return shape.length < 2 ? this : transpose(0, 1);
  }

  /** Flattens every dim into one. */
  public Tensor flatten() {
    return flatten(0, -1);
  }

  /** Flattens dims {@code startDim..endDim} into one. */
  public Tensor flatten(int startDim, int endDim) {
    return ShapeOps.flatten(this, startDim, endDim);
  }

  /** Removes every size-1 dim. */
  public Tensor squeeze() {
    return ShapeOps.squeeze(this);
  }

  /** Removes {@code dim} if its size is 1. */
  public Tensor squeeze(int dim) {
    return ShapeOps.squeeze(this, dim);
  }

  public Tensor unsqueeze(int dim) {
    return ShapeOps.unsqueeze(this, dim);
  }

  /** A view broadcasting size-1 dims to {@code sizes} (-1 keeps a size). */
  public Tensor expand(int... sizes) {
    return ShapeOps.expand(this, sizes);
  }

  public Tensor expandAs(Tensor other) {
    return expand(other.shape);
  }

  /** The slice at {@code index} along {@code dim}, removing that dim ({@code x[:, 1]} is {@code select(1, 1)}). */
  public Tensor select(int dim, int index) {
    return ShapeOps.select(this, dim, index);
  }

  /** The {@code length} elements from {@code start} along {@code dim} (a view). */
  public Tensor narrow(int dim, int start, int length) {
    return ShapeOps.narrow(this, dim, start, length);
  }

  /** Python's {@code x[start:end:step]} along {@code dim} (a view); negative bounds count from the end. */
  public Tensor slice(int dim, int start, int end, int step) {
    return ShapeOps.slice(this, dim, start, end, step);
  }

  /** Splits into pieces of {@code splitSize} along {@code dim} (the last may be smaller). */
  public List<Tensor> split(int splitSize, int dim) {
    return ShapeOps.split(this, splitSize, dim);
  }

  /** Splits into {@code chunks} near-equal pieces along {@code dim}. */
  public List<Tensor> chunk(int chunks, int dim) {
    return ShapeOps.chunk(this, chunks, dim);
  }

  // ---------------------------------------------------------------- indexing

  /** Rows of {@code dim} picked by an int64 index vector. */
  public Tensor indexSelect(int dim, Tensor index) {
    return Indexing.indexSelect(this, dim, index);
  }

  /** {@code out[i][j] = self[index[i][j]][j]} for dim 0, and so on (PyTorch's gather). */
  public Tensor gather(int dim, Tensor index) {
    return Indexing.gather(this, dim, index);
  }

  /** A copy with {@code src} added at {@code index} along {@code dim} (PyTorch's scatter_add). */
  public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
    return Indexing.scatterAdd(this, dim, index, src);
  }

  /** A copy with {@code value} where the bool {@code mask} (broadcast) is true. */
  public Tensor maskedFill(Tensor mask, double value) {
    return Indexing.maskedFill(this, mask, value);
  }

  /** The elements where the bool {@code mask} is true, as a 1-D tensor ({@code x[mask]}). */
  public Tensor maskedSelect(Tensor mask) {
    return Indexing.maskedSelect(this, mask);
  }

  // ---------------------------------------------------------------- elementwise, broadcasting

  public Tensor add(Tensor other) {
    return Elementwise.add(this, other, 1.0);
  }

  /** {@code self + alpha * other}. */
  public Tensor add(Tensor other, double alpha) {
    return Elementwise.add(this, other, alpha);
  }

  public Tensor add(double value) {
    return Elementwise.add(this, Elementwise.scalarLike(value, this), 1.0);
  }

  public Tensor sub(Tensor other) {
    return Elementwise.add(this, other, -1.0);
  }

  /** {@code self - alpha * other}. */
  public Tensor sub(Tensor other, double alpha) {
    return Elementwise.add(this, other, -alpha);
  }

  public Tensor sub(double value) {
    return Elementwise.add(this, Elementwise.scalarLike(value, this), -1.0);
  }

  public Tensor mul(Tensor other) {
    return Elementwise.mul(this, other);
  }

  public Tensor mul(double value) {
    return Elementwise.mul(this, Elementwise.scalarLike(value, this));
  }

  /** True division (integers give float32, as in PyTorch). */
  public Tensor div(Tensor other) {
    return Elementwise.div(this, other);
  }

  public Tensor div(double value) {
    return Elementwise.div(this, Elementwise.scalarLike(value, this));
  }

  /** {@code value - self}, PyTorch's {@code rsub}. */
  public Tensor rsub(double value) {
    return neg().add(value);
  }

  public Tensor neg() {
    return Elementwise.unary(this, UnaryOp.NEG);
  }

  public Tensor pow(double exponent) {
    return Elementwise.powScalar(this, exponent);
  }

  public Tensor pow(Tensor exponent) {
    return Elementwise.pow(this, exponent);
  }

  public Tensor exp() {
    return Elementwise.unary(this, UnaryOp.EXP);
  }

  public Tensor log() {
    return Elementwise.unary(this, UnaryOp.LOG);
  }

  public Tensor sqrt() {
    return Elementwise.unary(this, UnaryOp.SQRT);
  }

  public Tensor abs() {
    return Elementwise.unary(this, UnaryOp.ABS);
  }

  /** -1, 0 or 1 per element. */
  public Tensor sign() {
    return Elementwise.unary(this, UnaryOp.SIGN);
  }

  public Tensor sigmoid() {
    return Elementwise.unary(this, UnaryOp.SIGMOID);
  }

  public Tensor tanh() {
    return Elementwise.unary(this, UnaryOp.TANH);
  }

  public Tensor relu() {
    return Elementwise.unary(this, UnaryOp.RELU);
  }

  /** Limits every element to [min, max]; pass NaN for a missing bound. */
  public Tensor clamp(double min, double max) {
    return Elementwise.clamp(this, min, max);
  }

  public Tensor clampMin(double min) {
    return Elementwise.clamp(this, min, Double.NaN);
  }

  public Tensor clampMax(double max) {
    return Elementwise.clamp(this, Double.NaN, max);
  }

  /** Elementwise maximum of two tensors (PyTorch's {@code torch.maximum}). */
  public Tensor maximum(Tensor other) {
    return Elementwise.binary("maximum", BinaryOp.MAX, this, other);
  }

  /** Elementwise minimum of two tensors (PyTorch's {@code torch.minimum}). */
  public Tensor minimum(Tensor other) {
    return Elementwise.binary("minimum", BinaryOp.MIN, this, other);
  }

  public Tensor gt(Tensor other) {
    return Elementwise.compare(BinaryOp.GT, this, other);
  }

  public Tensor gt(double v) {
    return Elementwise.compare(BinaryOp.GT, this, Elementwise.scalarLike(v, this));
  }

  public Tensor lt(Tensor other) {
    return Elementwise.compare(BinaryOp.LT, this, other);
  }

  public Tensor lt(double v) {
    return Elementwise.compare(BinaryOp.LT, this, Elementwise.scalarLike(v, this));
  }

  public Tensor ge(Tensor other) {
    return Elementwise.compare(BinaryOp.GE, this, other);
  }

  public Tensor ge(double v) {
    return Elementwise.compare(BinaryOp.GE, this, Elementwise.scalarLike(v, this));
  }

  public Tensor le(Tensor other) {
    return Elementwise.compare(BinaryOp.LE, this, other);
  }

  public Tensor le(double v) {
    return Elementwise.compare(BinaryOp.LE, this, Elementwise.scalarLike(v, this));
  }

  public Tensor eq(Tensor other) {
    return Elementwise.compare(BinaryOp.EQ, this, other);
  }

  public Tensor eq(double v) {
    return Elementwise.compare(BinaryOp.EQ, this, Elementwise.scalarLike(v, this));
  }

  public Tensor ne(Tensor other) {
    return Elementwise.compare(BinaryOp.NE, this, other);
  }

  public Tensor ne(double v) {
    return Elementwise.compare(BinaryOp.NE, this, Elementwise.scalarLike(v, this));
  }

  /** Logical not of a bool tensor. */
  public Tensor logicalNot() {
    return Elementwise.compare(BinaryOp.EQ, this.to(DType.BOOL), Elementwise.scalarLike(0, this.to(DType.BOOL)));
  }

  // ---------------------------------------------------------------- in place (no autograd)

  /** {@code self += other} (broadcast into self); returns this. */
  public Tensor add_(Tensor other) {
    return Elementwise.inPlace("add_", this, BinaryOp.ADD, other, 1.0);
  }

  /** {@code self += alpha * other}; returns this. */
  public Tensor add_(Tensor other, double alpha) {
    return Elementwise.inPlace("add_", this, BinaryOp.ADD, other, alpha);
  }

  public Tensor add_(double value) {
    return Elementwise.inPlace("add_", this, BinaryOp.ADD, Elementwise.scalarLike(value, this), 1.0);
  }

  public Tensor sub_(Tensor other) {
    return Elementwise.inPlace("sub_", this, BinaryOp.ADD, other, -1.0);
  }

  public Tensor sub_(Tensor other, double alpha) {
    return Elementwise.inPlace("sub_", this, BinaryOp.ADD, other, -alpha);
  }

  public Tensor mul_(Tensor other) {
    return Elementwise.inPlace("mul_", this, BinaryOp.MUL, other, 1.0);
  }

  public Tensor mul_(double value) {
    return Elementwise.inPlace("mul_", this, BinaryOp.MUL, Elementwise.scalarLike(value, this), 1.0);
  }

  public Tensor div_(Tensor other) {
    return Elementwise.inPlace("div_", this, BinaryOp.DIV, other, 1.0);
  }

  public Tensor div_(double value) {
    return Elementwise.inPlace("div_", this, BinaryOp.DIV, Elementwise.scalarLike(value, this), 1.0);
  }

  /** {@code self += value * t1 * t2}; returns this. */
  public Tensor addcmul_(Tensor t1, Tensor t2, double value) {
    return Elementwise.inPlace("addcmul_", this, BinaryOp.ADD, t1.detach().mul(t2.detach()), value);
  }

  /** {@code self += value * t1 / t2}; returns this. */
  public Tensor addcdiv_(Tensor t1, Tensor t2, double value) {
    return Elementwise.inPlace("addcdiv_", this, BinaryOp.ADD, t1.detach().div(t2.detach()), value);
  }

  /** Square root in place; returns this. */
  public Tensor sqrt_() {
    return copy_(detach().sqrt());
  }

  /** Clamps in place; returns this. */
  public Tensor clamp_(double min, double max) {
    return copy_(detach().clamp(min, max));
  }

  /** Sets every element to zero; returns this. */
  public Tensor zero_() {
    return fill_(0);
  }

  /** Sets every element to {@code value}; returns this. */
  public Tensor fill_(double value) {
    return Elementwise.inPlace("fill_", this, BinaryOp.SECOND, Elementwise.scalarLike(value, this), 1.0);
  }

  /** Copies {@code src} (broadcast, cast to this dtype) into this tensor; returns this. */
  public Tensor copy_(Tensor src) {
    if (!src.device().equals(device()) && !(src.dim() == 0 && src.device() == Device.CPU)) {
      Elementwise.checkInPlace("copy_", this);
      Shapes.broadcast("copy_", shape, src.shape);
      Elementwise.copyKernel(src.detach().expand(shape), this);
      return this;
    }
    return Elementwise.inPlace("copy_", this, BinaryOp.SECOND, src, 1.0);
  }

  // ---------------------------------------------------------------- reductions

  /** Sum of all elements. */
  public Tensor sum() {
    return Reductions.sum(this, null, false);
  }

  public Tensor sum(int dim) {
    return Reductions.sum(this, new int[] {dim}, false);
  }

  public Tensor sum(int dim, boolean keepdim) {
    return Reductions.sum(this, new int[] {dim}, keepdim);
  }

  public Tensor sum(int[] dims, boolean keepdim) {
    return Reductions.sum(this, dims, keepdim);
  }

  public Tensor mean() {
    return Reductions.mean(this, null, false);
  }

  public Tensor mean(int dim) {
    return Reductions.mean(this, new int[] {dim}, false);
  }

  public Tensor mean(int dim, boolean keepdim) {
    return Reductions.mean(this, new int[] {dim}, keepdim);
  }

  public Tensor mean(int[] dims, boolean keepdim) {
    return Reductions.mean(this, dims, keepdim);
  }

  /** Variance over all elements with Bessel's correction (PyTorch's default). */
  public Tensor var() {
    return Reductions.var(this, null, true, false);
  }

  public Tensor var(int dim, boolean unbiased, boolean keepdim) {
    return Reductions.var(this, new int[] {dim}, unbiased, keepdim);
  }

  public Tensor var(int[] dims, boolean unbiased, boolean keepdim) {
    return Reductions.var(this, dims, unbiased, keepdim);
  }

  /** The largest element (NaN if any). */
  public Tensor max() {
    return Reductions.maxAll(this, true);
  }

  /** Largest values along {@code dim} and their indices. */
  public ValuesIndices max(int dim, boolean keepdim) {
    return Reductions.maxMin(this, dim, keepdim, true);
  }

  public ValuesIndices max(int dim) {
    return Reductions.maxMin(this, dim, false, true);
  }

  /** The smallest element (NaN if any). */
  public Tensor min() {
    return Reductions.maxAll(this, false);
  }

  public ValuesIndices min(int dim, boolean keepdim) {
    return Reductions.maxMin(this, dim, keepdim, false);
  }

  public ValuesIndices min(int dim) {
    return Reductions.maxMin(this, dim, false, false);
  }

  /** Index of the largest element of the flattened tensor. */
  public Tensor argmax() {
    return Reductions.maxMin(reshape(-1), 0, false, true).indices();
  }

  public Tensor argmax(int dim, boolean keepdim) {
    return Reductions.maxMin(this, dim, keepdim, true).indices();
  }

  public Tensor argmax(int dim) {
    return argmax(dim, false);
  }

  public Tensor argmin(int dim, boolean keepdim) {
    return Reductions.maxMin(this, dim, keepdim, false).indices();
  }

  public Tensor softmax(int dim) {
    return Reductions.softmax(this, dim);
  }

  public Tensor logSoftmax(int dim) {
    return Reductions.logSoftmax(this, dim);
  }

  public Tensor logSumExp(int dim, boolean keepdim) {
    return Reductions.logSumExp(this, new int[] {dim}, keepdim);
  }

  public Tensor logSumExp(int[] dims, boolean keepdim) {
    return Reductions.logSumExp(this, dims, keepdim);
  }

  /** Values and int64 indices of a max/min along a dim. */
  public record ValuesIndices(Tensor values, Tensor indices) {}

  // ---------------------------------------------------------------- linear algebra

  /** Matrix product of two 2-D tensors. */
  public Tensor mm(Tensor other) {
    return Linalg.mm(this, other);
  }

  /** PyTorch's matmul: dot, mv, mm, or broadcast batched matmul by the inputs' dims. */
  public Tensor matmul(Tensor other) {
    return Linalg.matmul(this, other);
  }

  /** Batched matrix product of two 3-D tensors. */
  public Tensor bmm(Tensor other) {
    return Linalg.bmm(this, other);
  }
}
