package dev.ddp4j.tensor;

import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.cpu.Gemm;
import java.util.Arrays;

/**
 * Matrix products: mm and bmm call the GEMM kernel directly on strided operands (a transposed view
 * costs no copy); matmul reduces to them by PyTorch's rules (dot, mv, mm, broadcast batched).
 * bfloat16 and float16 products accumulate in float32 and round the result once. Each entry point
 * applies {@link Autocast}: inside an enabled scope its floating operands are first cast to the
 * autocast dtype.
 */
final class Linalg {
  private Linalg() {}

  /** How one matrix operand is handed to GEMM: transposed or not, and its leading dimension. */
  private record Operand(Tensor t, boolean trans, int ld) {}

  /** A layout GEMM can read without copying (rows × cols at t's offset with strides s0, s1), or a copy. */
  private static Operand operand(Tensor t, int rows, int cols, int s0, int s1) {
    int r0 = rows == 1 ? Math.max(cols, 1) : s0;
    int r1 = cols == 1 ? 1 : s1;
    if (r1 == 1 && r0 >= Math.max(cols, 1)) {
      return new Operand(t, false, r0);
    }
    int c0 = rows == 1 ? 1 : s0;
    int c1 = cols == 1 ? Math.max(rows, 1) : s1;
    if (c0 == 1 && c1 >= Math.max(rows, 1)) {
      return new Operand(t, true, c1);
    }
    return null;
  }

  private static void checkSameDtype(String op, Tensor a, Tensor b) {
    if (a.dtype() != b.dtype()) {
      throw new IllegalArgumentException(op + ": expected m1 and m2 to have the same dtype, but got: "
          + a.dtype() + " != " + b.dtype());
    }
  }

  static Tensor mm(Tensor a, Tensor b) {
    DType ac = Autocast.dtype();
    if (ac != null) {
      a = Autocast.toLowerPrecision(a, ac);
      b = Autocast.toLowerPrecision(b, ac);
    }
    if (a.dim() != 2 || b.dim() != 2) {
      throw new IllegalArgumentException("mm: expected 2-D tensors, got " + a.dim() + "-D " + Shapes.str(a.shape)
          + " and " + b.dim() + "-D " + Shapes.str(b.shape));
    }
    checkSameDtype("mm", a, b);
    if (a.shape[1] != b.shape[0]) {
      throw new IllegalArgumentException("mm: mat1 and mat2 shapes cannot be multiplied (" + a.shape[0] + "x"
          + a.shape[1] + " and " + b.shape[0] + "x" + b.shape[1] + ")");
    }
    Tensor out = batchedProduct(a.unsqueeze(0).detach(), b.unsqueeze(0).detach()).view(a.shape[0], b.shape[1]);
    boolean needA = a.requiresGrad();
    boolean needB = b.requiresGrad();
    return FunctionNode.record(out, "MmBackward0", new Tensor[] {a, b}, new Tensor[] {a, b},
        (g, s) -> new Tensor[] {needA ? g.mm(s[1].t()) : null, needB ? s[0].t().mm(g) : null});
  }

  static Tensor bmm(Tensor a, Tensor b) {
    DType ac = Autocast.dtype();
    if (ac != null) {
      a = Autocast.toLowerPrecision(a, ac);
      b = Autocast.toLowerPrecision(b, ac);
    }
    if (a.dim() != 3 || b.dim() != 3) {
      throw new IllegalArgumentException("bmm: expected 3-D tensors, got " + a.dim() + "-D " + Shapes.str(a.shape)
          + " and " + b.dim() + "-D " + Shapes.str(b.shape));
    }
    checkSameDtype("bmm", a, b);
    if (a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
      throw new IllegalArgumentException("bmm: batch1 and batch2 shapes cannot be multiplied ("
          + Shapes.str(a.shape) + " and " + Shapes.str(b.shape) + ")");
    }
    Tensor out = batchedProduct(a.detach(), b.detach());
    boolean needA = a.requiresGrad();
    boolean needB = b.requiresGrad();
    return FunctionNode.record(out, "BmmBackward0", new Tensor[] {a, b}, new Tensor[] {a, b},
        (g, s) -> new Tensor[] {
            needA ? g.bmm(s[1].transpose(1, 2)) : null, needB ? s[0].transpose(1, 2).bmm(g) : null});
  }

  /** out[i] = a[i] · b[i] for 3-D a [B,n,k], b [B,k,m], no autograd. */
  private static Tensor batchedProduct(Tensor a, Tensor b) {
    DType dt = a.dtype();
    DType ct = dt.computeType();
    if (dt == DType.BFLOAT16 && Dispatch.anyOnDevice(a, b)) {
      Tensor out = deviceBf16Product(a, b);
      if (out != null) {
        return out;
      }
    }
    if (dt != ct) {
      return Elementwise.castNoGrad(
          batchedProduct(Elementwise.castNoGrad(a, ct), Elementwise.castNoGrad(b, ct)), dt);
    }
    int batch = a.shape[0];
    int n = a.shape[1];
    int k = a.shape[2];
    int m = b.shape[2];
    Device device = Dispatch.device("matmul", a, b);
    if (device.type() != Device.Type.CPU) {
      Dispatch.requireFloat32("matmul", a, b);
    }
    Tensor out = Tensor.empty(dt, new int[] {batch, n, m}, device);
    if (dt != DType.FLOAT32 && dt != DType.FLOAT64) {
      return naiveProduct(a, b, out);
    }
    Operand oa = operand(a, n, k, a.stride[1], a.stride[2]);
    if (oa == null) {
      Tensor c = ShapeOps.contiguousCopy(a);
      oa = new Operand(c, false, Math.max(k, 1));
    }
    Operand ob = operand(b, k, m, b.stride[1], b.stride[2]);
    if (ob == null) {
      Tensor c = ShapeOps.contiguousCopy(b);
      ob = new Operand(c, false, Math.max(m, 1));
    }
    int ldc = Math.max(m, 1);
    for (int i = 0; i < batch; i++) {
      int aOff = oa.t.offset + i * oa.t.stride[0];
      int bOff = ob.t.offset + i * ob.t.stride[0];
      int cOff = i * n * m;
      if (device.type() != Device.Type.CPU) {
        Dispatch.ops(device).gemm(oa.trans, ob.trans, n, m, k, 1f, oa.t.storage, aOff, oa.ld, ob.t.storage, bOff,
            ob.ld, 0f, out.storage, cOff, ldc);
      } else if (dt == DType.FLOAT32) {
        Gemm.sgemm(oa.trans, ob.trans, n, m, k, 1f, oa.t.storage.f, aOff, oa.ld, ob.t.storage.f, bOff, ob.ld,
            0f, out.storage.f, cOff, ldc);
      } else {
        Gemm.dgemm(oa.trans, ob.trans, n, m, k, 1.0, oa.t.storage.d, aOff, oa.ld, ob.t.storage.d, bOff, ob.ld,
            0.0, out.storage.d, cOff, ldc);
      }
    }
    return out;
  }

  /**
   * A bfloat16 product on a device by the device's bfloat16 GEMM (tensor cores on CUDA): bfloat16 operands,
   * float32 sums, one rounding of the result; the CPU's numerics. Null when an operand's layout needs a
   * copy first (the caller then widens to float32).
   */
  private static Tensor deviceBf16Product(Tensor a, Tensor b) {
    Device device = Dispatch.device("matmul", a, b);
    int batch = a.shape[0];
    int n = a.shape[1];
    int k = a.shape[2];
    int m = b.shape[2];
    Operand oa = operand(a, n, k, a.stride[1], a.stride[2]);
    Operand ob = operand(b, k, m, b.stride[1], b.stride[2]);
    if (oa == null || ob == null) {
      return null;
    }
    Tensor out = Tensor.empty(DType.FLOAT32, new int[] {batch, n, m}, device);
    int ldc = Math.max(m, 1);
    for (int i = 0; i < batch; i++) {
      Dispatch.ops(device).gemm(oa.trans, ob.trans, n, m, k, 1f, a.storage, a.offset + i * a.stride[0], oa.ld,
          b.storage, b.offset + i * b.stride[0], ob.ld, 0f, out.storage, i * n * m, ldc);
    }
    return Elementwise.castNoGrad(out, DType.BFLOAT16);
  }

  private static Tensor naiveProduct(Tensor a, Tensor b, Tensor out) {
    int batch = a.shape[0];
    int n = a.shape[1];
    int k = a.shape[2];
    int m = b.shape[2];
    for (int bi = 0; bi < batch; bi++) {
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) {
          long s = 0;
          for (int p = 0; p < k; p++) {
            s += a.storage.getLong(a.offset + bi * a.stride[0] + i * a.stride[1] + p * a.stride[2])
                * b.storage.getLong(b.offset + bi * b.stride[0] + p * b.stride[1] + j * b.stride[2]);
          }
          out.storage.setLong((bi * n + i) * m + j, s);
        }
      }
    }
    return out;
  }

  static Tensor matmul(Tensor a, Tensor b) {
    DType ac = Autocast.dtype();
    if (ac != null) {
      a = Autocast.toLowerPrecision(a, ac);
      b = Autocast.toLowerPrecision(b, ac);
    }
    int da = a.dim();
    int db = b.dim();
    if (da == 0 || db == 0) {
      throw new IllegalArgumentException("matmul: both arguments to matmul need to be at least 1D, but they are "
          + da + "D and " + db + "D (shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape) + ")");
    }
    checkSameDtype("matmul", a, b);
    if (da == 1 && db == 1) {
      if (a.shape[0] != b.shape[0]) {
        throw new IllegalArgumentException("matmul: inconsistent tensor size, expected tensor [" + a.shape[0]
            + "] and src [" + b.shape[0] + "] to have the same number of elements");
      }
      return a.unsqueeze(0).mm(b.unsqueeze(1)).view();
    }
    if (da == 2 && db == 1) {
      checkInner(a, b, a.shape[1], b.shape[0]);
      return a.mm(b.unsqueeze(1)).squeeze(1);
    }
    if (da == 1 && db == 2) {
      checkInner(a, b, a.shape[0], b.shape[0]);
      return a.unsqueeze(0).mm(b).squeeze(0);
    }
    if (da == 2 && db == 2) {
      checkInner(a, b, a.shape[1], b.shape[0]);
      return a.mm(b);
    }
    if (db == 1) {
      return matmul(a, b.unsqueeze(1)).squeeze(-1);
    }
    if (da == 1) {
      return matmul(a.unsqueeze(0), b).squeeze(-2);
    }
    int n = a.shape[da - 2];
    int k = a.shape[da - 1];
    int k2 = b.shape[db - 2];
    int m = b.shape[db - 1];
    checkInner(a, b, k, k2);
    if (db == 2) {
      // Fold the batch into rows: one GEMM instead of many.
      int[] outShape = Arrays.copyOf(a.shape, da);
      outShape[da - 1] = m;
      return a.reshape(-1, k).mm(b).view(outShape);
    }
    int[] batchA = Arrays.copyOf(a.shape, da - 2);
    int[] batchB = Arrays.copyOf(b.shape, db - 2);
    int[] batch = Shapes.broadcast("matmul", batchA, batchB);
    int[] ea = Arrays.copyOf(batch, batch.length + 2);
    ea[batch.length] = n;
    ea[batch.length + 1] = k;
    int[] eb = Arrays.copyOf(batch, batch.length + 2);
    eb[batch.length] = k;
    eb[batch.length + 1] = m;
    int[] outShape = Arrays.copyOf(batch, batch.length + 2);
    outShape[batch.length] = n;
    outShape[batch.length + 1] = m;
    return a.expand(ea).reshape(-1, n, k).bmm(b.expand(eb).reshape(-1, k, m)).view(outShape);
  }

  /**
   * {@code x · wᵀ + b} (PyTorch's {@code F.linear}) as one GEMM with the bias as its initial C; the
   * weight gradient comes out [out, in] directly, without a transposed copy.
   */
  static Tensor linear(Tensor x, Tensor w, Tensor b) {
    DType ac = Autocast.dtype();
    if (ac != null) {
      x = Autocast.toLowerPrecision(x, ac);
      w = Autocast.toLowerPrecision(w, ac);
      b = Autocast.toLowerPrecision(b, ac);
    }
    return linearNoAutocast(x, w, b);
  }

  private static Tensor linearNoAutocast(Tensor x, Tensor w, Tensor b) {
    if (w.dim() != 2) {
      throw new IllegalArgumentException("linear: weight must be 2-D [out_features, in_features], got shape "
          + Shapes.str(w.shape));
    }
    if (x.dim() == 0 || x.shape[x.dim() - 1] != w.shape[1]) {
      throw new IllegalArgumentException("linear: mat1 and mat2 shapes cannot be multiplied (input "
          + Shapes.str(x.shape) + " and weight " + Shapes.str(w.shape) + " need input's last dim = "
          + w.shape[1] + ")");
    }
    if (b != null && (b.dim() != 1 || b.shape[0] != w.shape[0])) {
      throw new IllegalArgumentException("linear: bias must have shape [" + w.shape[0] + "], got "
          + Shapes.str(b.shape));
    }
    checkSameDtype("linear", x, w);
    if (b != null) {
      checkSameDtype("linear", x, b);
    }
    if (x.dim() != 2) {
      int[] outShape = x.shape.clone();
      outShape[outShape.length - 1] = w.shape[0];
      return linearNoAutocast(x.reshape(-1, w.shape[1]), w, b).view(outShape);
    }
    DType dt = x.dtype();
    if (dt == DType.BFLOAT16 && Dispatch.anyOnDevice(x, w, b)) {
      Tensor out = deviceBf16Linear(x, w, b);
      if (out != null) {
        return out;
      }
    }
    if (dt.isHalf()) {
      // As PyTorch on the CPU: the product and the bias add in float32, rounded once. The casts are
      // differentiable, so the backward also runs in float32 and rounds the input gradients.
      DType ct = dt.computeType();
      return linearNoAutocast(x.to(ct), w.to(ct), b == null ? null : b.to(ct)).to(dt);
    }
    if (dt != DType.FLOAT32 && dt != DType.FLOAT64) {
      Tensor y = x.matmul(w.t());
      return b == null ? y : y.add(b);
    }
    int n = x.shape[0];
    int in = w.shape[1];
    int outF = w.shape[0];
    Device device = Dispatch.device("linear", x, w, b);
    if (device.type() != Device.Type.CPU) {
      Dispatch.requireFloat32("linear", x, w, b);
    }
    Tensor out = Tensor.empty(dt, new int[] {n, outF}, device);
    if (b != null) {
      Elementwise.copyKernel(b.detach().expand(n, outF), out);
    }
    Operand ox = operand(x, n, in, x.stride[0], x.stride[1]);
    if (ox == null) {
      ox = new Operand(ShapeOps.contiguousCopy(x), false, Math.max(in, 1));
    }
    Operand ow = operand(w, outF, in, w.stride[0], w.stride[1]);
    if (ow == null) {
      ow = new Operand(ShapeOps.contiguousCopy(w), false, Math.max(in, 1));
    }
    // C[n, out] = X[n, in] · Wᵀ: W is read transposed, so flip its flag.
    int ldc = Math.max(outF, 1);
    if (device.type() != Device.Type.CPU) {
      Dispatch.ops(device).gemm(ox.trans, !ow.trans, n, outF, in, 1f, ox.t.storage, ox.t.offset, ox.ld,
          ow.t.storage, ow.t.offset, ow.ld, b == null ? 0f : 1f, out.storage, 0, ldc);
    } else if (dt == DType.FLOAT32) {
      Gemm.sgemm(ox.trans, !ow.trans, n, outF, in, 1f, ox.t.storage.f, ox.t.offset, ox.ld,
          ow.t.storage.f, ow.t.offset, ow.ld, b == null ? 0f : 1f, out.storage.f, 0, ldc);
    } else {
      Gemm.dgemm(ox.trans, !ow.trans, n, outF, in, 1.0, ox.t.storage.d, ox.t.offset, ox.ld,
          ow.t.storage.d, ow.t.offset, ow.ld, b == null ? 0.0 : 1.0, out.storage.d, 0, ldc);
    }
    return recordLinear(out, x, w, b);
  }

  /**
   * bfloat16 linear on a device: the bias widened into a float32 output, one bfloat16 GEMM accumulating
   * onto it, one rounding to bfloat16 (as the float32 path on the CPU rounds once). Null when an operand's
   * layout needs a copy first.
   */
  private static Tensor deviceBf16Linear(Tensor x, Tensor w, Tensor b) {
    Device device = Dispatch.device("linear", x, w, b);
    int n = x.shape[0];
    int in = w.shape[1];
    int outF = w.shape[0];
    Operand ox = operand(x, n, in, x.stride[0], x.stride[1]);
    Operand ow = operand(w, outF, in, w.stride[0], w.stride[1]);
    if (ox == null || ow == null) {
      return null;
    }
    Tensor out32 = Tensor.empty(DType.FLOAT32, new int[] {n, outF}, device);
    if (b != null) {
      Elementwise.copyKernel(Elementwise.castNoGrad(b.detach(), DType.FLOAT32).expand(n, outF), out32);
    }
    Dispatch.ops(device).gemm(ox.trans, !ow.trans, n, outF, in, 1f, x.storage, x.offset, ox.ld, w.storage, w.offset,
        ow.ld, b == null ? 0f : 1f, out32.storage, 0, Math.max(outF, 1));
    Tensor out = Elementwise.castNoGrad(out32, DType.BFLOAT16);
    return recordLinear(out, x, w, b);
  }

  /** Records linear's backward: {@code g·w} for x, {@code gᵀ·x} for w, the batch sum of g for the bias. */
  private static Tensor recordLinear(Tensor out, Tensor x, Tensor w, Tensor b) {
    boolean needX = x.requiresGrad();
    boolean needW = w.requiresGrad();
    boolean hasBias = b != null;
    return FunctionNode.record(out, "AddmmBackward0", new Tensor[] {x, w, b}, new Tensor[] {x, w},
        (g, s) -> new Tensor[] {
            needX ? g.mm(s[1]) : null,
            needW ? g.t().mm(s[0]) : null,
            hasBias ? g.sum(0) : null});
  }

  private static void checkInner(Tensor a, Tensor b, int k1, int k2) {
    if (k1 != k2) {
      throw new IllegalArgumentException("matmul: shapes " + Shapes.str(a.shape) + " and " + Shapes.str(b.shape)
          + " cannot be multiplied (" + k1 + " != " + k2 + ")");
    }
  }
}
