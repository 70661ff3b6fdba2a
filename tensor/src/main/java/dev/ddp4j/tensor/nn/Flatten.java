package dev.ddp4j.tensor.nn;

import dev.ddp4j.tensor.Tensor;

/** Flattens dims {@code startDim..endDim} (default 1..-1: everything but the batch). */
public final class Flatten extends Module {
  private final int startDim;
  private final int endDim;

  public Flatten() {
    this(1, -1);
  }

  public Flatten(int startDim, int endDim) {
    this.startDim = startDim;
    this.endDim = endDim;
  }

  @Override
  public Tensor forward(Tensor input) {
    return input.flatten(startDim, endDim);
  }

  @Override
  protected String extraRepr() {
    return "start_dim=" + startDim + ", end_dim=" + endDim;
  }
}
