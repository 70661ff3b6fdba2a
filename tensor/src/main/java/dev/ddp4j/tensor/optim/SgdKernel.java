package dev.ddp4j.tensor.optim;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Threads;
import dev.ddp4j.tensor.backend.Backends;
import dev.ddp4j.tensor.backend.TensorView;
import dev.ddp4j.tensor.cpu.VectorModule;
import java.util.Arrays;

/**
 * The whole {@link SGD} update of one dense float32 parameter in a single pass over its elements,
 * instead of one pass (and possibly one temporary) per tensor op.
 *
 * <p>Each element goes through exactly the float operations of the unfused tensor ops, in the same
 * order and with the same float-rounded scalars ({@code d = g + wd·p}; {@code b = b·μ + (1−τ)·d};
 * {@code d = nesterov ? d + μ·b : b}; {@code p = p + (−lr)·d}), so both paths give identical bits.
 * Runs on the optimizer's thread and splits large parameters over the intra-op pool.
 */
final class SgdKernel {
  private SgdKernel() {}

  /** Elements below this count run on the calling thread. */
  private static final int PARALLEL_GRAIN_ELEMENTS = 1 << 15;

  /**
   * Whether a gradient at an offset goes through {@link SgdVector}: when the module
   * {@code jdk.incubator.vector} is present (tests turn it off to check the plain loops).
   */
  static volatile boolean vectorOffsetLoops = VectorModule.present();

  /**
   * Whether {@link #update} can run: float32 parameter, gradient and buffer (when present) with the same
   * shape, contiguous, the parameter and buffer from the start of their own storage (as parameters and
   * buffers are), the gradient from any offset (a fresh gradient starts at 0; a DDP gradient that is a
   * view of its bucket does not). From offset 0 one index addresses all three arrays, the loop shape the
   * JIT vectorises; at another offset C2 on JDK 17 does not vectorise the loops (4x slower), so they go
   * through the Vector API ({@link SgdVector}) where the module is present, else stay plain loops.
   */
  static boolean applies(Tensor p, Tensor g, Tensor buf) {
    return dense(p) && g.dtype() == DType.FLOAT32 && g.isContiguous() && Arrays.equals(p.shape(), g.shape())
        && p.storage() != g.storage()
        && (buf == null || (dense(buf) && Arrays.equals(p.shape(), buf.shape()) && buf.storage() != p.storage()
            && buf.storage() != g.storage()));
  }

  private static boolean dense(Tensor t) {
    return t.dtype() == DType.FLOAT32 && t.isContiguous() && t.storageOffset() == 0;
  }

  /**
   * Updates {@code p} (and {@code buf}) in place from {@code g}. {@code buf} is null without
   * momentum; {@code firstStep} means {@code buf} is fresh and receives {@code d} instead of the
   * momentum recurrence.
   */
  static void update(Tensor p, Tensor g, Tensor buf, boolean firstStep, double lr, double momentum,
      double dampening, double weightDecay, boolean nesterov) {
    if (p.storage().isOnDevice()) {
      Device device = p.device();
      if (!g.device().equals(device) || (buf != null && !buf.device().equals(device))) {
        throw new IllegalArgumentException("SGD: the parameter is on " + device + " but its gradient is on "
            + g.device() + (buf == null ? "" : " and its momentum buffer on " + buf.device()));
      }
      Backends.require(device).ops(device).sgdUpdate(view(p), view(g), buf == null ? null : view(buf), firstStep,
          lr, momentum, dampening, weightDecay, nesterov);
      return;
    }
    float[] pv = p.storage().floats();
    float[] gv = g.storage().floats();
    int go = g.storageOffset();
    float[] bv = buf == null ? null : buf.storage().floats();
    float wd = (float) weightDecay;
    float mu = (float) momentum;
    float keep = (float) (1 - dampening);
    float step = (float) -lr;
    boolean decay = weightDecay != 0;
    Threads.parallelFor(0, p.numel(), PARALLEL_GRAIN_ELEMENTS, (from, to) -> {
      // The common cases as branch-free loops the JIT vectorises; the general loop for the rest.
      if (!decay && bv != null && !firstStep && !nesterov) {
        momentumStep(pv, gv, go, bv, from, to, mu, keep, step);
      } else if (!decay && bv == null) {
        plainStep(pv, gv, go, from, to, step);
      } else {
        general(pv, gv, go, bv, from, to, decay, wd, mu, keep, step, firstStep, nesterov);
      }
    });
  }

  private static void momentumStep(float[] pv, float[] gv, int go, float[] bv, int from, int to, float mu,
      float keep, float step) {
    if (go == 0) {
      for (int i = from; i < to; i++) {
        float b = bv[i] * mu + keep * gv[i];
        bv[i] = b;
        pv[i] = pv[i] + step * b;
      }
    } else if (vectorOffsetLoops) {
      SgdVector.momentum(pv, gv, go, bv, from, to, mu, keep, step);
    } else {
      for (int i = from; i < to; i++) {
        float b = bv[i] * mu + keep * gv[go + i];
        bv[i] = b;
        pv[i] = pv[i] + step * b;
      }
    }
  }

  private static void plainStep(float[] pv, float[] gv, int go, int from, int to, float step) {
    if (go == 0) {
      for (int i = from; i < to; i++) {
        pv[i] = pv[i] + step * gv[i];
      }
    } else if (vectorOffsetLoops) {
      SgdVector.plain(pv, gv, go, from, to, step);
    } else {
      for (int i = from; i < to; i++) {
        pv[i] = pv[i] + step * gv[go + i];
      }
    }
  }

  private static TensorView view(Tensor t) {
    return new TensorView(t.storage(), t.shape(), t.stride(), t.storageOffset());
  }

  private static void general(float[] pv, float[] gv, int go, float[] bv, int from, int to, boolean decay,
      float wd, float mu, float keep, float step, boolean firstStep, boolean nesterov) {
    for (int i = from; i < to; i++) {
      float d = gv[go + i];
      if (decay) {
        d = d + wd * pv[i];
      }
      if (bv != null) {
        float b = firstStep ? d : bv[i] * mu + keep * d;
        bv[i] = b;
        d = nesterov ? d + mu * b : b;
      }
      pv[i] = pv[i] + step * d;
    }
  }
}
