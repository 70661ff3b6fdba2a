package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.GradMode;
import dev.ddp4j.tensor.autograd.Node;

/**
 * The graph node recorded by an op: its inputs' edges, the tensors its backward needs, and the
 * backward formula written with tensor ops (so it runs on any backend).
 */
final class FunctionNode extends Node {
  /** A backward formula: the gradient of each input from the output gradient and the saved tensors. */
  @FunctionalInterface
  interface Backward {
    Tensor[] apply(Tensor grad, Tensor[] saved);
  }

  private Tensor[] saved;
  private final boolean savesTensors;
  private final Backward backward;

  private FunctionNode(String name, Node[] next, Tensor[] saved, Backward backward) {
    super(name, next);
    this.saved = saved;
    this.savesTensors = saved.length > 0;
    this.backward = backward;
  }

  /** True when grad mode is on and any input requires grad: the op must record a node. */
  static boolean needsGrad(Tensor... inputs) {
    if (!GradMode.isEnabled()) {
      return false;
    }
    for (Tensor t : inputs) {
      if (t != null && t.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Records {@code out} as made by op {@code name} from {@code inputs}, when any input requires
   * grad and grad mode is on; returns {@code out}. Saved tensors are detached views.
   */
  static Tensor record(Tensor out, String name, Tensor[] inputs, Tensor[] saved, Backward backward) {
    if (!needsGrad(inputs)) {
      return out;
    }
    Node[] next = new Node[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      next[i] = inputs[i] == null ? null : inputs[i].gradEdge();
    }
    Tensor[] s = new Tensor[saved.length];
    for (int i = 0; i < saved.length; i++) {
      s[i] = saved[i] == null ? null : saved[i].detach();
    }
    out.setGradFn(new FunctionNode(name, next, s, backward));
    return out;
  }

  @Override
  public Tensor[] apply(Tensor gradOutput) {
    if (saved == null) {
      throw new IllegalStateException(name() + ": trying to backward through the graph a second time (or "
          + "directly access saved tensors after they have already been freed). Saved intermediate values "
          + "of the graph are freed when you call backward(); pass retainGraph=true the first time");
    }
    return backward.apply(gradOutput, saved);
  }

  @Override
  protected void release() {
    if (savesTensors) {
      saved = null;
    }
  }
}
