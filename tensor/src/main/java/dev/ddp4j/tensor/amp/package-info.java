/**
 * Automatic mixed precision, as PyTorch's {@code torch.autocast} and {@code GradScaler}: a per-thread
 * scope in which matrix products and convolutions run in bfloat16 or float16 while losses, softmax and
 * sums run in float32, and a loss scaler that keeps float16 gradients from underflowing.
 *
 * <p>Autocast state is per thread: a scope is opened and closed on the thread that runs the forward
 * pass (a rank's compute thread) and affects no other thread. A {@link dev.ddp4j.tensor.amp.GradScaler}
 * is not synchronised; it belongs to the thread that drives its optimizer.
 */
package dev.ddp4j.tensor.amp;
