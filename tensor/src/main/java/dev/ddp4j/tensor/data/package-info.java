/**
 * Data loading in the shape of PyTorch's {@code torch.utils.data}: datasets ({@link
 * dev.ddp4j.tensor.data.Dataset}, {@link dev.ddp4j.tensor.data.TensorDataset}), samplers that fix
 * the order of one epoch ({@link dev.ddp4j.tensor.data.Sampler}), the batching and prefetching
 * {@link dev.ddp4j.tensor.data.DataLoader}, readers for the IDX (MNIST, Fashion-MNIST) and CIFAR-10
 * binary files, and the {@link dev.ddp4j.tensor.data.Normalize} transform.
 *
 * <p>Lifetimes: a dataset owns its tensors and is read-only once built; a loader holds a reference to
 * its dataset and owns the prefetch thread of every iterator it hands out. An iterator's thread ends
 * when the epoch is exhausted, when the iterator or its loader is closed, or (at the latest) when an
 * abandoned iterator is garbage collected. Every {@link dev.ddp4j.tensor.data.Batch} is a fresh pair
 * of tensors that the consumer owns.
 *
 * <p>Threads: a loader and its iterators are driven by one consumer thread (a rank's compute thread),
 * which configures the loader and calls {@code setEpoch}, {@code iterator()} (which asks the {@link
 * dev.ddp4j.tensor.data.Sampler} for the epoch's order), {@code hasNext()} and {@code next()}. Each
 * iterator's own thread, {@code ddp4j-loader-N}, calls only {@link
 * dev.ddp4j.tensor.data.Dataset#get(int)} (or the row copy of a {@code TensorDataset}) and the input
 * transform; it never touches a batch after handing it over through the bounded queue, and nothing
 * may mutate a dataset while a loader reads it. {@code close()} may be called from any thread. The
 * readers and {@code Normalize} are stateless and may be used from any thread.
 */
package dev.ddp4j.tensor.data;
