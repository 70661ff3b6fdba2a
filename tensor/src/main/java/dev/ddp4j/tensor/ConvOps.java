package dev.ddp4j.tensor;

import dev.ddp4j.tensor.amp.Autocast;
import dev.ddp4j.tensor.backend.DeviceOps;
import dev.ddp4j.tensor.backend.TensorView;
import dev.ddp4j.tensor.cpu.ConvGeometry;
import dev.ddp4j.tensor.cpu.Gemm;
import dev.ddp4j.tensor.cpu.Im2col;
import dev.ddp4j.tensor.cpu.Pooling;
import dev.ddp4j.tensor.cpu.WideIm2col;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * 2-D convolution (im2col + GEMM, groups = 1) and max/average pooling on NCHW tensors, forward and
 * backward. Convolution works image by image over the intra-op pool. Float32 convolutions with stride
 * and dilation 1 unfold into {@link WideIm2col}'s layout (one array copy per column-matrix row), all
 * others into {@link Im2col}'s. Each worker thread keeps its scratch arrays (columns, padded image, wide
 * planes), which grow as needed and are reused across calls, so steady-state training allocates no
 * im2col memory. bfloat16 and float16 inputs are computed in float32 and the result rounded once;
 * inside an enabled {@link Autocast} scope conv2d first casts its floating operands to the autocast
 * dtype.
 */
final class ConvOps {
  private ConvOps() {}

  /** Scratch arrays of one thread; a slot is reused by every call on that thread, never shared. */
  private static final class Scratch {
    static final int COLS = 0;
    static final int PADDED = 1;
    static final int WIDE = 2;
    static final int PADDED_GRAD = 3;
    static final int STAGE = 4;

    private final float[][] floats = new float[5][0];
    private double[] doubles = new double[0];

    /** The float array of {@code slot}, at least {@code n} long; contents are left over from earlier use. */
    float[] floats(int slot, int n) {
      if (floats[slot].length < n) {
        floats[slot] = new float[n];
      }
      return floats[slot];
    }

    /** The double column array, at least {@code n} long. */
    double[] doubles(int n) {
      if (doubles.length < n) {
        doubles = new double[n];
      }
      return doubles;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static int[] pair(String op, String what, int[] v) {
    if (v.length == 1) {
      return new int[] {v[0], v[0]};
    }
    if (v.length != 2) {
      throw new IllegalArgumentException(op + ": " + what + " must have 1 or 2 elements, got " + v.length);
    }
    return v;
  }

  private static void requireFloat(String op, Tensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(op + ": expected a floating point tensor, got " + t.dtype());
    }
  }

  /** {@code t} in float32 (differentiable) when it is bfloat16 or float16. */
  private static Tensor toCompute(Tensor t) {
    return t == null ? null : t.to(t.dtype().computeType());
  }

  // ------------------------------------------------------------------ conv2d

  static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation) {
    DType ac = Autocast.dtype();
    if (ac != null) {
      input = Autocast.toLowerPrecision(input, ac);
      weight = Autocast.toLowerPrecision(weight, ac);
      bias = Autocast.toLowerPrecision(bias, ac);
    }
    return conv2dNoAutocast(input, weight, bias, stride, padding, dilation);
  }

  private static Tensor conv2dNoAutocast(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
      int[] dilation) {
    if (input.dim() == 3) {
      return conv2dNoAutocast(input.unsqueeze(0), weight, bias, stride, padding, dilation).squeeze(0);
    }
    if (input.dim() != 4) {
      throw new IllegalArgumentException("conv2d: expected 3D (unbatched) or 4D (batched) input, but got input of "
          + "size: " + Shapes.str(input.shape));
    }
    if (weight.dim() != 4) {
      throw new IllegalArgumentException("conv2d: weight must be 4-D [out_channels, in_channels, kH, kW], got "
          + Shapes.str(weight.shape));
    }
    requireFloat("conv2d", input);
    if (input.dtype() != weight.dtype() || (bias != null && bias.dtype() != input.dtype())) {
      throw new IllegalArgumentException("conv2d: Input type (" + input.dtype() + ") and weight type ("
          + weight.dtype() + ")" + (bias != null ? " and bias type (" + bias.dtype() + ")" : "")
          + " should be the same");
    }
    int n = input.shape[0];
    int c = input.shape[1];
    int outC = weight.shape[0];
    if (weight.shape[1] != c) {
      throw new IllegalArgumentException("conv2d: Given groups=1, weight of size " + Shapes.str(weight.shape)
          + ", expected input" + Shapes.str(input.shape) + " to have " + weight.shape[1] + " channels, but got "
          + c + " channels instead");
    }
    if (bias != null && (bias.dim() != 1 || bias.shape[0] != outC)) {
      throw new IllegalArgumentException("conv2d: bias must have shape [" + outC + "], got " + Shapes.str(bias.shape));
    }
    if (input.dtype().isHalf()) {
      // Differentiable casts around a float32 convolution: float32 accumulation, one rounding, and a
      // float32 backward whose input gradients are rounded back.
      return conv2dNoAutocast(toCompute(input), toCompute(weight), toCompute(bias), stride, padding, dilation)
          .to(input.dtype());
    }
    int[] s = pair("conv2d", "stride", stride);
    int[] p = pair("conv2d", "padding", padding);
    int[] d = pair("conv2d", "dilation", dilation);
    ConvGeometry g = ConvGeometry.conv2d(c, input.shape[2], input.shape[3], weight.shape[2], weight.shape[3],
        s[0], s[1], p[0], p[1], d[0], d[1]);
    Tensor x = input.detach().contiguous();
    Tensor w = weight.detach().contiguous();
    int oh = g.outH();
    int ow = g.outW();
    Device device = Dispatch.device("conv2d", input, weight, bias);
    if (device.type() != Device.Type.CPU) {
      Dispatch.requireFloat32("conv2d", input, weight);
    }
    Tensor out = Tensor.empty(input.dtype(), new int[] {n, outC, oh, ow}, device);
    if (device.type() == Device.Type.CPU) {
      forward(x, w, bias == null ? null : bias.detach().contiguous(), out, g);
    } else {
      deviceForward(x, w, bias == null ? null : bias.detach(), out, g);
    }
    boolean needX = input.requiresGrad();
    boolean needW = weight.requiresGrad();
    boolean hasBias = bias != null;
    if (device.type() != Device.Type.CPU) {
      return FunctionNode.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias},
          new Tensor[] {x, w}, (grad, sv) -> {
            Tensor go = grad.contiguous();
            Tensor gx = needX ? Tensor.empty(go.dtype(), x.shape, device) : null;
            Tensor gw = needW ? Tensor.empty(go.dtype(), w.shape, device) : null;
            deviceBackward(sv[0], sv[1], go, g, gx, gw);
            return new Tensor[] {gx, gw, hasBias ? go.sum(new int[] {0, 2, 3}, false) : null};
          });
    }
    return FunctionNode.record(out, "ConvolutionBackward0", new Tensor[] {input, weight, bias},
        new Tensor[] {x, w}, (grad, sv) -> {
          Tensor go = grad.contiguous();
          Tensor gx = needX ? Tensor.empty(go.dtype(), x.shape) : null;
          Tensor gw = needW ? Tensor.empty(go.dtype(), w.shape) : null;
          backward(sv[0], sv[1], go, g, gx, gw);
          return new Tensor[] {gx, gw, hasBias ? go.sum(new int[] {0, 2, 3}, false) : null};
        });
  }

  /**
   * out[n] = W · im2col(x[n]) (+ bias, broadcast over each output plane) for every image; {@code bias}
   * is contiguous or null. The plain layout writes the bias into the image's output planes just before
   * its GEMM accumulates onto them, while they are still in cache.
   */
  private static void forward(Tensor x, Tensor w, Tensor bias, Tensor out, ConvGeometry g) {
    int n = x.shape[0];
    int outC = w.shape[0];
    int k = g.colRows();
    int l = g.outPlaneSize();
    int inImage = g.channels() * g.inPlaneSize();
    int outImage = outC * l;
    boolean f32 = x.dtype() == DType.FLOAT32;
    boolean wide = f32 && WideIm2col.applies(g);
    boolean hasBias = bias != null;
    Threads.parallelFor(0, n, 1, (from, to) -> {
      for (int i = from; i < to; i++) {
        int o = i * outImage;
        if (wide) {
          forwardWide(x.storage.f, x.offset + i * inImage, w, bias, g, out.storage.f, o);
        } else if (f32) {
          float[] dst = out.storage.f;
          for (int c = 0; hasBias && c < outC; c++) {
            Arrays.fill(dst, o + c * l, o + (c + 1) * l, bias.storage.f[bias.offset + c]);
          }
          float[] cols = SCRATCH.get().floats(Scratch.COLS, g.colsLength());
          Im2col.im2col(x.storage.f, x.offset + i * inImage, g, cols, 0);
          Gemm.sgemm(false, false, outC, l, k, 1f, w.storage.f, w.offset, k, cols, 0, l,
              hasBias ? 1f : 0f, dst, o, l);
        } else {
          double[] dst = out.storage.d;
          for (int c = 0; hasBias && c < outC; c++) {
            Arrays.fill(dst, o + c * l, o + (c + 1) * l, bias.storage.d[bias.offset + c]);
          }
          double[] cols = SCRATCH.get().doubles(g.colsLength());
          Im2col.im2col(x.storage.d, x.offset + i * inImage, g, cols, 0);
          Gemm.dgemm(false, false, outC, l, k, 1.0, w.storage.d, w.offset, k, cols, 0, l,
              hasBias ? 1.0 : 0.0, dst, o, l);
        }
      }
    });
  }

  /**
   * One image's forward in the wide layout: unfold, one GEMM into wide planes, then the planes without
   * their wrap columns. A GEMM per image (not per group of images side by side) keeps every image's result
   * independent of its place in the batch.
   */
  private static void forwardWide(float[] x, int xOff, Tensor w, Tensor bias, ConvGeometry g, float[] out,
      int outOff) {
    int outC = w.shape[0];
    int k = g.colRows();
    int len = WideIm2col.wideLength(g);
    Scratch scratch = SCRATCH.get();
    float[] cols = scratch.floats(Scratch.COLS, k * len);
    unfoldWide(x, xOff, g, cols);
    float[] planes = scratch.floats(Scratch.WIDE, outC * len);
    Gemm.sgemm(false, false, outC, len, k, 1f, w.storage.f, w.offset, k, cols, 0, len, 0f, planes, 0, len);
    WideIm2col.fromWide(planes, outC, g, bias == null ? null : bias.storage.f, bias == null ? 0 : bias.offset,
        out, outOff);
  }

  /** Writes the wide column matrix of the image at {@code x[xOff ..]} to {@code cols}. */
  private static void unfoldWide(float[] x, int xOff, ConvGeometry g, float[] cols) {
    if (WideIm2col.pads(g)) {
      float[] padded = SCRATCH.get().floats(Scratch.PADDED, WideIm2col.paddedLength(g));
      WideIm2col.pad(x, xOff, g, padded);
      WideIm2col.im2col(padded, 0, g, cols);
    } else {
      WideIm2col.im2col(x, xOff, g, cols);
    }
  }

  /**
   * Input gradient gx[n] = col2im(Wᵀ · g[n]) and weight gradient gw = Σn g[n] · im2col(x[n])ᵀ
   * (recomputing the columns instead of keeping them from forward). Each task sums its images'
   * weight gradients into a private buffer; the buffers are added together at the end. The wide
   * layout needs finite W and a finite image (its zero wrap columns of g meet their values); an image
   * that is not runs in the plain layout.
   */
  private static void backward(Tensor x, Tensor w, Tensor go, ConvGeometry g, Tensor gx, Tensor gw) {
    int n = x.shape[0];
    int outC = w.shape[0];
    int k = g.colRows();
    int l = g.outPlaneSize();
    int inImage = g.channels() * g.inPlaneSize();
    int outImage = outC * l;
    boolean f32 = x.dtype() == DType.FLOAT32;
    int wSize = outC * k;
    boolean wide = f32 && WideIm2col.applies(g) && WideIm2col.allFinite(w.storage.f, w.offset, w.numel());
    java.util.List<Object> partials = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    Threads.parallelFor(0, n, 1, (from, to) -> {
      float[] pwF = gw != null && f32 ? new float[wSize] : null;
      double[] pwD = gw != null && !f32 ? new double[wSize] : null;
      for (int i = from; i < to; i++) {
        if (wide && WideIm2col.allFinite(x.storage.f, x.offset + i * inImage, inImage)) {
          backwardWide(x.storage.f, x.offset + i * inImage, w, go.storage.f, go.offset + i * outImage, g, pwF,
              gx == null ? null : gx.storage.f, i * inImage);
        } else if (f32) {
          float[] cols = SCRATCH.get().floats(Scratch.COLS, g.colsLength());
          if (gw != null) {
            Im2col.im2col(x.storage.f, x.offset + i * inImage, g, cols, 0);
            Gemm.sgemm(false, true, outC, k, l, 1f, go.storage.f, go.offset + i * outImage, l, cols, 0, l,
                1f, pwF, 0, k);
          }
          if (gx != null) {
            Gemm.sgemm(true, false, k, l, outC, 1f, w.storage.f, w.offset, k, go.storage.f,
                go.offset + i * outImage, l, 0f, cols, 0, l);
            Im2col.col2im(cols, 0, g, gx.storage.f, i * inImage);
          }
        } else {
          double[] cols = SCRATCH.get().doubles(g.colsLength());
          if (gw != null) {
            Im2col.im2col(x.storage.d, x.offset + i * inImage, g, cols, 0);
            Gemm.dgemm(false, true, outC, k, l, 1.0, go.storage.d, go.offset + i * outImage, l, cols, 0, l,
                1.0, pwD, 0, k);
          }
          if (gx != null) {
            Gemm.dgemm(true, false, k, l, outC, 1.0, w.storage.d, w.offset, k, go.storage.d,
                go.offset + i * outImage, l, 0.0, cols, 0, l);
            Im2col.col2im(cols, 0, g, gx.storage.d, i * inImage);
          }
        }
      }
      if (gw != null) {
        partials.add(f32 ? pwF : pwD);
      }
    });
    if (gw != null) {
      for (Object part : partials) {
        if (f32) {
          float[] a = (float[]) part;
          float[] dst = gw.storage.f;
          for (int j = 0; j < wSize; j++) {
            dst[j] += a[j];
          }
        } else {
          double[] a = (double[]) part;
          double[] dst = gw.storage.d;
          for (int j = 0; j < wSize; j++) {
            dst[j] += a[j];
          }
        }
      }
    }
  }

  /**
   * One image's backward in the wide layout: adds its weight gradient to {@code pw} and writes its input
   * gradient to {@code gx[gxOff ..]}; either array may be null when not needed.
   */
  private static void backwardWide(float[] x, int xOff, Tensor w, float[] go, int goOff, ConvGeometry g,
      float[] pw, float[] gx, int gxOff) {
    int outC = w.shape[0];
    int k = g.colRows();
    int len = WideIm2col.wideLength(g);
    Scratch scratch = SCRATCH.get();
    float[] goWide = scratch.floats(Scratch.WIDE, outC * len);
    WideIm2col.toWide(go, goOff, outC, g, goWide);
    float[] cols = scratch.floats(Scratch.COLS, k * len);
    if (pw != null) {
      unfoldWide(x, xOff, g, cols);
      Gemm.sgemm(false, true, outC, k, len, 1f, goWide, 0, len, cols, 0, len, 1f, pw, 0, k);
    }
    if (gx != null) {
      Gemm.sgemm(true, false, k, len, outC, 1f, w.storage.f, w.offset, k, goWide, 0, len, 0f, cols, 0, len);
      int paddedLength = WideIm2col.paddedLength(g);
      float[] padded = scratch.floats(Scratch.PADDED_GRAD, paddedLength);
      Arrays.fill(padded, 0, paddedLength, 0f);
      WideIm2col.col2im(cols, g, padded, scratch.floats(Scratch.STAGE, paddedLength));
      WideIm2col.unpad(padded, g, gx, gxOff);
    }
  }

  // ------------------------------------------------------------------ device paths (convolution and pooling)

  /** {kh, kw, strideH, strideW, padH, padW, dilH, dilW}: the geometry array of {@link DeviceOps}. */
  private static int[] deviceGeometry(ConvGeometry g) {
    return new int[] {g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.dilationH(),
        g.dilationW()};
  }

  /**
   * {@link #forward} on a device: the whole batch unfolded into one column matrix [k, n·positions], one GEMM
   * into [outC, n·positions], permuted into NCHW; then the bias. A handful of launches per layer whatever
   * the batch (a launch per image would make large batches launch-bound).
   */
  private static void deviceForward(Tensor x, Tensor w, Tensor bias, Tensor out, ConvGeometry g) {
    DeviceOps ops = Dispatch.ops(out);
    int n = x.shape[0];
    int outC = w.shape[0];
    int k = g.colRows();
    int cols = g.outPlaneSize();
    int wide = Math.multiplyExact(n, cols);
    Tensor col = Tensor.empty(DType.FLOAT32, new int[] {k, wide}, out.device());
    ops.im2col(Dispatch.view(x), n, g.channels(), g.height(), g.width(), deviceGeometry(g), g.outH(), g.outW(),
        Dispatch.view(col));
    Tensor product = Tensor.empty(DType.FLOAT32, new int[] {outC, wide}, out.device());
    ops.gemm(false, false, outC, wide, k, 1f, w.storage, w.offset, Math.max(k, 1), col.storage, 0, Math.max(wide, 1),
        0f, product.storage, 0, Math.max(wide, 1));
    Elementwise.copyKernel(product.view(outC, n, cols).permute(1, 0, 2), out.view(n, outC, cols));
    if (bias != null) {
      Tensor b = bias.view(1, outC, 1, 1);
      Elementwise.kernel(BinaryOp.ADD, 1.0, out, b, out);
    }
  }

  /**
   * {@link #backward} on a device, batched as the forward: go permuted to [outC, n·positions];
   * gw = go · colᵀ and the input's columns = wᵀ · go, one GEMM each; col2im back into gx.
   */
  private static void deviceBackward(Tensor x, Tensor w, Tensor go, ConvGeometry g, Tensor gx, Tensor gw) {
    DeviceOps ops = Dispatch.ops(go);
    int n = x.shape[0];
    int outC = w.shape[0];
    int k = g.colRows();
    int cols = g.outPlaneSize();
    int wide = Math.multiplyExact(n, cols);
    int ld = Math.max(wide, 1);
    int[] geometry = deviceGeometry(g);
    Tensor goWide = Tensor.empty(DType.FLOAT32, new int[] {outC, wide}, go.device());
    Elementwise.copyKernel(go.view(n, outC, cols).permute(1, 0, 2), goWide.view(outC, n, cols));
    Tensor col = Tensor.empty(DType.FLOAT32, new int[] {k, wide}, go.device());
    if (gw != null) {
      ops.im2col(Dispatch.view(x), n, g.channels(), g.height(), g.width(), geometry, g.outH(), g.outW(),
          Dispatch.view(col));
      ops.gemm(false, true, outC, k, wide, 1f, goWide.storage, 0, ld, col.storage, 0, ld, 0f, gw.storage, gw.offset,
          Math.max(k, 1));
    }
    if (gx != null) {
      ops.gemm(true, false, k, wide, outC, 1f, w.storage, w.offset, Math.max(k, 1), goWide.storage, 0, ld, 0f,
          col.storage, 0, ld);
      ops.col2im(Dispatch.view(col), n, g.channels(), g.height(), g.width(), geometry, g.outH(), g.outW(),
          Dispatch.view(gx));
    }
  }

  /** A pooling op's device kernels: runs the forward and returns its backward (go into gx). */
  @FunctionalInterface
  private interface DevicePooling {
    BiConsumer<TensorView, TensorView> forward(DeviceOps ops, TensorView x, TensorView out);
  }

  /**
   * Pooling on a device: the batch as N·C planes, the forward and the recorded backward from
   * {@code kernels}, the 3-d input's shape restored.
   */
  private static Tensor devicePool(String op, String backwardName, Tensor input, Tensor in4, ConvGeometry plane,
      DevicePooling kernels) {
    Dispatch.requireFloat32(op, input);
    Tensor x = in4.detach().contiguous();
    Tensor out = Tensor.empty(DType.FLOAT32, new int[] {in4.shape[0], in4.shape[1], plane.outH(), plane.outW()},
        input.device());
    BiConsumer<TensorView, TensorView> backward = kernels.forward(Dispatch.ops(input), Dispatch.view(x),
        Dispatch.view(out));
    Tensor result = input.dim() == 3 ? out.squeeze(0) : out;
    int[] inShape = x.shape;
    int[] origShape = input.shape;
    return FunctionNode.record(result, backwardName, new Tensor[] {input}, new Tensor[0], (grad, sv) -> {
      Tensor go = grad.contiguous();
      Tensor gx = Tensor.empty(DType.FLOAT32, inShape, go.device());
      backward.accept(Dispatch.view(go), Dispatch.view(gx));
      return new Tensor[] {gx.view(origShape)};
    });
  }

  /** Max pooling on a device; the indices stay on the device for the backward. */
  private static Tensor deviceMaxPool2d(Tensor input, Tensor in4, ConvGeometry plane) {
    int planes = in4.shape[0] * in4.shape[1];
    int[] geometry = deviceGeometry(plane);
    return devicePool("maxPool2d", "MaxPool2DWithIndicesBackward0", input, in4, plane, (ops, x, out) -> {
      Tensor indices = Tensor.empty(DType.INT64, out.shape(), input.device());
      ops.maxPool2d(x, planes, plane.height(), plane.width(), plane.outH(), plane.outW(), geometry, out,
          Dispatch.view(indices));
      return (go, gx) -> ops.maxPool2dBackward(go, Dispatch.view(indices), planes, plane.height(), plane.width(),
          plane.outH(), plane.outW(), geometry, gx);
    });
  }

  /** Average pooling on a device. */
  private static Tensor deviceAvgPool2d(Tensor input, Tensor in4, ConvGeometry plane, boolean countIncludePad) {
    int planes = in4.shape[0] * in4.shape[1];
    int[] geometry = deviceGeometry(plane);
    return devicePool("avgPool2d", "AvgPool2DBackward0", input, in4, plane, (ops, x, out) -> {
      ops.avgPool2d(x, planes, plane.height(), plane.width(), plane.outH(), plane.outW(), geometry, countIncludePad,
          out);
      return (go, gx) -> ops.avgPool2dBackward(go, planes, plane.height(), plane.width(), plane.outH(), plane.outW(),
          geometry, countIncludePad, gx);
    });
  }

  // ------------------------------------------------------------------ pooling

  private static Tensor batched(String op, Tensor input) {
    if (input.dim() != 3 && input.dim() != 4) {
      throw new IllegalArgumentException(op + ": expected 3D or 4D (batch mode) tensor for input, got shape "
          + Shapes.str(input.shape));
    }
    requireFloat(op, input);
    return input.dim() == 3 ? input.unsqueeze(0) : input;
  }

  static Tensor maxPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, int[] dilation,
      boolean ceilMode) {
    Tensor in4 = batched("maxPool2d", input);
    if (input.dtype().isHalf()) {
      return maxPool2d(toCompute(input), kernel, stride, padding, dilation, ceilMode).to(input.dtype());
    }
    int[] k = pair("maxPool2d", "kernel_size", kernel);
    int[] s = stride == null || stride.length == 0 ? k : pair("maxPool2d", "stride", stride);
    int[] p = pair("maxPool2d", "padding", padding);
    int[] d = pair("maxPool2d", "dilation", dilation);
    int n = in4.shape[0];
    int c = in4.shape[1];
    // Pooling kernels treat every (image, channel) plane alike: the batch is N·C planes of one channel.
    ConvGeometry plane = ConvGeometry.maxPool2d(1, in4.shape[2], in4.shape[3], k[0], k[1], s[0], s[1], p[0],
        p[1], d[0], d[1], ceilMode);
    if (input.storage.isOnDevice()) {
      return deviceMaxPool2d(input, in4, plane);
    }
    Tensor x = in4.detach().contiguous();
    Tensor out = Tensor.empty(x.dtype(), new int[] {n, c, plane.outH(), plane.outW()});
    int[] indices = new int[out.numel()];
    if (x.dtype() == DType.FLOAT32) {
      Pooling.maxPool2d(x.storage.f, x.offset, n * c, plane, out.storage.f, 0, indices, 0);
    } else {
      Pooling.maxPool2d(x.storage.d, x.offset, n * c, plane, out.storage.d, 0, indices, 0);
    }
    Tensor result = input.dim() == 3 ? out.squeeze(0) : out;
    int[] inShape = x.shape;
    int[] origShape = input.shape;
    return FunctionNode.record(result, "MaxPool2DWithIndicesBackward0", new Tensor[] {input}, new Tensor[0],
        (grad, sv) -> {
          Tensor go = grad.contiguous();
          Tensor gx = Tensor.empty(go.dtype(), inShape);
          if (go.dtype() == DType.FLOAT32) {
            Pooling.maxPool2dBackward(go.storage.f, go.offset, indices, 0, n * c, plane, gx.storage.f, 0);
          } else {
            Pooling.maxPool2dBackward(go.storage.d, go.offset, indices, 0, n * c, plane, gx.storage.d, 0);
          }
          return new Tensor[] {gx.view(origShape)};
        });
  }

  static Tensor avgPool2d(Tensor input, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
      boolean countIncludePad) {
    Tensor in4 = batched("avgPool2d", input);
    if (input.dtype().isHalf()) {
      return avgPool2d(toCompute(input), kernel, stride, padding, ceilMode, countIncludePad).to(input.dtype());
    }
    int[] k = pair("avgPool2d", "kernel_size", kernel);
    int[] s = stride == null || stride.length == 0 ? k : pair("avgPool2d", "stride", stride);
    int[] p = pair("avgPool2d", "padding", padding);
    int n = in4.shape[0];
    int c = in4.shape[1];
    ConvGeometry plane = ConvGeometry.avgPool2d(1, in4.shape[2], in4.shape[3], k[0], k[1], s[0], s[1], p[0], p[1],
        ceilMode);
    if (input.storage.isOnDevice()) {
      return deviceAvgPool2d(input, in4, plane, countIncludePad);
    }
    Tensor x = in4.detach().contiguous();
    Tensor out = Tensor.empty(x.dtype(), new int[] {n, c, plane.outH(), plane.outW()});
    if (x.dtype() == DType.FLOAT32) {
      Pooling.avgPool2d(x.storage.f, x.offset, n * c, plane, countIncludePad, out.storage.f, 0);
    } else {
      Pooling.avgPool2d(x.storage.d, x.offset, n * c, plane, countIncludePad, out.storage.d, 0);
    }
    Tensor result = input.dim() == 3 ? out.squeeze(0) : out;
    int[] inShape = x.shape;
    int[] origShape = input.shape;
    return FunctionNode.record(result, "AvgPool2DBackward0", new Tensor[] {input}, new Tensor[0],
        (grad, sv) -> {
          Tensor go = grad.contiguous();
          Tensor gx = Tensor.empty(go.dtype(), inShape);
          if (go.dtype() == DType.FLOAT32) {
            Pooling.avgPool2dBackward(go.storage.f, go.offset, n * c, plane, countIncludePad, gx.storage.f, 0);
          } else {
            Pooling.avgPool2dBackward(go.storage.d, go.offset, n * c, plane, countIncludePad, gx.storage.d, 0);
          }
          return new Tensor[] {gx.view(origShape)};
        });
  }
}
