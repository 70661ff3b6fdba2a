package dev.ddp4j.tensor.autograd;

import dev.ddp4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * One recorded operation of the autograd graph: given the gradient of its output, it returns the
 * gradient of each input. Edges point to the nodes that produced the inputs (or to the
 * accumulate-grad node of a leaf), null where an input needs no gradient.
 *
 * <p>Only called from the thread that runs backward.
 */
public abstract class Node {
  private static final AtomicLong NEXT_SEQUENCE = new AtomicLong();

  private final String name;
  private final Node[] next;
  private final long sequenceNr;
  private List<UnaryOperator<Tensor>> preHooks = Collections.emptyList();

  protected Node(String name, Node[] next) {
    this(name, next, NEXT_SEQUENCE.getAndIncrement());
  }

  protected Node(String name, Node[] next, long sequenceNr) {
    this.name = name;
    this.next = next;
    this.sequenceNr = sequenceNr;
  }

  /**
   * Gradients with respect to each input, in the order of {@link #nextFunctions()}; an entry may
   * be null when that input gets no gradient.
   */
  public abstract Tensor[] apply(Tensor gradOutput);

  /** Frees saved tensors after the node ran, unless the graph is retained. */
  protected void release() {}

  /** The op's name, as PyTorch prints it ({@code MulBackward0}). */
  public String name() {
    return name;
  }

  /** The nodes of this node's inputs; entries may be null. */
  public List<Node> nextFunctions() {
    return Collections.unmodifiableList(java.util.Arrays.asList(next));
  }

  Node[] next() {
    return next;
  }

  /** Higher runs first when several nodes are ready: later ops first, accumulate-grad nodes at once. */
  long sequenceNr() {
    return sequenceNr;
  }

  /** Adds a hook that sees (and may replace) the gradient of this node's output before it runs. */
  public void addPreHook(UnaryOperator<Tensor> hook) {
    if (preHooks.isEmpty()) {
      preHooks = new ArrayList<>();
    }
    preHooks.add(hook);
  }

  /** Removes a hook added with {@link #addPreHook}. */
  public void removePreHook(UnaryOperator<Tensor> hook) {
    preHooks.remove(hook);
  }

  Tensor runPreHooks(Tensor grad) {
    Tensor g = grad;
    for (UnaryOperator<Tensor> h : preHooks) {
      Tensor r = h.apply(g);
      if (r != null) {
        g = r;
      }
    }
    return g;
  }

  @Override
  public String toString() {
    return "<" + name + ">";
  }
}
