package dev.ddp4j.tensor.optim;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.List;
import java.util.Map;

/**
 * RMSprop exactly as PyTorch: {@code v = α·v + (1−α)·g²}; {@code avg = √v + ε} (centered:
 * {@code √(v − ḡ²) + ε}); with momentum {@code b = μ·b + g/avg; p -= lr·b}, else {@code p -= lr·g/avg}.
 */
public final class RMSprop extends Optimizer {
  private double alpha;
  private double eps;
  private double weightDecay;
  private double momentum;
  private boolean centered;

  public RMSprop(List<Tensor> params, double lr) {
    this(params, lr, 0.99, 1e-8, 0, 0, false);
  }

  public RMSprop(List<Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum,
      boolean centered) {
    super(params, lr);
    if (alpha < 0) {
      throw new IllegalArgumentException("RMSprop: Invalid alpha value: " + alpha);
    }
    if (eps < 0) {
      throw new IllegalArgumentException("RMSprop: Invalid epsilon value: " + eps);
    }
    if (momentum < 0) {
      throw new IllegalArgumentException("RMSprop: Invalid momentum value: " + momentum);
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException("RMSprop: Invalid weight_decay value: " + weightDecay);
    }
    this.alpha = alpha;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.momentum = momentum;
    this.centered = centered;
  }

  @Override
  protected void update(Tensor p, Tensor g, Map<String, Tensor> st) {
    Tensor grad = weightDecay != 0 ? g.add(p, weightDecay) : g;
    Tensor sq = st.computeIfAbsent("square_avg", k -> Torch.zerosLike(p));
    Tensor step = st.computeIfAbsent("step", k -> Torch.scalar(0));
    step.add_(1);
    sq.mul_(alpha).addcmul_(grad, grad, 1 - alpha);
    Tensor avg;
    if (centered) {
      Tensor ga = st.computeIfAbsent("grad_avg", k -> Torch.zerosLike(p));
      ga.mul_(alpha).add_(grad, 1 - alpha);
      avg = sq.sub(ga.mul(ga)).sqrt().add(eps);
    } else {
      avg = sq.sqrt().add(eps);
    }
    if (momentum > 0) {
      Tensor buf = st.computeIfAbsent("momentum_buffer", k -> Torch.zerosLike(p));
      buf.mul_(momentum).addcdiv_(grad, avg, 1.0);
      p.add_(buf, -lr);
    } else {
      p.addcdiv_(grad, avg, -lr);
    }
  }

  @Override
  protected Map<String, Double> hyperParameters() {
    Map<String, Double> h = super.hyperParameters();
    h.put("alpha", alpha);
    h.put("eps", eps);
    h.put("weight_decay", weightDecay);
    h.put("momentum", momentum);
    h.put("centered", centered ? 1.0 : 0.0);
    return h;
  }

  @Override
  protected void loadHyperParameters(Map<String, Double> h) {
    super.loadHyperParameters(h);
    alpha = h.getOrDefault("alpha", alpha);
    eps = h.getOrDefault("eps", eps);
    weightDecay = h.getOrDefault("weight_decay", weightDecay);
    momentum = h.getOrDefault("momentum", momentum);
    centered = h.getOrDefault("centered", centered ? 1.0 : 0.0) != 0;
  }
}
