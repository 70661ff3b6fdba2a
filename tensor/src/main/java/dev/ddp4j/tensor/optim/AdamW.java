package dev.ddp4j.tensor.optim;

import dev.ddp4j.tensor.Tensor;
import java.util.List;

/** Adam with decoupled weight decay (PyTorch's AdamW): {@code p *= 1 − lr·wd} before the Adam step. */
public final class AdamW extends Adam {
  public AdamW(List<Tensor> params, double lr) {
    this(params, lr, 0.9, 0.999, 1e-8, 1e-2);
  }

  public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay) {
    super(params, lr, beta1, beta2, eps, weightDecay);
  }

  @Override
  protected boolean decoupledWeightDecay() {
    return true;
  }
}
