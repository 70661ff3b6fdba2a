package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Device;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.backend.Backends;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Base of every layer and model, as PyTorch's {@code nn.Module}: parameters, buffers and child
 * modules registered in order under names, so that {@link #namedParameters()} gives PyTorch's
 * dotted names ({@code fc1.weight}, {@code features.0.bias}) in registration order.
 */
public abstract class Module {
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private boolean training = true;

  /** Runs the module on {@code input}. */
  public abstract Tensor forward(Tensor input);

  /** Registers {@code t} as a parameter (it will require grad); returns it. */
  protected Tensor registerParameter(String name, Tensor t) {
    checkName(name);
    if (t != null) {
      t.requiresGrad_(true);
    }
    parameters.put(name, t);
    return t;
  }

  /** Registers a buffer (state that is saved but not trained, e.g. BatchNorm's running mean); returns it. */
  protected Tensor registerBuffer(String name, Tensor t) {
    checkName(name);
    buffers.put(name, t);
    return t;
  }

  /** Registers a child module; returns it. */
  protected <M extends Module> M registerModule(String name, M module) {
    checkName(name);
    children.put(name, module);
    return module;
  }

  private void checkName(String name) {
    if (name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("module attribute name must be non-empty and contain no '.', got '"
          + name + "'");
    }
    if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException("attribute '" + name + "' already exists in " + getClass().getSimpleName());
    }
  }

  /** Every parameter of this module and its children, in registration order. */
  public List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** Parameters by dotted name, in registration order. */
  public Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, true);
    return out;
  }

  /** Buffers by dotted name, in registration order. */
  public Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    collect("", out, false);
    return out;
  }

  private void collect(String prefix, Map<String, Tensor> out, boolean params) {
    for (Map.Entry<String, Tensor> e : (params ? parameters : buffers).entrySet()) {
      if (e.getValue() != null) {
        out.put(prefix + e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, Module> c : children.entrySet()) {
      c.getValue().collect(prefix + c.getKey() + ".", out, params);
    }
  }

  /** Direct children by name. */
  public Map<String, Module> namedChildren() {
    return java.util.Collections.unmodifiableMap(children);
  }

  /** Training mode (dropout active, batch norm uses batch statistics) for this module and its children. */
  public Module train() {
    return train(true);
  }

  public Module train(boolean mode) {
    training = mode;
    for (Module c : children.values()) {
      c.train(mode);
    }
    return this;
  }

  /** Evaluation mode, the same as {@code train(false)}. */
  public Module eval() {
    return train(false);
  }

  public boolean isTraining() {
    return training;
  }

  /**
   * Moves parameters and buffers (and parameters' gradients) to {@code device} in place, as PyTorch's
   * {@code module.to(device)}: each tensor object stays the same (its data is replaced with
   * {@link Tensor#setData}), so references held by an optimizer or a parent module stay valid. Tensors
   * already there do not move. Returns this.
   *
   * @throws IllegalStateException when {@code device} cannot be used (see {@link Backends#require})
   * @throws UnsupportedOperationException when the device's backend has no kernels in this build
   */
  public Module to(Device device) {
    Backends.require(device);
    List<Tensor> tensors = new ArrayList<>(parameters());
    tensors.addAll(namedBuffers().values());
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (Tensor t : tensors) {
        if (!t.device().equals(device)) {
          t.setData(t.detach().to(device));
        }
        Tensor g = t.grad();
        if (g != null && !g.device().equals(device)) {
          t.setGrad(g.to(device));
        }
      }
    }
    return this;
  }

  /** Clears every parameter's gradient (PyTorch's default {@code set_to_none=True}). */
  public void zeroGrad() {
    for (Tensor p : parameters()) {
      p.setGrad(null);
    }
  }

  /** Parameters then buffers of each module, by dotted name, as detached tensors sharing storage. */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    stateInto("", out);
    return out;
  }

  private void stateInto(String prefix, Map<String, Tensor> out) {
    for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
      if (e.getValue() != null) {
        out.put(prefix + e.getKey(), e.getValue().detach());
      }
    }
    for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
      if (e.getValue() != null) {
        out.put(prefix + e.getKey(), e.getValue().detach());
      }
    }
    for (Map.Entry<String, Module> c : children.entrySet()) {
      c.getValue().stateInto(prefix + c.getKey() + ".", out);
    }
  }

  /**
   * Copies values from {@code state} into this module's parameters and buffers (in place, so
   * optimizers keep working). With {@code strict}, missing and unexpected keys are errors. Every
   * check runs before any value is copied: a failed load changes nothing.
   */
  public void loadStateDict(Map<String, Tensor> state, boolean strict) {
    Map<String, Tensor> own = stateDict();
    List<String> errors = new ArrayList<>();
    if (strict) {
      TreeSet<String> missing = new TreeSet<>(own.keySet());
      missing.removeAll(state.keySet());
      TreeSet<String> unexpected = new TreeSet<>(state.keySet());
      unexpected.removeAll(own.keySet());
      if (!missing.isEmpty()) {
        errors.add("Missing key(s) in state_dict: " + missing);
      }
      if (!unexpected.isEmpty()) {
        errors.add("Unexpected key(s) in state_dict: " + unexpected);
      }
    }
    for (Map.Entry<String, Tensor> e : own.entrySet()) {
      Tensor src = state.get(e.getKey());
      if (src != null && !Arrays.equals(src.shape(), e.getValue().shape())) {
        errors.add("size mismatch for " + e.getKey() + ": copying a param with shape "
            + Arrays.toString(src.shape()) + " from checkpoint, the shape in current model is "
            + Arrays.toString(e.getValue().shape()));
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName()
          + ": " + String.join("; ", errors));
    }
    try (GradMode.Scope ignored = GradMode.noGrad()) {
      for (Map.Entry<String, Tensor> e : own.entrySet()) {
        Tensor src = state.get(e.getKey());
        if (src != null) {
          e.getValue().copy_(src);
        }
      }
    }
  }

  /** A short description like PyTorch's repr. */
  @Override
  public String toString() {
    if (children.isEmpty()) {
      return getClass().getSimpleName() + "(" + extraRepr() + ")";
    }
    StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append("(\n");
    for (Map.Entry<String, Module> c : children.entrySet()) {
      sb.append("  (").append(c.getKey()).append("): ")
          .append(c.getValue().toString().replace("\n", "\n  ")).append('\n');
    }
    return sb.append(')').toString();
  }

  /** The constructor arguments shown by {@link #toString()}. */
  protected String extraRepr() {
    return "";
  }
}
