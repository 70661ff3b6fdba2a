package dev.ddp4j.tensor;

import dev.ddp4j.tensor.backend.DeviceMemory;
import dev.ddp4j.tensor.backend.DeviceOps;
import dev.ddp4j.tensor.backend.TensorView;
import dev.ddp4j.tensor.cpu.ConvGeometry;
import dev.ddp4j.tensor.cpu.Gemm;
import dev.ddp4j.tensor.cpu.Im2col;
import dev.ddp4j.tensor.cpu.Pooling;

/**
 * A device for tests on hosts without a GPU: its "device memory" is a CPU storage the tensor library
 * cannot see (device storages have no arrays), and each kernel runs the CPU code on it. Tensors on it
 * go through every device path of the library (allocation, dispatch, transfers, the device-only
 * fused ops), so a path that forgets to dispatch fails here (a device storage has no array) instead
 * of on a GPU.
 */
public final class EmulatedDeviceOps implements DeviceOps {
  private final Device device;

  public EmulatedDeviceOps(Device device) {
    this.device = device;
  }

  /** Memory of the emulated device: a CPU storage. */
  private record Memory(Device device, Storage host) implements DeviceMemory {
    @Override
    public long bytes() {
      return (long) host.size() * host.dtype().itemSize();
    }
  }

  private Storage host(Storage s) {
    if (!s.isOnDevice() || !(s.deviceMemory() instanceof Memory m) || !m.device().equals(device)) {
      throw new AssertionError("operand is not on " + device + " but on " + s.device());
    }
    return m.host();
  }

  private Tensor cpu(TensorView v) {
    return new Tensor(host(v.storage()), v.shape(), v.stride(), v.offset());
  }

  private static Tensor flat(Storage s, int offset, int count) {
    return new Tensor(s, new int[] {count}, new int[] {1}, offset);
  }

  @Override
  public Device device() {
    return device;
  }

  @Override
  public DeviceMemory allocate(DType dtype, int elements) {
    return new Memory(device, Storage.allocate(dtype, elements));
  }

  @Override
  public void upload(Storage host, int hostOffset, Storage dev, int deviceOffset, int count) {
    if (host.isOnDevice()) {
      throw new AssertionError("upload from a device storage");
    }
    Elementwise.copyKernel(flat(host, hostOffset, count), flat(host(dev), deviceOffset, count));
  }

  @Override
  public void download(Storage dev, int deviceOffset, Storage host, int hostOffset, int count) {
    if (host.isOnDevice()) {
      throw new AssertionError("download into a device storage");
    }
    Elementwise.copyKernel(flat(host(dev), deviceOffset, count), flat(host, hostOffset, count));
  }

  @Override
  public void copy(TensorView src, TensorView dst) {
    // The conversions the CUDA backend has kernels for: float32 <-> bfloat16, float16 and bool.
    DType other = src.dtype() == DType.FLOAT32 ? dst.dtype() : dst.dtype() == DType.FLOAT32 ? src.dtype() : null;
    boolean supported = other == DType.BFLOAT16 || other == DType.FLOAT16 || other == DType.BOOL;
    if (src.dtype() != dst.dtype() && !supported) {
      throw new UnsupportedOperationException("converting " + src.dtype() + " to " + dst.dtype() + " on " + device
          + " is not implemented in this build");
    }
    Elementwise.copyKernel(cpu(src), cpu(dst));
  }

  @Override
  public void fill(TensorView out, double value) {
    Tensor v = Tensor.empty(out.dtype(), new int[0]);
    v.storage.setDouble(0, value);
    Tensor o = cpu(out);
    Elementwise.copyKernel(v.expand(o.shape), o);
  }

  @Override
  public void binary(BinaryOp op, double alpha, TensorView a, TensorView b, TensorView out) {
    Elementwise.kernel(op, alpha, cpu(a), cpu(b), cpu(out));
  }

  @Override
  public void maskedCopy(TensorView src, TensorView mask, TensorView out) {
    Tensor o = cpu(out);
    Elementwise.copyKernel(Indexing.where(cpu(mask), cpu(src), o.detach().clone()), o);
  }

  @Override
  public void gather(TensorView self, int dim, TensorView index, TensorView out) {
    Elementwise.copyKernel(Indexing.gather(cpu(self), dim, cpu(index)), cpu(out));
  }

  @Override
  public void scatterAdd(TensorView out, int dim, TensorView index, TensorView src) {
    Tensor o = cpu(out);
    Elementwise.copyKernel(Indexing.scatterAdd(o.detach().clone(), dim, cpu(index), cpu(src)), o);
  }

  @Override
  public void unary(UnaryOp op, TensorView a, TensorView out) {
    Elementwise.unaryKernel(op, cpu(a), cpu(out));
  }

  @Override
  public void reluBackward(TensorView g, TensorView y, TensorView out) {
    Elementwise.copyKernel(Elementwise.reluBackward(cpu(g), cpu(y)), cpu(out));
  }

  @Override
  public void sumDim(TensorView x, int outer, int size, int inner, TensorView out) {
    float[] xs = host(x.storage()).floats();
    float[] os = host(out.storage()).floats();
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        float acc = 0;
        for (int k = 0; k < size; k++) {
          acc += xs[x.offset() + (o * size + k) * inner + j];
        }
        os[out.offset() + o * inner + j] = acc;
      }
    }
  }

  @Override
  public void maxDim(TensorView x, int outer, int size, int inner, TensorView values, TensorView indices) {
    float[] xs = host(x.storage()).floats();
    float[] vs = host(values.storage()).floats();
    long[] is = host(indices.storage()).longs();
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        int base = x.offset() + o * size * inner + j;
        float best = xs[base];
        int bestK = 0;
        for (int k = 1; k < size && best == best; k++) {
          float v = xs[base + k * inner];
          if (v > best || v != v) {
            best = v;
            bestK = k;
          }
        }
        vs[values.offset() + o * inner + j] = best;
        is[indices.offset() + o * inner + j] = bestK;
      }
    }
  }

  @Override
  public void softmaxLastDim(TensorView x, int rows, int cols, boolean log, TensorView out) {
    Tensor in = cpu(x).view(rows, cols);
    Tensor r = log ? Reductions.logSoftmax(in, 1) : Reductions.softmax(in, 1);
    Elementwise.copyKernel(r.detach(), cpu(out).view(rows, cols));
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Storage a, int aOffset,
      int lda, Storage b, int bOffset, int ldb, float beta, Storage c, int cOffset, int ldc) {
    // bfloat16 operands (the device's tensor-core GEMM) are widened exactly; sums stay float32.
    Gemm.sgemm(transA, transB, m, n, k, alpha, widened(a), aOffset, lda, widened(b), bOffset, ldb, beta,
        host(c).floats(), cOffset, ldc);
  }

  private float[] widened(Storage s) {
    Storage h = host(s);
    if (h.dtype() != DType.BFLOAT16) {
      return h.floats();
    }
    short[] bits = h.halves();
    float[] f = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      f[i] = Half.bf16ToFloat(bits[i]);
    }
    return f;
  }

  @Override
  public void crossEntropy(TensorView logits, TensorView target, int rows, int cols, long ignoreIndex,
      TensorView out) {
    float[] x = host(logits.storage()).floats();
    long[] t = host(target.storage()).longs();
    float[] o = host(out.storage()).floats();
    double sum = 0;
    int count = 0;
    for (int r = 0; r < rows; r++) {
      long tr = t[target.offset() + r];
      if (tr == ignoreIndex) {
        continue;
      }
      int base = logits.offset() + r * cols;
      sum += tr < 0 || tr >= cols ? Double.NaN : logSumExp(x, base, cols) - x[base + (int) tr];
      count++;
    }
    o[out.offset()] = (float) (sum / count);
    o[out.offset() + 1] = count;
  }

  private static double logSumExp(float[] x, int base, int cols) {
    double m = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < cols; c++) {
      m = Math.max(m, x[base + c]);
    }
    double s = 0;
    for (int c = 0; c < cols; c++) {
      s += Math.exp(x[base + c] - m);
    }
    return m + Math.log(s);
  }

  @Override
  public void crossEntropyBackward(TensorView logits, TensorView target, TensorView gradOut, TensorView meanOut,
      int rows, int cols, long ignoreIndex, TensorView grad) {
    float[] x = host(logits.storage()).floats();
    long[] t = host(target.storage()).longs();
    float[] g = host(grad.storage()).floats();
    double scale = host(gradOut.storage()).floats()[gradOut.offset()]
        / host(meanOut.storage()).floats()[meanOut.offset() + 1];
    for (int r = 0; r < rows; r++) {
      long tr = t[target.offset() + r];
      int base = logits.offset() + r * cols;
      double lse = logSumExp(x, base, cols);
      for (int c = 0; c < cols; c++) {
        g[grad.offset() + r * cols + c] = tr == ignoreIndex ? 0f
            : (float) (scale * (Math.exp(x[base + c] - lse) - (c == tr ? 1 : 0)));
      }
    }
  }

  @Override
  public void sgdUpdate(TensorView p, TensorView g, TensorView buf, boolean firstStep, double lr, double momentum,
      double dampening, double weightDecay, boolean nesterov) {
    float[] pv = host(p.storage()).floats();
    float[] gv = host(g.storage()).floats();
    float[] bv = buf == null ? null : host(buf.storage()).floats();
    float wd = (float) weightDecay;
    float mu = (float) momentum;
    float keep = (float) (1 - dampening);
    float step = (float) -lr;
    for (int i = 0; i < p.numel(); i++) {
      float d = gv[g.offset() + i];
      if (weightDecay != 0) {
        d = d + wd * pv[p.offset() + i];
      }
      if (bv != null) {
        float b = firstStep ? d : bv[buf.offset() + i] * mu + keep * d;
        bv[buf.offset() + i] = b;
        d = nesterov ? d + mu * b : b;
      }
      pv[p.offset() + i] = pv[p.offset() + i] + step * d;
    }
  }

  private static ConvGeometry convGeometry(int channels, int height, int width, int[] g) {
    return ConvGeometry.conv2d(channels, height, width, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
  }

  @Override
  public void im2col(TensorView images, int batch, int channels, int height, int width, int[] geometry, int outH,
      int outW, TensorView col) {
    ConvGeometry g = convGeometry(channels, height, width, geometry);
    checkOut(g, outH, outW);
    int positions = outH * outW;
    int rows = g.colRows();
    float[] one = new float[rows * positions];
    float[] c = host(col.storage()).floats();
    for (int n = 0; n < batch; n++) {
      Im2col.im2col(host(images.storage()).floats(), images.offset() + n * channels * height * width, g, one, 0);
      imageColumns(one, c, col.offset(), rows, batch, positions, n, true);
    }
  }

  @Override
  public void col2im(TensorView col, int batch, int channels, int height, int width, int[] geometry, int outH,
      int outW, TensorView images) {
    ConvGeometry g = convGeometry(channels, height, width, geometry);
    checkOut(g, outH, outW);
    int positions = outH * outW;
    int rows = g.colRows();
    float[] one = new float[rows * positions];
    float[] c = host(col.storage()).floats();
    float[] im = host(images.storage()).floats();
    for (int n = 0; n < batch; n++) {
      imageColumns(one, c, col.offset(), rows, batch, positions, n, false);
      int off = images.offset() + n * channels * height * width;
      java.util.Arrays.fill(im, off, off + channels * height * width, 0f);
      Im2col.col2im(one, 0, g, im, off);
    }
  }

  /**
   * Copies image n's block [rows, positions] to ({@code intoBatch}) or from its columns of the batch's column
   * matrix [rows, batch·positions] at {@code off}.
   */
  private static void imageColumns(float[] one, float[] cols, int off, int rows, int batch, int positions, int n,
      boolean intoBatch) {
    for (int r = 0; r < rows; r++) {
      int at = off + r * batch * positions + n * positions;
      if (intoBatch) {
        System.arraycopy(one, r * positions, cols, at, positions);
      } else {
        System.arraycopy(cols, at, one, r * positions, positions);
      }
    }
  }

  private static void checkOut(ConvGeometry g, int outH, int outW) {
    if (g.outH() != outH || g.outW() != outW) {
      throw new AssertionError("output size " + outH + "x" + outW + " but the geometry gives " + g.outH() + "x"
          + g.outW());
    }
  }

  /** The pooling geometry (ceil mode or not) that gives the caller's output size. */
  private static ConvGeometry pooling(java.util.function.Function<Boolean, ConvGeometry> withCeil, int outH,
      int outW) {
    for (boolean ceil : new boolean[] {false, true}) {
      ConvGeometry p = withCeil.apply(ceil);
      if (p.outH() == outH && p.outW() == outW) {
        return p;
      }
    }
    throw new AssertionError("no pooling geometry gives " + outH + "x" + outW);
  }

  private static ConvGeometry poolGeometry(int height, int width, int outH, int outW, int[] g) {
    return pooling(ceil -> ConvGeometry.maxPool2d(1, height, width, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7],
        ceil), outH, outW);
  }

  @Override
  public void maxPool2d(TensorView x, int planes, int height, int width, int outH, int outW, int[] geometry,
      TensorView out, TensorView indices) {
    ConvGeometry g = poolGeometry(height, width, outH, outW, geometry);
    int[] idx = new int[planes * outH * outW];
    Pooling.maxPool2d(host(x.storage()).floats(), x.offset(), planes, g, host(out.storage()).floats(), out.offset(),
        idx, 0);
    long[] is = host(indices.storage()).longs();
    for (int i = 0; i < idx.length; i++) {
      is[indices.offset() + i] = idx[i];
    }
  }

  @Override
  public void maxPool2dBackward(TensorView gradOut, TensorView indices, int planes, int height, int width, int outH,
      int outW, int[] geometry, TensorView gradIn) {
    ConvGeometry g = poolGeometry(height, width, outH, outW, geometry);
    long[] is = host(indices.storage()).longs();
    int[] idx = new int[planes * outH * outW];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = (int) is[indices.offset() + i];
    }
    float[] gi = host(gradIn.storage()).floats();
    java.util.Arrays.fill(gi, gradIn.offset(), gradIn.offset() + planes * height * width, 0f);
    Pooling.maxPool2dBackward(host(gradOut.storage()).floats(), gradOut.offset(), idx, 0, planes, g, gi,
        gradIn.offset());
  }

  private static ConvGeometry avgGeometry(int height, int width, int outH, int outW, int[] g) {
    return pooling(ceil -> ConvGeometry.avgPool2d(1, height, width, g[0], g[1], g[2], g[3], g[4], g[5], ceil), outH,
        outW);
  }

  @Override
  public void avgPool2d(TensorView x, int planes, int height, int width, int outH, int outW, int[] geometry,
      boolean countIncludePad, TensorView out) {
    Pooling.avgPool2d(host(x.storage()).floats(), x.offset(), planes, avgGeometry(height, width, outH, outW, geometry),
        countIncludePad, host(out.storage()).floats(), out.offset());
  }

  @Override
  public void avgPool2dBackward(TensorView gradOut, int planes, int height, int width, int outH, int outW,
      int[] geometry, boolean countIncludePad, TensorView gradIn) {
    float[] gi = host(gradIn.storage()).floats();
    java.util.Arrays.fill(gi, gradIn.offset(), gradIn.offset() + planes * height * width, 0f);
    Pooling.avgPool2dBackward(host(gradOut.storage()).floats(), gradOut.offset(), planes,
        avgGeometry(height, width, outH, outW, geometry), countIncludePad, gi, gradIn.offset());
  }

  @Override
  public void synchronize() {}
}
