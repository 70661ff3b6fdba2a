package dev.ddp4j.tensor.autograd;

import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.amp.Autocast;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Runs a graph backward: one iterative pass counts each node's consumers, then nodes run in
 * dependency order (a node runs once every consumer has delivered its gradient, so the gradient it
 * sees is final), highest sequence number first among ready nodes, as PyTorch's engine does. No
 * recursion: graphs of any depth are safe. Grad mode and {@link Autocast} are off while nodes run, so
 * backward ops keep the dtypes their forward ops chose.
 */
public final class Engine {
  private Engine() {}

  /**
   * Back-propagates {@code rootGrad} from {@code root}. Unless {@code retainGraph}, every node
   * releases its saved tensors right after it ran.
   */
  public static void run(Node root, Tensor rootGrad, boolean retainGraph) {
    Map<Node, Integer> dependencies = countDependencies(root);
    Map<Node, Tensor> pending = new IdentityHashMap<>();
    PriorityQueue<Node> ready = new PriorityQueue<>((a, b) -> Long.compare(b.sequenceNr(), a.sequenceNr()));
    pending.put(root, rootGrad);
    ready.add(root);
    try (GradMode.Scope ignored = GradMode.noGrad(); Autocast.Scope autocastOff = Autocast.disable()) {
      while (!ready.isEmpty()) {
        Node node = ready.poll();
        Tensor grad = node.runPreHooks(pending.remove(node));
        Tensor[] inputGrads = node.apply(grad);
        if (!retainGraph) {
          node.release();
        }
        Node[] next = node.next();
        for (int i = 0; i < next.length; i++) {
          Node n = next[i];
          if (n == null) {
            continue;
          }
          Tensor g = i < inputGrads.length ? inputGrads[i] : null;
          if (g != null) {
            Tensor prev = pending.get(n);
            pending.put(n, prev == null ? g : prev.add(g));
          }
          int left = dependencies.merge(n, -1, Integer::sum);
          if (left == 0) {
            if (pending.containsKey(n)) {
              ready.add(n);
            } else {
              // Every path into this node carried no gradient: its inputs get none either, but
              // nodes below may still be waiting on it.
              releaseChain(n, dependencies, pending, ready, retainGraph);
            }
          }
        }
      }
    }
  }

  private static void releaseChain(Node start, Map<Node, Integer> dependencies, Map<Node, Tensor> pending,
      PriorityQueue<Node> ready, boolean retainGraph) {
    ArrayDeque<Node> stack = new ArrayDeque<>();
    stack.push(start);
    while (!stack.isEmpty()) {
      Node node = stack.pop();
      if (!retainGraph) {
        node.release();
      }
      for (Node n : node.next()) {
        if (n == null) {
          continue;
        }
        int left = dependencies.merge(n, -1, Integer::sum);
        if (left == 0) {
          if (pending.containsKey(n)) {
            ready.add(n);
          } else {
            stack.push(n);
          }
        }
      }
    }
  }

  private static Map<Node, Integer> countDependencies(Node root) {
    Map<Node, Integer> deps = new HashMap<>();
    IdentityHashMap<Node, Boolean> seen = new IdentityHashMap<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    stack.push(root);
    seen.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Node node = stack.pop();
      for (Node n : node.next()) {
        if (n == null) {
          continue;
        }
        deps.merge(n, 1, Integer::sum);
        if (seen.put(n, Boolean.TRUE) == null) {
          stack.push(n);
        }
      }
    }
    return deps;
  }
}
