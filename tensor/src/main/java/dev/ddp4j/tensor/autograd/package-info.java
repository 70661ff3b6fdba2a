/**
 * Reverse-mode automatic differentiation: the graph nodes that ops record, the engine that runs
 * them backward, and the grad-mode switch.
 *
 * <p>Graphs are owned by the tensors that reference them and are freed as backward runs unless the
 * graph is retained. Grad mode is per thread; a graph must be built and run backward on one thread
 * (a rank's compute thread), and the hooks it fires run on that thread too.
 */
package dev.ddp4j.tensor.autograd;
