/**
 * Neural-network building blocks in the shape of PyTorch's {@code torch.nn}: {@link dev.ddp4j.tensor.nn.Module}
 * with named parameters and buffers, the layers, the losses, and the functional forms in
 * {@link dev.ddp4j.tensor.nn.F}.
 *
 * <p>A module owns its parameters and buffers; optimizers and DDP hold references to the same
 * tensors, so loading a state dict copies values in place instead of replacing tensors. Modules are
 * not thread-safe: one thread (a rank's compute thread) runs forward, backward and the optimizer.
 */
package dev.ddp4j.tensor.nn;
