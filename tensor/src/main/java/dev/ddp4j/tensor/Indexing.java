package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;

/** Indexing ops: indexSelect, gather, scatterAdd, masks and where, with their backward. */
final class Indexing {
  private Indexing() {}

  private static void requireIndex(String op, Tensor index) {
    if (index.dtype() != DType.INT64) {
      throw new IllegalArgumentException(op + ": Expected dtype int64 for index, got " + index.dtype());
    }
  }

  private static void requireBool(String op, Tensor mask) {
    if (mask.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(op + ": expected a mask of dtype torch.bool, got " + mask.dtype());
    }
  }

  /** Index values must lie in [0, size): unlike Python subscripts, PyTorch's index ops do not wrap negatives. */
  private static int checkedIndex(String op, long ix, int d, int size) {
    if (ix < 0 || ix >= size) {
      throw new IndexOutOfBoundsException(op + ": index " + ix + " is out of bounds for dimension " + d
          + " with size " + size);
    }
    return (int) ix;
  }

  /** Copies one element between storages of the same dtype; int64 goes through long (exact beyond 2^53). */
  private static void copyElement(Storage from, int fromPos, Storage to, int toPos) {
    if (to.dtype() == DType.INT64) {
      to.setLong(toPos, from.getLong(fromPos));
    } else {
      to.setDouble(toPos, from.getDouble(fromPos));
    }
  }

  static Tensor indexSelect(Tensor self, int dim, Tensor index) {
    requireIndex("indexSelect", index);
    if (index.dim() > 1) {
      throw new IllegalArgumentException("indexSelect: index_select(): Index is supposed to be a vector, got shape "
          + Shapes.str(index.shape));
    }
    int d = Shapes.wrapDim("indexSelect", dim, self.dim());
    if (Dispatch.anyOnDevice(self, index) && self.dim() > 0) {
      // A gather with the index stretched over the other dimensions (its backward scatters back).
      Dispatch.device("indexSelect", self, index);
      int[] outShape = self.shape.clone();
      outShape[d] = index.numel();
      int[] along = new int[self.dim()];
      java.util.Arrays.fill(along, 1);
      along[d] = index.numel();
      return gather(self, d, index.reshape(along).expand(outShape));
    }
    Dispatch.requireCpu("indexSelect", self, index);
    long[] idx = index.toLongArray();
    int size = self.dim() == 0 ? 1 : self.shape[d];
    int[] shape = self.shape.clone();
    if (self.dim() > 0) {
      shape[d] = idx.length;
    }
    Tensor out = Tensor.empty(self.dtype(), shape);
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (int i = 0; i < idx.length; i++) {
        int src = checkedIndex("indexSelect", idx[i], d, size);
        if (self.dim() == 0) {
          out.copy_(self);
        } else {
          out.select(d, i).copy_(self.select(d, src));
        }
      }
    }
    int[] inShape = self.shape;
    return FunctionNode.record(out, "IndexSelectBackward0", new Tensor[] {self}, new Tensor[] {index},
        (g, s) -> {
          Tensor z = Torch.zeros(g.dtype(), inShape);
          long[] ix = s[0].toLongArray();
          for (int i = 0; i < ix.length; i++) {
            int src = (int) ix[i];
            if (inShape.length == 0) {
              z.add_(g);
            } else {
              z.select(d, src).add_(g.select(d, i));
            }
          }
          return new Tensor[] {z};
        });
  }

  /** Visits every element position of {@code index}: (flat position in index, flat position in target). */
  private interface PairVisitor {
    void visit(int indexPos, int targetPos);
  }

  /** The shape rules of gather and scatter: same rank, and index no larger than target except along d. */
  private static void checkIndexShape(String op, Tensor target, Tensor index, int d) {
    int n = index.dim();
    if (n != target.dim()) {
      throw new IllegalArgumentException(op + ": Index tensor must have the same number of dimensions as input "
          + "tensor (index shape " + Shapes.str(index.shape) + ", input shape " + Shapes.str(target.shape) + ")");
    }
    for (int k = 0; k < n; k++) {
      if (k != d && index.shape[k] > target.shape[k]) {
        throw new IllegalArgumentException(op + ": Size does not match at dimension " + k + " expected index "
            + Shapes.str(index.shape) + " to be smaller than self " + Shapes.str(target.shape)
            + " apart from dimension " + d);
      }
    }
  }

  /** Walks index's positions; the target position replaces coordinate {@code d} with the index value. */
  private static void walkIndexed(String op, Tensor target, Tensor index, int d, PairVisitor v) {
    checkIndexShape(op, target, index, d);
    int n = index.dim();
    int total = index.numel();
    int[] coord = new int[n];
    for (int p = 0; p < total; p++) {
      int ip = index.offset;
      int tp = target.offset;
      for (int k = 0; k < n; k++) {
        ip += coord[k] * index.stride[k];
      }
      long ix = index.storage.getLong(ip);
      for (int k = 0; k < n; k++) {
        int c = k == d ? checkedIndex(op, ix, d, target.shape[d]) : coord[k];
        tp += c * target.stride[k];
      }
      v.visit(ip, tp);
      for (int k = n - 1; k >= 0; k--) {
        if (++coord[k] < index.shape[k]) {
          break;
        }
        coord[k] = 0;
      }
    }
  }

  static Tensor gather(Tensor self, int dim, Tensor index) {
    requireIndex("gather", index);
    int d = Shapes.wrapDim("gather", dim, self.dim());
    if (Dispatch.anyOnDevice(self, index) && self.dim() > 0) {
      Device device = Dispatch.device("gather", self, index);
      checkIndexShape("gather", self, index, d);
      Tensor out = Tensor.empty(self.dtype(), index.shape, device);
      Dispatch.ops(device).gather(Dispatch.view(self), d, Dispatch.view(index), Dispatch.view(out));
      int[] inShape = self.shape;
      return FunctionNode.record(out, "GatherBackward0", new Tensor[] {self}, new Tensor[] {index},
          (g, s) -> new Tensor[] {Tensor.empty(g.dtype(), inShape, g.device()).scatterAdd(d, s[0], g)});
    }
    Dispatch.requireCpu("gather", self, index);
    Tensor out = Tensor.empty(self.dtype(), index.shape);
    int[] outStride = out.stride;
    walkIndexed("gather", self, index, d, new PairVisitor() {
      private int k;

      @Override
      public void visit(int indexPos, int targetPos) {
        copyElement(self.storage, targetPos, out.storage, k++);
      }
    });
    assert outStride.length == index.dim();
    int[] inShape = self.shape;
    return FunctionNode.record(out, "GatherBackward0", new Tensor[] {self}, new Tensor[] {index},
        (g, s) -> new Tensor[] {Tensor.empty(g.dtype(), inShape, g.device()).scatterAdd(d, s[0], g)});
  }

  static Tensor scatterAdd(Tensor self, int dim, Tensor index, Tensor src) {
    requireIndex("scatterAdd", index);
    int d = Shapes.wrapDim("scatterAdd", dim, self.dim());
    if (src.dtype() != self.dtype()) {
      throw new IllegalArgumentException("scatterAdd: Expected self.dtype to be equal to src.dtype (got "
          + self.dtype() + " and " + src.dtype() + ")");
    }
    for (int k = 0; k < index.dim() && k < src.dim(); k++) {
      if (index.shape[k] > src.shape[k]) {
        throw new IllegalArgumentException("scatterAdd: Expected index " + Shapes.str(index.shape)
            + " to be smaller than src " + Shapes.str(src.shape) + " in every dimension");
      }
    }
    Tensor out = ShapeOps.contiguousCopy(self);
    Tensor srcC = src.detach();
    if (Dispatch.anyOnDevice(self, index, src) && self.dim() > 0) {
      Device device = Dispatch.device("scatterAdd", self, index, src);
      checkIndexShape("scatterAdd", out, index, d);
      Dispatch.ops(device).scatterAdd(Dispatch.view(out), d, Dispatch.view(index), Dispatch.view(srcC));
    } else {
      Dispatch.requireCpu("scatterAdd", self, index, src);
      scatterAddOnCpu(out, index, d, srcC);
    }
    int[] idxShape = index.shape;
    int[] srcShape = src.shape;
    return FunctionNode.record(out, "ScatterAddBackward0", new Tensor[] {self, src}, new Tensor[] {index},
        (g, s) -> {
          Tensor gs = g.gather(d, s[0]);
          if (!Shapes.same(idxShape, srcShape)) {
            // src elements beyond the index's extent were not scattered: their gradient is 0.
            Tensor z = Tensor.empty(g.dtype(), srcShape, g.device());
            Tensor block = z;
            for (int k = 0; k < idxShape.length; k++) {
              block = block.narrow(k, 0, idxShape[k]);
            }
            block.copy_(gs);
            gs = z;
          }
          return new Tensor[] {g, gs};
        });
  }

  /** Adds srcC's elements into out (contiguous, on the CPU) at index's positions along d. */
  private static void scatterAddOnCpu(Tensor out, Tensor index, int d, Tensor srcC) {
    walkIndexed("scatterAdd", out, index, d, new PairVisitor() {
      private final int[] coord = new int[index.dim()];

      @Override
      public void visit(int indexPos, int targetPos) {
        int sp = srcC.offset;
        for (int k = 0; k < coord.length; k++) {
          sp += coord[k] * srcC.stride[k];
        }
        if (out.dtype() == DType.INT64) {
          out.storage.setLong(targetPos, out.storage.getLong(targetPos) + srcC.storage.getLong(sp));
        } else {
          out.storage.setDouble(targetPos, out.storage.getDouble(targetPos) + srcC.storage.getDouble(sp));
        }
        for (int k = coord.length - 1; k >= 0; k--) {
          if (++coord[k] < index.shape[k]) {
            break;
          }
          coord[k] = 0;
        }
      }
    });
  }

  static Tensor where(Tensor cond, Tensor a, Tensor b) {
    requireBool("where", cond);
    int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape, a.shape), b.shape);
    DType rt = Elementwise.resultType(a, b);
    Tensor x = Elementwise.castNoGrad(a, rt);
    Tensor y = Elementwise.castNoGrad(b, rt);
    Tensor out;
    if (Dispatch.anyOnDevice(cond, a, b)) {
      // out = b everywhere, then a where cond holds.
      Device device = Dispatch.device("where", cond, a, b);
      out = Tensor.empty(rt, shape, device);
      Elementwise.copyKernel(Dispatch.onDevice(y, device).expand(shape), out);
      Dispatch.ops(device).maskedCopy(Dispatch.broadcastView(Dispatch.onDevice(x, device), shape),
          Dispatch.broadcastView(Dispatch.onDevice(cond, device), shape), Dispatch.view(out));
    } else {
      out = whereOnCpu(cond, x, y, shape, rt);
    }
    int[] as = a.shape;
    int[] bs = b.shape;
    DType at = a.dtype();
    DType bt = b.dtype();
    return FunctionNode.record(out, "WhereBackward0", new Tensor[] {null, a, b}, new Tensor[] {cond},
        (g, s) -> new Tensor[] {null,
            Elementwise.reduceGrad(g.maskedFill(s[0].logicalNot(), 0), as, at),
            Elementwise.reduceGrad(g.maskedFill(s[0], 0), bs, bt)});
  }

  private static Tensor whereOnCpu(Tensor cond, Tensor x, Tensor y, int[] shape, DType rt) {
    Tensor out = Tensor.empty(rt, shape);
    int[][] strides = {out.stride, Shapes.broadcastStrides(cond.shape, cond.stride, shape),
        Shapes.broadcastStrides(x.shape, x.stride, shape), Shapes.broadcastStrides(y.shape, y.stride, shape)};
    int[] base = {out.offset, cond.offset, x.offset, y.offset};
    byte[] c = cond.storage.b;
    Storage os = out.storage;
    boolean isLong = rt == DType.INT64;
    StridedIter.forEachRow(shape, strides, base, (off, in, len) -> {
      for (int i = 0; i < len; i++) {
        boolean pick = c[off[1] + i * in[1]] != 0;
        Storage from = pick ? x.storage : y.storage;
        int fp = pick ? off[2] + i * in[2] : off[3] + i * in[3];
        if (isLong) {
          os.setLong(off[0] + i * in[0], from.getLong(fp));
        } else {
          os.setDouble(off[0] + i * in[0], from.getDouble(fp));
        }
      }
    });
    return out;
  }

  static Tensor maskedFill(Tensor self, Tensor mask, double value) {
    requireBool("maskedFill", mask);
    int[] shape = Shapes.broadcast("maskedFill", self.shape, mask.shape);
    if (!Shapes.same(shape, self.shape)) {
      throw new IllegalArgumentException("maskedFill: mask of shape " + Shapes.str(mask.shape)
          + " cannot be broadcast to the tensor's shape " + Shapes.str(self.shape));
    }
    Tensor v = Tensor.empty(self.dtype(), new int[0]);
    v.storage.setDouble(0, value);
    Tensor out;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      out = where(mask, v, self);
    }
    return FunctionNode.record(out, "MaskedFillBackward0", new Tensor[] {self}, new Tensor[] {mask},
        (g, s) -> new Tensor[] {g.maskedFill(s[0], 0)});
  }

  static Tensor maskedSelect(Tensor self, Tensor mask) {
    Dispatch.requireCpu("maskedSelect", self, mask);
    requireBool("maskedSelect", mask);
    int[] shape = Shapes.broadcast("maskedSelect", self.shape, mask.shape);
    Tensor x = self.detach().expand(shape).contiguous();
    Tensor m = mask.expand(shape).contiguous();
    byte[] mb = m.storage.b;
    int count = 0;
    for (int i = 0; i < m.numel(); i++) {
      count += mb[m.offset + i];
    }
    Tensor out = Tensor.empty(self.dtype(), new int[] {count});
    for (int i = 0, k = 0; i < m.numel(); i++) {
      if (mb[m.offset + i] != 0) {
        copyElement(x.storage, x.offset + i, out.storage, k++);
      }
    }
    int[] inShape = self.shape;
    DType dt = self.dtype();
    return FunctionNode.record(out, "MaskedSelectBackward0", new Tensor[] {self}, new Tensor[] {m},
        (g, s) -> {
          Tensor z = Torch.zeros(g.dtype(), shape);
          byte[] bb = s[0].storage.b;
          Tensor gc = g.contiguous();
          for (int i = 0, k = 0; i < z.numel(); i++) {
            if (bb[s[0].offset + i] != 0) {
              z.storage.setDouble(i, gc.storage.getDouble(gc.offset + k++));
            }
          }
          return new Tensor[] {Elementwise.reduceGrad(z, inShape, dt)};
        });
  }
}
