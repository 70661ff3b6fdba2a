package dev.ddp4j.tensor.optim;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.List;
import java.util.Map;

/**
 * Adam exactly as PyTorch: {@code m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²};
 * {@code p -= (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)}. Weight decay is L2 (added to the
 * gradient); {@link AdamW} decouples it.
 */
public class Adam extends Optimizer {
  protected double beta1;
  protected double beta2;
  protected double eps;
  protected double weightDecay;

  public Adam(List<Tensor> params, double lr) {
    this(params, lr, 0.9, 0.999, 1e-8, 0);
  }

  public Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
    super(params, lr);
    if (beta1 < 0 || beta1 >= 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": Invalid beta parameter at index 0: " + beta1);
    }
    if (beta2 < 0 || beta2 >= 1) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": Invalid beta parameter at index 1: " + beta2);
    }
    if (eps < 0) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": Invalid epsilon value: " + eps);
    }
    if (weightDecay < 0) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": Invalid weight_decay value: " + weightDecay);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  /** True for AdamW: weight decay scales the parameter instead of joining the gradient. */
  protected boolean decoupledWeightDecay() {
    return false;
  }

  @Override
  protected void update(Tensor p, Tensor g, Map<String, Tensor> st) {
    Tensor grad = g;
    if (weightDecay != 0) {
      if (decoupledWeightDecay()) {
        p.mul_(1 - lr * weightDecay);
      } else {
        grad = g.add(p, weightDecay);
      }
    }
    Tensor step = st.computeIfAbsent("step", k -> Torch.scalar(0));
    Tensor m = st.computeIfAbsent("exp_avg", k -> Torch.zerosLike(p));
    Tensor v = st.computeIfAbsent("exp_avg_sq", k -> Torch.zerosLike(p));
    step.add_(1);
    double t = step.item();
    m.mul_(beta1).add_(grad, 1 - beta1);
    v.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    double bias1 = 1 - Math.pow(beta1, t);
    double bias2 = 1 - Math.pow(beta2, t);
    double stepSize = lr / bias1;
    Tensor denom = v.sqrt().div(Math.sqrt(bias2)).add(eps);
    p.addcdiv_(m, denom, -stepSize);
  }

  @Override
  protected Map<String, Double> hyperParameters() {
    Map<String, Double> h = super.hyperParameters();
    h.put("beta1", beta1);
    h.put("beta2", beta2);
    h.put("eps", eps);
    h.put("weight_decay", weightDecay);
    return h;
  }

  @Override
  protected void loadHyperParameters(Map<String, Double> h) {
    super.loadHyperParameters(h);
    beta1 = h.getOrDefault("beta1", beta1);
    beta2 = h.getOrDefault("beta2", beta2);
    eps = h.getOrDefault("eps", eps);
    weightDecay = h.getOrDefault("weight_decay", weightDecay);
  }
}
