package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Shape ops: views that share storage (with their backward), copies, cat and stack. */
final class ShapeOps {
  private ShapeOps() {}

  private static Tensor viewOf(Tensor t, int[] shape, int[] stride, int offset) {
    return new Tensor(t.storage, shape, stride, offset);
  }

  static Tensor view(Tensor t, int[] requested) {
    int[] shape = Shapes.inferSize("view", requested, t.numel(), t.shape);
    int[] stride = Shapes.viewStrides(t.shape, t.stride, shape);
    if (stride == null) {
      throw new IllegalArgumentException("view: size " + Shapes.str(shape) + " is not compatible with input "
          + "tensor's size " + Shapes.str(t.shape) + " and stride " + Shapes.str(t.stride) + " (at least one "
          + "dimension spans across two contiguous subspaces); use reshape() instead");
    }
    return reshapeRecord(t, viewOf(t, shape, stride, t.offset), "ViewBackward0");
  }

  static Tensor reshape(Tensor t, int[] requested) {
    int[] shape = Shapes.inferSize("reshape", requested, t.numel(), t.shape);
    int[] stride = Shapes.viewStrides(t.shape, t.stride, shape);
    if (stride != null) {
      return reshapeRecord(t, viewOf(t, shape, stride, t.offset), "ViewBackward0");
    }
    Tensor c = contiguousCopy(t);
    return reshapeRecord(t, viewOf(c, shape, Shapes.contiguousStrides(shape), 0), "ReshapeAliasBackward0");
  }

  private static Tensor reshapeRecord(Tensor in, Tensor out, String name) {
    int[] inShape = in.shape;
    return FunctionNode.record(out, name, new Tensor[] {in}, new Tensor[0],
        (g, s) -> new Tensor[] {g.reshape(inShape)});
  }

  static Tensor permute(Tensor t, int[] dims) {
    int n = t.dim();
    if (dims.length != n) {
      throw new IllegalArgumentException("permute: number of dims don't match in permute: input has " + n
          + " dims (shape " + Shapes.str(t.shape) + ") but got " + dims.length + " dims " + Arrays.toString(dims));
    }
    int[] shape = new int[n];
    int[] stride = new int[n];
    int[] inverse = new int[n];
    boolean[] seen = new boolean[n];
    for (int i = 0; i < n; i++) {
      int d = Shapes.wrapDim("permute", dims[i], n);
      if (seen[d]) {
        throw new IllegalArgumentException("permute: repeated dim " + d + " in " + Arrays.toString(dims));
      }
      seen[d] = true;
      shape[i] = t.shape[d];
      stride[i] = t.stride[d];
      inverse[d] = i;
    }
    return FunctionNode.record(viewOf(t, shape, stride, t.offset), "PermuteBackward0", new Tensor[] {t},
        new Tensor[0], (g, s) -> new Tensor[] {g.permute(inverse)});
  }

  static Tensor transpose(Tensor t, int d0, int d1) {
    int n = t.dim();
    if (n == 0) {
      return t;
    }
    int a = Shapes.wrapDim("transpose", d0, n);
    int b = Shapes.wrapDim("transpose", d1, n);
    int[] dims = new int[n];
    for (int i = 0; i < n; i++) {
      dims[i] = i;
    }
    dims[a] = b;
    dims[b] = a;
    return permute(t, dims);
  }

  static Tensor flatten(Tensor t, int start, int end) {
    if (t.dim() == 0) {
      return t.reshape(1);
    }
    int s = Shapes.wrapDim("flatten", start, t.dim());
    int e = Shapes.wrapDim("flatten", end, t.dim());
    if (s > e) {
      throw new IllegalArgumentException("flatten: start_dim " + start + " cannot come after end_dim " + end);
    }
    int[] shape = new int[t.dim() - (e - s)];
    int k = 0;
    for (int i = 0; i < t.dim(); i++) {
      if (i <= s || i > e) {
        shape[k++] = t.shape[i];
      } else {
        shape[k - 1] *= t.shape[i];
      }
    }
    return t.reshape(shape);
  }

  static Tensor squeeze(Tensor t) {
    int[] shape = Arrays.stream(t.shape).filter(s -> s != 1).toArray();
    return t.reshape(shape);
  }

  static Tensor squeeze(Tensor t, int dim) {
    if (t.dim() == 0) {
      return t;
    }
    int d = Shapes.wrapDim("squeeze", dim, t.dim());
    if (t.shape[d] != 1) {
      return t;
    }
    int[] shape = new int[t.dim() - 1];
    for (int i = 0, k = 0; i < t.dim(); i++) {
      if (i != d) {
        shape[k++] = t.shape[i];
      }
    }
    return t.reshape(shape);
  }

  static Tensor unsqueeze(Tensor t, int dim) {
    int d = Shapes.wrapDim("unsqueeze", dim, t.dim() + 1);
    int[] shape = new int[t.dim() + 1];
    int[] stride = new int[t.dim() + 1];
    for (int i = 0, k = 0; i < shape.length; i++) {
      if (i == d) {
        shape[i] = 1;
        stride[i] = k < t.dim() ? t.stride[k] * t.shape[k] : 1;
      } else {
        shape[i] = t.shape[k];
        stride[i] = t.stride[k];
        k++;
      }
    }
    return reshapeRecord(t, viewOf(t, shape, stride, t.offset), "UnsqueezeBackward0");
  }

  static Tensor expand(Tensor t, int[] sizes) {
    if (sizes.length < t.dim()) {
      throw new IllegalArgumentException("expand: the number of sizes provided (" + sizes.length + ") must be "
          + "greater or equal to the number of dimensions in the tensor (" + t.dim() + ", shape "
          + Shapes.str(t.shape) + ")");
    }
    int lead = sizes.length - t.dim();
    int[] shape = new int[sizes.length];
    int[] stride = new int[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      int in = i - lead;
      int want = sizes[i];
      if (in < 0) {
        if (want < 0) {
          throw new IllegalArgumentException("expand: the expanded size of the tensor (" + want + ") isn't "
              + "allowed in a leading, non-existing dimension " + i);
        }
        shape[i] = want;
        stride[i] = 0;
      } else {
        int have = t.shape[in];
        if (want == -1) {
          want = have;
        }
        if (have == want) {
          shape[i] = have;
          stride[i] = t.stride[in];
        } else if (have == 1) {
          shape[i] = want;
          stride[i] = 0;
        } else {
          throw new IllegalArgumentException("expand: the expanded size of the tensor (" + want + ") must match "
              + "the existing size (" + have + ") at non-singleton dimension " + i + ". Target sizes: "
              + Arrays.toString(sizes) + ". Tensor sizes: " + Shapes.str(t.shape));
        }
      }
    }
    int[] inShape = t.shape;
    DType dt = t.dtype();
    return FunctionNode.record(viewOf(t, shape, stride, t.offset), "ExpandBackward0", new Tensor[] {t},
        new Tensor[0], (g, s) -> new Tensor[] {Elementwise.reduceGrad(g, inShape, dt)});
  }

  static Tensor select(Tensor t, int dim, int index) {
    if (t.dim() == 0) {
      throw new IllegalArgumentException("select: select() cannot be applied to a 0-dim tensor");
    }
    int d = Shapes.wrapDim("select", dim, t.dim());
    int size = t.shape[d];
    if (index < -size || index >= size) {
      throw new IndexOutOfBoundsException("select: index " + index + " out of range for tensor of size "
          + Shapes.str(t.shape) + " at dimension " + d);
    }
    int i = index < 0 ? index + size : index;
    int[] shape = new int[t.dim() - 1];
    int[] stride = new int[t.dim() - 1];
    for (int k = 0, j = 0; k < t.dim(); k++) {
      if (k != d) {
        shape[j] = t.shape[k];
        stride[j++] = t.stride[k];
      }
    }
    int[] inShape = t.shape;
    return FunctionNode.record(viewOf(t, shape, stride, t.offset + i * t.stride[d]), "SelectBackward0",
        new Tensor[] {t}, new Tensor[0], (g, s) -> {
          Tensor z = Tensor.empty(g.dtype(), inShape, g.device());
          z.select(d, i).copy_(g);
          return new Tensor[] {z};
        });
  }

  static Tensor narrow(Tensor t, int dim, int start, int length) {
    if (t.dim() == 0) {
      throw new IllegalArgumentException("narrow: narrow() cannot be applied to a 0-dim tensor");
    }
    int d = Shapes.wrapDim("narrow", dim, t.dim());
    int size = t.shape[d];
    int s = start < 0 ? start + size : start;
    if (s < 0 || s > size || length < 0 || s + length > size) {
      throw new IndexOutOfBoundsException("narrow: start (" + start + ") + length (" + length + ") exceeds "
          + "dimension size (" + size + ") of dimension " + d + " in shape " + Shapes.str(t.shape));
    }
    return slice(t, d, s, s + length, 1);
  }

  static Tensor slice(Tensor t, int dim, int start, int end, int step) {
    int d = Shapes.wrapDim("slice", dim, t.dim());
    if (step <= 0) {
      throw new IllegalArgumentException("slice: slice step must be positive, got " + step);
    }
    int size = t.shape[d];
    int s = clampIndex(start, size);
    int e = Math.max(clampIndex(end, size), s);
    int len = (e - s + step - 1) / step;
    int[] shape = t.shape.clone();
    int[] stride = t.stride.clone();
    shape[d] = len;
    stride[d] = t.stride[d] * step;
    int[] inShape = t.shape;
    return FunctionNode.record(viewOf(t, shape, stride, t.offset + s * t.stride[d]), "SliceBackward0",
        new Tensor[] {t}, new Tensor[0], (g, sv) -> {
          Tensor z = Tensor.empty(g.dtype(), inShape, g.device());
          z.slice(d, s, e, step).copy_(g);
          return new Tensor[] {z};
        });
  }

  private static int clampIndex(int i, int size) {
    int v = i < 0 ? i + size : i;
    return Math.max(0, Math.min(v, size));
  }

  static List<Tensor> split(Tensor t, int splitSize, int dim) {
    if (splitSize <= 0) {
      throw new IllegalArgumentException("split: split_size must be positive, got " + splitSize);
    }
    int d = Shapes.wrapDim("split", dim, t.dim());
    List<Tensor> out = new ArrayList<>();
    for (int s = 0; s < t.shape[d] || (s == 0 && t.shape[d] == 0); s += splitSize) {
      out.add(narrow(t, d, s, Math.min(splitSize, t.shape[d] - s)));
      if (t.shape[d] == 0) {
        break;
      }
    }
    return out;
  }

  static List<Tensor> chunk(Tensor t, int chunks, int dim) {
    if (chunks <= 0) {
      throw new IllegalArgumentException("chunk: chunk expects `chunks` to be greater than 0, got: " + chunks);
    }
    int d = Shapes.wrapDim("chunk", dim, t.dim());
    int size = (t.shape[d] + chunks - 1) / chunks;
    return split(t, Math.max(size, 1), d);
  }

  static Tensor cloneOp(Tensor t) {
    Tensor out = contiguousCopy(t);
    return FunctionNode.record(out, "CloneBackward0", new Tensor[] {t}, new Tensor[0],
        (g, s) -> new Tensor[] {g});
  }

  /** A contiguous copy, outside autograd. */
  static Tensor contiguousCopy(Tensor t) {
    Tensor out = Tensor.empty(t.dtype(), t.shape, t.device());
    Elementwise.copyKernel(t, out);
    return out;
  }

  static Tensor cat(List<Tensor> tensors, int dim) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("cat: expected a non-empty list of Tensors");
    }
    Tensor first = tensors.get(0);
    if (first.dim() == 0) {
      throw new IllegalArgumentException("cat: zero-dimensional tensor (at position 0) cannot be concatenated");
    }
    int d = Shapes.wrapDim("cat", dim, first.dim());
    DType dt = first.dtype();
    int total = 0;
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      dt = DType.promote(dt, t.dtype());
      if (t.dim() != first.dim()) {
        throw new IllegalArgumentException("cat: tensors must have same number of dimensions: got "
            + first.dim() + " and " + t.dim() + " (shapes " + Shapes.str(first.shape) + " and "
            + Shapes.str(t.shape) + " at position " + i + ")");
      }
      for (int k = 0; k < t.dim(); k++) {
        if (k != d && t.shape[k] != first.shape[k]) {
          throw new IllegalArgumentException("cat: sizes of tensors must match except in dimension " + d
              + ". Expected size " + first.shape[k] + " but got size " + t.shape[k] + " for tensor number " + i
              + " in the list (shapes " + Shapes.str(first.shape) + " and " + Shapes.str(t.shape) + ")");
        }
      }
      total += t.shape[d];
    }
    int[] shape = first.shape.clone();
    shape[d] = total;
    Tensor out = Tensor.empty(dt, shape, Dispatch.device("cat", tensors.toArray(new Tensor[0])));
    int[] sizes = new int[tensors.size()];
    int pos = 0;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (int i = 0; i < tensors.size(); i++) {
        Tensor t = tensors.get(i);
        sizes[i] = t.shape[d];
        out.narrow(d, pos, sizes[i]).copy_(t);
        pos += sizes[i];
      }
    }
    Tensor[] inputs = tensors.toArray(new Tensor[0]);
    DType[] types = new DType[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      types[i] = inputs[i].dtype();
    }
    return FunctionNode.record(out, "CatBackward0", inputs, new Tensor[0], (g, s) -> {
      Tensor[] grads = new Tensor[sizes.length];
      int p = 0;
      for (int i = 0; i < sizes.length; i++) {
        grads[i] = g.narrow(d, p, sizes[i]).to(types[i]);
        p += sizes[i];
      }
      return grads;
    });
  }

  static Tensor stack(List<Tensor> tensors, int dim) {
    if (tensors.isEmpty()) {
      throw new IllegalArgumentException("stack: expects a non-empty TensorList");
    }
    int d = Shapes.wrapDim("stack", dim, tensors.get(0).dim() + 1);
    List<Tensor> parts = new ArrayList<>(tensors.size());
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      if (!Shapes.same(t.shape, tensors.get(0).shape)) {
        throw new IllegalArgumentException("stack: stack expects each tensor to be equal size, but got "
            + Shapes.str(tensors.get(0).shape) + " at entry 0 and " + Shapes.str(t.shape) + " at entry " + i);
      }
      parts.add(t.unsqueeze(d));
    }
    return cat(parts, d);
  }
}
