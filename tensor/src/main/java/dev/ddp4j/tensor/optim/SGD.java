package dev.ddp4j.tensor.optim;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, exactly as
 * PyTorch: {@code d = g + wd·p; b = d} on the first step, else {@code b = μ·b + (1−τ)·d};
 * {@code d = nesterov ? d + μ·b : b}; {@code p -= lr·d}.
 */
public final class SGD extends Optimizer {
  private double momentum;
  private double dampening;
  private double weightDecay;
  private boolean nesterov;

  public SGD(List<Tensor> params, double lr) {
    this(params, lr, 0, 0, 0, false);
  }

  public SGD(List<Tensor> params, double lr, double momentum) {
    this(params, lr, momentum, 0, 0, false);
  }

  public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay,
      boolean nesterov) {
    super(params, lr);
    if (momentum < 0) {
      throw new IllegalArgumentException("SGD: Invalid momentum value: " + momentum);
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException("SGD: Invalid weight_decay value: " + weightDecay);
    }
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening");
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
  }

  @Override
  protected void update(Tensor p, Tensor g, Map<String, Tensor> st) {
    Tensor buf = momentum != 0 ? st.get("momentum_buffer") : null;
    if (!SgdKernel.applies(p, g, buf)) {
      updateByTensorOps(p, g, st);
      return;
    }
    boolean firstStep = momentum != 0 && buf == null;
    if (firstStep) {
      buf = Torch.zerosLike(p);
      st.put("momentum_buffer", buf);
    }
    SgdKernel.update(p, g, buf, firstStep, lr, momentum, dampening, weightDecay, nesterov);
  }

  private void updateByTensorOps(Tensor p, Tensor g, Map<String, Tensor> st) {
    Tensor d = weightDecay != 0 ? g.add(p, weightDecay) : g;
    if (momentum != 0) {
      Tensor buf = st.get("momentum_buffer");
      if (buf == null) {
        buf = d.clone();
        st.put("momentum_buffer", buf);
      } else {
        buf.mul_(momentum).add_(d, 1 - dampening);
      }
      d = nesterov ? d.add(buf, momentum) : buf;
    }
    p.add_(d, -lr);
  }

  @Override
  protected Map<String, Double> hyperParameters() {
    Map<String, Double> h = super.hyperParameters();
    h.put("momentum", momentum);
    h.put("dampening", dampening);
    h.put("weight_decay", weightDecay);
    h.put("nesterov", nesterov ? 1.0 : 0.0);
    return h;
  }

  @Override
  protected void loadHyperParameters(Map<String, Double> h) {
    super.loadHyperParameters(h);
    momentum = h.getOrDefault("momentum", momentum);
    dampening = h.getOrDefault("dampening", dampening);
    weightDecay = h.getOrDefault("weight_decay", weightDecay);
    nesterov = h.getOrDefault("nesterov", nesterov ? 1.0 : 0.0) != 0;
  }
}
