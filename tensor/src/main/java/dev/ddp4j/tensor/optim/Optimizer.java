package dev.ddp4j.tensor.optim;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import dev.ddp4j.tensor.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the optimizers: one group of parameters with a learning rate, per-parameter state, and a
 * state dict of plain tensors (so it can be saved as safetensors): {@code state.<i>.<name>} per
 * parameter index and {@code param_groups.0.<hyperparameter>} as 0-dim float64 tensors.
 */
public abstract class Optimizer {
  protected final List<Tensor> params;
  protected double lr;
  private final List<Map<String, Tensor>> state;

  protected Optimizer(List<Tensor> params, double lr) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": optimizer got an empty parameter list");
    }
    if (lr < 0) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": Invalid learning rate: " + lr);
    }
    for (int i = 0; i < params.size(); i++) {
      Tensor p = params.get(i);
      if (!p.isLeaf() || !p.requiresGrad()) {
        throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter " + i
            + " must be a leaf tensor that requires grad");
      }
    }
    this.params = List.copyOf(params);
    this.lr = lr;
    this.state = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      state.add(new LinkedHashMap<>());
    }
  }

  /** Applies one update to every parameter that has a gradient. */
  public final void step() {
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        if (p.grad() != null) {
          update(p, p.grad(), state.get(i));
        }
      }
    }
  }

  /** Updates one parameter in place from its gradient; {@code st} is its (mutable) state. */
  protected abstract void update(Tensor param, Tensor grad, Map<String, Tensor> st);

  /** Clears every parameter's gradient (set to null, PyTorch's default). */
  public void zeroGrad() {
    for (Tensor p : params) {
      p.setGrad(null);
    }
  }

  public double getLr() {
    return lr;
  }

  public void setLr(double lr) {
    this.lr = lr;
  }

  /** The parameters this optimizer updates, in order. */
  public List<Tensor> parameters() {
    return params;
  }

  /** Hyper-parameters saved under {@code param_groups.0.*}; subclasses add theirs. */
  protected Map<String, Double> hyperParameters() {
    Map<String, Double> h = new LinkedHashMap<>();
    h.put("lr", lr);
    return h;
  }

  /** Restores hyper-parameters from a state dict; subclasses restore theirs. */
  protected void loadHyperParameters(Map<String, Double> h) {
    lr = h.getOrDefault("lr", lr);
  }

  /** The state as named tensors (copies), ready to save. */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (int i = 0; i < state.size(); i++) {
      for (Map.Entry<String, Tensor> e : state.get(i).entrySet()) {
        out.put("state." + i + "." + e.getKey(), e.getValue().clone());
      }
    }
    for (Map.Entry<String, Double> e : hyperParameters().entrySet()) {
      out.put("param_groups.0." + e.getKey(), Torch.scalar(e.getValue(), DType.FLOAT64));
    }
    return out;
  }

  /** Loads a state dict made by {@link #stateDict()}; everything is checked before anything changes. */
  public void loadStateDict(Map<String, Tensor> dict) {
    List<Map<String, Tensor>> next = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      next.add(new LinkedHashMap<>());
    }
    Map<String, Double> hyper = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : dict.entrySet()) {
      String[] k = e.getKey().split("\\.", 3);
      if (k.length == 3 && k[0].equals("state")) {
        int i;
        try {
          i = Integer.parseInt(k[1]);
        } catch (NumberFormatException ex) {
          throw new IllegalArgumentException("loadStateDict: bad optimizer state key '" + e.getKey() + "'");
        }
        if (i < 0 || i >= params.size()) {
          throw new IllegalArgumentException("loadStateDict: state for parameter " + i + " but the optimizer has "
              + params.size() + " parameters");
        }
        Tensor v = e.getValue();
        if (v.dim() > 0 && !Arrays.equals(v.shape(), params.get(i).shape())) {
          throw new IllegalArgumentException("loadStateDict: state '" + e.getKey() + "' has shape "
              + Arrays.toString(v.shape()) + " but parameter " + i + " has shape "
              + Arrays.toString(params.get(i).shape()));
        }
        next.get(i).put(k[2], v.detach().clone());
      } else if (k.length == 3 && k[0].equals("param_groups") && k[1].equals("0")) {
        hyper.put(k[2], e.getValue().item());
      } else {
        throw new IllegalArgumentException("loadStateDict: unexpected optimizer state key '" + e.getKey() + "'");
      }
    }
    for (int i = 0; i < params.size(); i++) {
      state.set(i, next.get(i));
    }
    loadHyperParameters(hyper);
  }
}
