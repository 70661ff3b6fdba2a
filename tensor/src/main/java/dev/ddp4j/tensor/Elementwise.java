package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;

/**
 * Elementwise ops with NumPy broadcasting and PyTorch's type promotion, their CPU kernels, and
 * their backward formulas. Float32 has unrolled fast paths for contiguous and scalar operands;
 * float64 and int64 run a generic strided loop; 16-bit floats compute in float32.
 */
final class Elementwise {
  private Elementwise() {}

  /** Elements below this count run on the calling thread. */
  private static final int PARALLEL_GRAIN_ELEMENTS = 1 << 15;

  /** A 0-dim tensor for a Java scalar, typed so that it does not promote {@code like} (PyTorch's rule). */
  static Tensor scalarLike(double value, Tensor like) {
    DType dt;
    if (like.dtype().isHalf()) {
      dt = DType.FLOAT32;  // the scalar keeps float32 precision; the result stays 16-bit (category rule)
    } else if (like.dtype().isFloatingPoint()) {
      dt = like.dtype();
    } else if (value == Math.rint(value) && !Double.isInfinite(value)) {
      dt = like.dtype() == DType.BOOL && (value == 0 || value == 1) ? DType.BOOL : DType.INT64;
    } else {
      dt = DType.FLOAT32;
    }
    Tensor t = Tensor.empty(dt, new int[0]);
    t.storage.setDouble(0, value);
    return t;
  }

  /**
   * PyTorch's result type: a 0-dim operand does not promote a dimensioned one of its category, and
   * one of a higher category (float over int64 over bool) decides the type by its own dtype.
   */
  static DType resultType(Tensor a, Tensor b) {
    boolean aScalar = a.dim() == 0;
    boolean bScalar = b.dim() == 0;
    if (aScalar != bScalar) {
      Tensor dimd = aScalar ? b : a;
      Tensor sc = aScalar ? a : b;
      if (category(sc.dtype()) <= category(dimd.dtype())) {
        return dimd.dtype();
      }
      return sc.dtype();
    }
    return DType.promote(a.dtype(), b.dtype());
  }

  private static int category(DType t) {
    return t == DType.BOOL ? 0 : t.isFloatingPoint() ? 2 : 1;
  }

  /** Converts without recording autograd. */
  static Tensor castNoGrad(Tensor t, DType dtype) {
    if (t.dtype() == dtype) {
      return t;
    }
    Tensor out = Tensor.empty(dtype, t.shape, t.device());
    copyKernel(t, out);
    return out;
  }

  static Tensor cast(Tensor t, DType dtype) {
    if (t.dtype() == dtype) {
      return t;
    }
    Tensor out = castNoGrad(t, dtype);
    if (!dtype.isFloatingPoint()) {
      return out;
    }
    DType from = t.dtype();
    return FunctionNode.record(out, "ToCopyBackward0", new Tensor[] {t}, new Tensor[0],
        (g, s) -> new Tensor[] {g.to(from)});
  }

  // ------------------------------------------------------------------ differentiable ops

  static Tensor add(Tensor a, Tensor b, double alpha) {
    Tensor out = compute(alpha >= 0 ? "add" : "sub", BinaryOp.ADD, a, b, alpha);
    int[] as = a.shape;
    int[] bs = b.shape;
    DType at = a.dtype();
    DType bt = b.dtype();
    return FunctionNode.record(out, alpha == -1.0 ? "SubBackward0" : "AddBackward0", new Tensor[] {a, b},
        new Tensor[0], (g, s) -> new Tensor[] {
            reduceGrad(g, as, at), reduceGrad(alpha == 1.0 ? g : g.mul(alpha), bs, bt)});
  }

  static Tensor mul(Tensor a, Tensor b) {
    Tensor out = compute("mul", BinaryOp.MUL, a, b, 1.0);
    int[] as = a.shape;
    int[] bs = b.shape;
    DType at = a.dtype();
    DType bt = b.dtype();
    return FunctionNode.record(out, "MulBackward0", new Tensor[] {a, b}, new Tensor[] {a, b},
        (g, s) -> new Tensor[] {reduceGrad(g.mul(s[1]), as, at), reduceGrad(g.mul(s[0]), bs, bt)});
  }

  static Tensor div(Tensor a, Tensor b) {
    Tensor out = compute("div", BinaryOp.DIV, a, b, 1.0);
    int[] as = a.shape;
    int[] bs = b.shape;
    DType at = a.dtype();
    DType bt = b.dtype();
    return FunctionNode.record(out, "DivBackward0", new Tensor[] {a, b}, new Tensor[] {a, b},
        (g, s) -> new Tensor[] {
            reduceGrad(g.div(s[1]), as, at),
            reduceGrad(g.neg().mul(s[0]).div(s[1].mul(s[1])), bs, bt)});
  }

  static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
    Tensor out = compute(name, op, a, b, 1.0);
    if (op != BinaryOp.MAX && op != BinaryOp.MIN) {
      throw new AssertionError(op);
    }
    int[] as = a.shape;
    int[] bs = b.shape;
    DType at = a.dtype();
    DType bt = b.dtype();
    boolean isMax = op == BinaryOp.MAX;
    return FunctionNode.record(out, isMax ? "MaximumBackward0" : "MinimumBackward0", new Tensor[] {a, b},
        new Tensor[] {a, b}, (g, s) -> {
          Tensor wins = isMax ? s[0].gt(s[1]) : s[0].lt(s[1]);
          Tensor ties = s[0].eq(s[1]);
          Tensor wa = wins.to(g.dtype()).add(ties.to(g.dtype()).mul(0.5));
          Tensor wb = wa.rsub(1.0);
          return new Tensor[] {reduceGrad(g.mul(wa), as, at), reduceGrad(g.mul(wb), bs, bt)};
        });
  }

  static Tensor pow(Tensor a, Tensor b) {
    Tensor out = compute("pow", BinaryOp.POW, a, b, 1.0);
    int[] as = a.shape;
    int[] bs = b.shape;
    DType at = a.dtype();
    DType bt = b.dtype();
    return FunctionNode.record(out, "PowBackward1", new Tensor[] {a, b}, new Tensor[] {a, b, out},
        (g, s) -> {
          Tensor ga = g.mul(s[1]).mul(s[0].pow(s[1].sub(1.0)));
          // d/db a^b = a^b log a, defined as 0 where a == 0 and b >= 0 (as PyTorch).
          Tensor gb = g.mul(s[2]).mul(s[0].log()).maskedFill(s[0].eq(0).mul(s[1].ge(0)).to(DType.BOOL), 0);
          return new Tensor[] {reduceGrad(ga, as, at), reduceGrad(gb, bs, bt)};
        });
  }

  static Tensor powScalar(Tensor a, double p) {
    Tensor out = compute("pow", BinaryOp.POW, a, scalarLike(p, a), 1.0);
    return FunctionNode.record(out, "PowBackward0", new Tensor[] {a}, new Tensor[] {a}, (g, s) -> new Tensor[] {
        p == 0 ? Torch.zerosLike(g) : g.mul(s[0].pow(p - 1)).mul(p)});
  }

  static Tensor unary(Tensor a, UnaryOp op) {
    DType dt = a.dtype();
    boolean keepsInt = op == UnaryOp.NEG || op == UnaryOp.ABS || op == UnaryOp.RELU || op == UnaryOp.SIGN;
    if (dt == DType.BOOL && (op == UnaryOp.NEG)) {
      throw new IllegalArgumentException("neg: negation, the `-` operator, on a bool tensor is not supported");
    }
    if (!dt.isFloatingPoint() && !keepsInt) {
      dt = DType.FLOAT32;
    }
    DType ct = dt.computeType();
    Tensor src = castNoGrad(a, ct);
    Tensor out = Tensor.empty(ct, a.shape, a.device());
    unaryKernel(op, src, out);
    out = castNoGrad(out, dt);
    return FunctionNode.record(out, op.backwardName(), new Tensor[] {a}, new Tensor[] {a, out}, (g, s) -> {
      Tensor x = s[0];
      Tensor y = s[1];
      Tensor gx = switch (op) {
        case NEG -> g.neg();
        case EXP -> g.mul(y);
        case LOG -> g.div(x);
        case SQRT -> g.div(y.mul(2.0));
        case ABS -> g.mul(x.sign());
        case SIGN -> Torch.zerosLike(g);
        case SIGMOID -> g.mul(y.mul(y.rsub(1.0)));
        case TANH -> g.mul(y.mul(y).rsub(1.0));
        case RELU -> reluBackward(g, y);
      };
      return new Tensor[] {gx};
    });
  }

  /**
   * The input gradient of relu from its output {@code y}: {@code y <= 0 ? 0 : g}, PyTorch's
   * {@code threshold_backward} (a NaN output passes its gradient through). One pass for the common float32
   * case.
   */
  static Tensor reluBackward(Tensor g, Tensor y) {
    if (Dispatch.anyOnDevice(g, y) && Shapes.same(g.shape, y.shape)) {
      // In float32 on the device (bfloat16 under autocast is widened and the result rounded back).
      Dispatch.device("relu backward", g, y);
      Tensor gc = denseNoGrad(castNoGrad(g, DType.FLOAT32));
      Tensor yc = denseNoGrad(castNoGrad(y, DType.FLOAT32));
      Tensor out = Tensor.empty(DType.FLOAT32, g.shape, g.device());
      Dispatch.ops(out).reluBackward(Dispatch.view(gc), Dispatch.view(yc), Dispatch.view(out));
      return castNoGrad(out, g.dtype());
    }
    if (g.dtype() == DType.FLOAT32 && y.dtype() == DType.FLOAT32 && g.isContiguous() && y.isContiguous()
        && Shapes.same(g.shape, y.shape)) {
      Tensor out = Tensor.empty(DType.FLOAT32, g.shape);
      float[] o = out.storage.f;
      float[] gv = g.storage.f;
      float[] yv = y.storage.f;
      int go = g.offset;
      int yo = y.offset;
      Threads.parallelFor(0, o.length, PARALLEL_GRAIN_ELEMENTS, (from, to) -> {
        for (int i = from; i < to; i++) {
          o[i] = Float.intBitsToFloat(Float.floatToRawIntBits(gv[go + i]) & passMask(yv[yo + i]));
        }
      });
      return out;
    }
    return g.maskedFill(y.le(0), 0);
  }

  private static Tensor denseNoGrad(Tensor t) {
    return t.isContiguous() ? t : ShapeOps.contiguousCopy(t);
  }

  /**
   * All zeros when {@code y <= 0}, else (above zero, or NaN) all ones, computed without a branch: a loop of
   * {@code y <= 0 ? 0 : g} mispredicts on about every other element of a ReLU's output, masking g's bits
   * does not. As an int, y's bits are {@code <= 0} for +0 and for everything with the sign bit set; of
   * those, the ones with a magnitude above infinity's are NaNs.
   */
  private static int passMask(float y) {
    int bits = Float.floatToRawIntBits(y);
    int signedOrZero = ((bits - 1) | bits) >> 31;
    int notNan = ~((0x7f800000 - (bits & 0x7fffffff)) >> 31);
    return ~(signedOrZero & notNan);
  }

  static Tensor clamp(Tensor a, double min, double max) {
    boolean hasMin = !Double.isNaN(min);
    boolean hasMax = !Double.isNaN(max);
    if (!hasMin && !hasMax) {
      throw new IllegalArgumentException("clamp: at least one of 'min' or 'max' must not be None");
    }
    Tensor out = a;
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      if (hasMin) {
        out = compute("clamp", BinaryOp.MAX, out, scalarLike(min, a), 1.0);
      }
      if (hasMax) {
        out = compute("clamp", BinaryOp.MIN, out, scalarLike(max, a), 1.0);
      }
    }
    if (out == a) {
      out = a.detach();
    }
    return FunctionNode.record(out, "ClampBackward1", new Tensor[] {a}, new Tensor[] {a}, (g, s) -> {
      // g times each bool mask in turn (no bool·bool product, which has no device kernel).
      Tensor gx = g;
      if (hasMin) {
        gx = gx.mul(s[0].ge(min));
      }
      if (hasMax) {
        gx = gx.mul(s[0].le(max));
      }
      return new Tensor[] {gx};
    });
  }

  static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
    int[] shape = Shapes.broadcast(op.name().toLowerCase(), a.shape, b.shape);
    DType ct = resultType(a, b).computeType();
    Tensor out = Tensor.empty(DType.BOOL, shape, Dispatch.device(op.name().toLowerCase(), a, b));
    kernel(op, 1.0, castNoGrad(a, ct), castNoGrad(b, ct), out);
    return out;
  }

  /** Sum {@code g} down to {@code shape} (undoing broadcasting) and cast to {@code dtype}. */
  static Tensor reduceGrad(Tensor g, int[] shape, DType dtype) {
    Tensor r = g;
    if (!Shapes.same(g.shape, shape)) {
      int lead = g.dim() - shape.length;
      int[] dims = new int[g.dim()];
      int n = 0;
      for (int i = 0; i < g.dim(); i++) {
        if (i < lead || (shape[i - lead] == 1 && g.shape[i] != 1)) {
          dims[n++] = i;
        }
      }
      r = n == 0 ? g : g.sum(java.util.Arrays.copyOf(dims, n), true);
      r = r.reshape(shape);
    }
    return dtype.isFloatingPoint() && r.dtype() != dtype ? r.to(dtype) : r;
  }

  // ------------------------------------------------------------------ in place

  /** Refuses in-place writes into a tensor autograd tracks. */
  static void checkInPlace(String op, Tensor self) {
    if (GradMode.isEnabled() && self.requiresGrad()) {
      throw new IllegalStateException(op + ": a " + (self.isLeaf() ? "leaf " : "") + "tensor that requires grad "
          + "is being used in an in-place operation (shape " + Shapes.str(self.shape) + "); wrap it in "
          + "GradMode.noGrad() or use the out-of-place op");
    }
  }

  static Tensor inPlace(String name, Tensor self, BinaryOp op, Tensor other, double alpha) {
    checkInPlace(name, self);
    for (int i = 0; i < self.dim(); i++) {
      if (self.stride[i] == 0 && self.shape[i] > 1) {
        throw new IllegalArgumentException(name + ": unsupported operation: more than one element of the "
            + "written-to tensor refers to a single memory location (shape " + Shapes.str(self.shape)
            + ", stride " + Shapes.str(self.stride) + "); clone() the tensor before writing to it");
      }
    }
    int[] shape = Shapes.broadcast(name, self.shape, other.shape);
    if (!Shapes.same(shape, self.shape)) {
      throw new IllegalArgumentException(name + ": output with shape " + Shapes.str(self.shape)
          + " doesn't match the broadcast shape " + Shapes.str(shape));
    }
    DType rt = op == BinaryOp.SECOND ? self.dtype() : resultType(self, other);
    if (op == BinaryOp.DIV && !rt.isFloatingPoint()) {
      rt = DType.FLOAT32;
    }
    if (op != BinaryOp.SECOND && rt.isFloatingPoint() && !self.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(name + ": result type " + rt + " can't be cast to the desired output "
          + "type " + self.dtype());
    }
    DType ct = self.dtype().computeType();
    // A copy into bool converts each value by != 0 (bool arithmetic goes through int64 below).
    if (ct == self.dtype() && (ct != DType.BOOL || op == BinaryOp.SECOND)) {
      kernel(op, alpha, self, castNoGrad(other, ct), self);
    } else {
      Tensor tmp = castNoGrad(self, ct == DType.BOOL ? DType.INT64 : ct);
      Tensor res = Tensor.empty(tmp.dtype(), self.shape, self.device());
      kernel(op, alpha, tmp, castNoGrad(other, tmp.dtype()), res);
      copyKernel(res, self);
    }
    return self;
  }

  // ------------------------------------------------------------------ kernels

  /** Computes {@code op(a, b)} into a fresh tensor of the promoted type. */
  private static Tensor compute(String name, BinaryOp op, Tensor a, Tensor b, double alpha) {
    DType rt = resultType(a, b);
    if (op == BinaryOp.DIV && !rt.isFloatingPoint()) {
      rt = DType.FLOAT32;
    }
    if (rt == DType.BOOL && op != BinaryOp.MAX && op != BinaryOp.MIN) {
      rt = DType.INT64;
    }
    if (!rt.isFloatingPoint() && alpha != Math.rint(alpha)) {
      throw new IllegalArgumentException(name + ": for integral input tensors, argument alpha must not be a "
          + "floating point number (got " + alpha + ")");
    }
    int[] shape = Shapes.broadcast(name, a.shape, b.shape);
    DType ct = rt.computeType();
    Tensor out = Tensor.empty(ct == DType.BOOL ? DType.INT64 : ct, shape, Dispatch.device(name, a, b));
    kernel(op, alpha, castNoGrad(a, out.dtype()), castNoGrad(b, out.dtype()), out);
    return castNoGrad(out, rt);
  }

  /** {@code out = op(a, alpha·b)} (alpha only for ADD) over out's shape; a and b broadcast to it. */
  static void kernel(BinaryOp op, double alpha, Tensor a, Tensor b, Tensor out) {
    if (out.storage.isOnDevice() || a.storage.isOnDevice() || b.storage.isOnDevice()) {
      Device d = Dispatch.device(op.name().toLowerCase(), out, a, b);
      Tensor da = Dispatch.onDevice(a, d);
      Tensor db = Dispatch.onDevice(b, d);
      Dispatch.ops(d).binary(op, alpha, Dispatch.broadcastView(da, out.shape), Dispatch.broadcastView(db, out.shape),
          Dispatch.view(out));
      return;
    }
    int[] shape = out.shape;
    int[][] strides = {out.stride, Shapes.broadcastStrides(a.shape, a.stride, shape),
        Shapes.broadcastStrides(b.shape, b.stride, shape)};
    int[] base = {out.offset, a.offset, b.offset};
    DType ct = a.dtype();
    if (out.dtype() == DType.FLOAT32 && ct == DType.FLOAT32) {
      float[] o = out.storage.f;
      float[] x = a.storage.f;
      float[] y = b.storage.f;
      float al = (float) alpha;
      if (out.isContiguous() && a.isContiguous() && b.isContiguous() && Shapes.same(a.shape, shape)
          && Shapes.same(b.shape, shape) && out.numel() >= 2 * PARALLEL_GRAIN_ELEMENTS) {
        int oo = out.offset;
        int ao = a.offset;
        int bo = b.offset;
        Threads.parallelFor(0, out.numel(), PARALLEL_GRAIN_ELEMENTS,
            (from, to) -> f32Row(op, al, o, oo + from, 1, x, ao + from, 1, y, bo + from, 1, to - from));
        return;
      }
      StridedIter.forEachRow(shape, strides, base,
          (off, in, len) -> f32Row(op, al, o, off[0], in[0], x, off[1], in[1], y, off[2], in[2], len));
    } else if (ct == DType.FLOAT32 && out.dtype() == DType.BOOL && op.isComparison()) {
      byte[] o = out.storage.b;
      float[] x = a.storage.f;
      float[] y = b.storage.f;
      StridedIter.forEachRow(shape, strides, base, (off, in, len) -> {
        int oo = off[0];
        int xo = off[1];
        int yo = off[2];
        int os = in[0];
        int xs = in[1];
        int ys = in[2];
        for (int i = 0; i < len; i++) {
          float u = x[xo + i * xs];
          float v = y[yo + i * ys];
          boolean r = switch (op) {
            case GT -> u > v;
            case LT -> u < v;
            case GE -> u >= v;
            case LE -> u <= v;
            case EQ -> u == v;
            default -> u != v;
          };
          o[oo + i * os] = (byte) (r ? 1 : 0);
        }
      });
    } else if (ct == DType.INT64 && (out.dtype() == DType.INT64 || out.dtype() == DType.BOOL)) {
      long al = (long) alpha;
      Storage os = out.storage;
      long[] x = a.storage.l;
      long[] y = b.storage.l;
      StridedIter.forEachRow(shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          long yv = y[off[2] + i * in[2]];
          long v = op.applyLong(x[off[1] + i * in[1]], op == BinaryOp.ADD ? al * yv : yv);
          os.setLong(off[0] + i * in[0], v);
        }
      });
    } else {
      Storage os = out.storage;
      Storage xs = a.storage;
      Storage ys = b.storage;
      StridedIter.forEachRow(shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          double yv = ys.getDouble(off[2] + i * in[2]);
          os.setDouble(off[0] + i * in[0], op.apply(xs.getDouble(off[1] + i * in[1]),
              op == BinaryOp.ADD ? alpha * yv : yv));
        }
      });
    }
  }

  private static void f32Row(BinaryOp op, float alpha, float[] o, int oo, int os, float[] x, int xo, int xs,
      float[] y, int yo, int ys, int len) {
    if (os == 1 && xs == 1 && (ys == 1 || ys == 0)) {
      if (ys == 1) {
        switch (op) {
          case ADD -> {
            if (alpha == 1f) {
              for (int i = 0; i < len; i++) {
                o[oo + i] = x[xo + i] + y[yo + i];
              }
            } else {
              for (int i = 0; i < len; i++) {
                o[oo + i] = x[xo + i] + alpha * y[yo + i];
              }
            }
            return;
          }
          case MUL -> {
            for (int i = 0; i < len; i++) {
              o[oo + i] = x[xo + i] * y[yo + i];
            }
            return;
          }
          case DIV -> {
            for (int i = 0; i < len; i++) {
              o[oo + i] = x[xo + i] / y[yo + i];
            }
            return;
          }
          case SECOND -> {
            System.arraycopy(y, yo, o, oo, len);
            return;
          }
          default -> { }
        }
      } else {
        float v = y[yo];
        switch (op) {
          case ADD -> {
            float av = alpha * v;
            for (int i = 0; i < len; i++) {
              o[oo + i] = x[xo + i] + av;
            }
            return;
          }
          case MUL -> {
            for (int i = 0; i < len; i++) {
              o[oo + i] = x[xo + i] * v;
            }
            return;
          }
          case DIV -> {
            for (int i = 0; i < len; i++) {
              o[oo + i] = x[xo + i] / v;
            }
            return;
          }
          case SECOND -> {
            java.util.Arrays.fill(o, oo, oo + len, v);
            return;
          }
          default -> { }
        }
      }
    }
    for (int i = 0; i < len; i++) {
      float yv = y[yo + i * ys];
      o[oo + i * os] = op == BinaryOp.ADD ? x[xo + i * xs] + alpha * yv
          : (float) op.apply(x[xo + i * xs], yv);
    }
  }

  static void unaryKernel(UnaryOp op, Tensor a, Tensor out) {
    if (out.storage.isOnDevice() || a.storage.isOnDevice()) {
      Device d = Dispatch.device(op.name().toLowerCase(), out, a);
      Dispatch.ops(d).unary(op, Dispatch.view(a), Dispatch.view(out));
      return;
    }
    if (op == UnaryOp.RELU && a.dtype() == DType.FLOAT32 && a.isContiguous() && a.offset == 0 && out.offset == 0) {
      // One index for both arrays: the JIT vectorises this loop, not one with an offset per array.
      float[] o = out.storage.f;
      float[] x = a.storage.f;
      Threads.parallelFor(0, a.numel(), PARALLEL_GRAIN_ELEMENTS, (from, to) -> {
        for (int i = from; i < to; i++) {
          o[i] = Math.max(x[i], 0f);
        }
      });
      return;
    }
    int[][] strides = {out.stride, a.stride};
    int[] base = {out.offset, a.offset};
    if (a.dtype() == DType.FLOAT32) {
      float[] o = out.storage.f;
      float[] x = a.storage.f;
      StridedIter.forEachRow(a.shape, strides, base, (off, in, len) -> {
        int oo = off[0];
        int xo = off[1];
        int xs = in[1];
        if (op == UnaryOp.RELU && xs == 1) {
          // Math.max keeps NaN, as PyTorch's relu does, and vectorises.
          for (int i = 0; i < len; i++) {
            o[oo + i] = Math.max(x[xo + i], 0f);
          }
        } else if (op == UnaryOp.RELU) {
          for (int i = 0; i < len; i++) {
            o[oo + i] = Math.max(x[xo + i * xs], 0f);
          }
        } else if (op == UnaryOp.NEG) {
          for (int i = 0; i < len; i++) {
            o[oo + i] = -x[xo + i * xs];
          }
        } else {
          for (int i = 0; i < len; i++) {
            o[oo + i] = (float) op.apply(x[xo + i * xs]);
          }
        }
      });
    } else if (a.dtype() == DType.INT64) {
      long[] o = out.storage.l;
      long[] x = a.storage.l;
      StridedIter.forEachRow(a.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          long v = x[off[1] + i * in[1]];
          o[off[0] + i] = switch (op) {
            case NEG -> -v;
            case ABS -> Math.abs(v);
            case RELU -> Math.max(v, 0);
            case SIGN -> Long.signum(v);
            default -> throw new AssertionError(op);
          };
        }
      });
    } else {
      Storage os = out.storage;
      Storage xs = a.storage;
      StridedIter.forEachRow(a.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          os.setDouble(off[0] + i, op.apply(xs.getDouble(off[1] + i * in[1])));
        }
      });
    }
  }

  /** Copies {@code src} into {@code dst} (same shape), converting dtypes as a cast does. */
  static void copyKernel(Tensor src, Tensor dst) {
    if (src.storage.isOnDevice() || dst.storage.isOnDevice()) {
      deviceCopy(src, dst);
      return;
    }
    int[][] strides = {dst.stride, src.stride};
    int[] base = {dst.offset, src.offset};
    Storage ds = dst.storage;
    Storage ss = src.storage;
    if (ds.dtype() == ss.dtype() && ds.dtype() == DType.FLOAT32) {
      float[] o = ds.f;
      float[] x = ss.f;
      StridedIter.forEachRow(src.shape, strides, base, (off, in, len) -> {
        if (in[0] == 1 && in[1] == 1) {
          System.arraycopy(x, off[1], o, off[0], len);
        } else {
          for (int i = 0; i < len; i++) {
            o[off[0] + i * in[0]] = x[off[1] + i * in[1]];
          }
        }
      });
    } else if (ds.dtype() == DType.FLOAT64 && ss.dtype() == DType.FLOAT32) {
      double[] o = ds.d;
      float[] x = ss.f;
      StridedIter.forEachRow(src.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          o[off[0] + i * in[0]] = x[off[1] + i * in[1]];
        }
      });
    } else if (ds.dtype() == DType.FLOAT32 && ss.dtype() == DType.FLOAT64) {
      float[] o = ds.f;
      double[] x = ss.d;
      StridedIter.forEachRow(src.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          o[off[0] + i * in[0]] = (float) x[off[1] + i * in[1]];
        }
      });
    } else if (ds.dtype() == DType.INT64 && ss.dtype() == DType.INT64) {
      long[] o = ds.l;
      long[] x = ss.l;
      StridedIter.forEachRow(src.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          o[off[0] + i * in[0]] = x[off[1] + i * in[1]];
        }
      });
    } else if (ds.dtype() == DType.FLOAT32 && ss.dtype() == DType.BOOL) {
      float[] o = ds.f;
      byte[] x = ss.b;
      StridedIter.forEachRow(src.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          o[off[0] + i * in[0]] = x[off[1] + i * in[1]];
        }
      });
    } else {
      boolean toBool = ds.dtype() == DType.BOOL;
      StridedIter.forEachRow(src.shape, strides, base, (off, in, len) -> {
        for (int i = 0; i < len; i++) {
          int so = off[1] + i * in[1];
          if (toBool) {
            ds.setDouble(off[0] + i * in[0], ss.getDouble(so) != 0 ? 1 : 0);
          } else if (ss.dtype() == DType.INT64) {
            ds.setLong(off[0] + i * in[0], ss.getLong(so));
          } else {
            ds.setDouble(off[0] + i * in[0], ss.getDouble(so));
          }
        }
      });
    }
  }

  /**
   * {@link #copyKernel} where either side is on a device: host-device transfers through contiguous
   * staging copies (dtype conversion and strides are done on the CPU side), device-to-device copies by
   * the device's kernels (same dtype), and a copy between two devices through the CPU.
   */
  private static void deviceCopy(Tensor src, Tensor dst) {
    Device from = src.storage.device();
    Device to = dst.storage.device();
    if (from.equals(to)) {
      // Same dtype, or float32 <-> bfloat16 (autocast's casts); DeviceOps refuses the rest, naming them.
      Dispatch.ops(to).copy(Dispatch.broadcastView(src, dst.shape), Dispatch.view(dst));
    } else if (from.type() == Device.Type.CPU) {
      Tensor host = ShapeOps.contiguousCopy(castNoGrad(src.detach().expand(dst.shape), dst.dtype()));
      Tensor target = dst.isContiguous() ? dst : Tensor.empty(dst.dtype(), dst.shape, to);
      Dispatch.ops(to).upload(host.storage, host.offset, target.storage, target.offset, host.numel());
      if (target != dst) {
        Dispatch.ops(to).copy(Dispatch.view(target), Dispatch.view(dst));
      }
    } else {
      Tensor staged = src.isContiguous() && Shapes.same(src.shape, dst.shape) ? src
          : Tensor.empty(src.dtype(), dst.shape, from);
      if (staged != src) {
        Dispatch.ops(from).copy(Dispatch.broadcastView(src, dst.shape), Dispatch.view(staged));
      }
      Tensor host = Tensor.empty(src.dtype(), dst.shape, Device.CPU);
      Dispatch.ops(from).download(staged.storage, staged.offset, host.storage, 0, host.numel());
      copyKernel(host, dst);
    }
  }
}
