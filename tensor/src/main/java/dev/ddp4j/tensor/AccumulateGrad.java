package dev.ddp4j.tensor;

import dev.ddp4j.tensor.autograd.Node;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The graph node of a leaf that requires grad: adds the incoming gradient into the leaf's
 * {@code grad} (gradients always accumulate) and then runs the leaf's post-accumulate hooks. The
 * engine runs it once per backward with the sum of every path, so the hooks see the final gradient.
 */
final class AccumulateGrad extends Node {
  private final Tensor leaf;

  AccumulateGrad(Tensor leaf) {
    super("AccumulateGrad", new Node[0], Long.MAX_VALUE);
    this.leaf = leaf;
  }

  @Override
  public Tensor[] apply(Tensor gradOutput) {
    Tensor g = gradOutput;
    List<UnaryOperator<Tensor>> hooks = leaf.leafHooks();
    if (hooks != null) {
      for (UnaryOperator<Tensor> h : List.copyOf(hooks)) {
        Tensor r = h.apply(g);
        if (r != null) {
          g = r;
        }
      }
    }
    if (g.dtype() != leaf.dtype()) {
      g = g.to(leaf.dtype());
    }
    Tensor current = leaf.grad();
    if (current == null) {
      // A fresh contiguous copy: the incoming tensor may be a view of another gradient.
      leaf.setGrad(freshCopy(g));
    } else {
      current.add_(g);
    }
    List<Consumer<Tensor>> post = leaf.postAccumulateHooks();
    if (post != null) {
      for (Consumer<Tensor> h : List.copyOf(post)) {
        h.accept(leaf);
      }
    }
    return new Tensor[0];
  }

  /**
   * A contiguous copy of {@code g} shaped like the leaf. A dense float32 gradient on the CPU is copied
   * with {@link Arrays#copyOfRange}, which the JIT allocates without zeroing first (a plain new array is
   * zeroed, then overwritten: one more pass over every gradient each step).
   */
  private Tensor freshCopy(Tensor g) {
    if (g.dtype() == DType.FLOAT32 && !g.storage().isOnDevice() && g.isContiguous()
        && Shapes.same(g.shape, leaf.shape)) {
      int from = g.storageOffset();
      return Torch.wrap(Arrays.copyOfRange(g.storage().floats(), from, from + g.numel()), 0, leaf.shape);
    }
    return ShapeOps.contiguousCopy(g.expand(leaf.shape));
  }
}
