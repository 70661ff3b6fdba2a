/**
 * Optimizers and learning-rate schedulers in the shape of PyTorch's {@code torch.optim}, with the
 * same update formulas (same epsilon placement, same bias corrections).
 *
 * <p>An optimizer holds references to the parameters it updates and owns its per-parameter state
 * (momentum buffers, moment estimates). {@code step()} and {@code zeroGrad()} run on the thread
 * that ran backward; they update parameters in place under no-grad.
 */
package dev.ddp4j.tensor.optim;
