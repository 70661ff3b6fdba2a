package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Runs its children in order; they are named "0", "1", ... as in PyTorch. */
public final class Sequential extends Module {
  private final List<Module> layers = new ArrayList<>();

  public Sequential(Module... modules) {
    for (Module m : modules) {
      add(m);
    }
  }

  /** Appends a layer; returns this. */
  public Sequential add(Module m) {
    registerModule(Integer.toString(layers.size()), m);
    layers.add(m);
    return this;
  }

  /** The i-th layer. */
  public Module get(int i) {
    return layers.get(i);
  }

  public int size() {
    return layers.size();
  }

  @Override
  public Tensor forward(Tensor input) {
    Tensor x = input;
    for (Module m : layers) {
      x = m.forward(x);
    }
    return x;
  }
}
