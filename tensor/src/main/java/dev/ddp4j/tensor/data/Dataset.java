package dev.ddp4j.tensor.data;

/**
 * A map-style dataset (PyTorch's {@code torch.utils.data.Dataset}): a fixed number of examples, each
 * addressed by its index in {@code [0, size())}.
 *
 * <p>A loader calls {@link #get(int)} from its own thread, so implementations must be safe to read
 * from a thread other than the one that built them (being immutable is enough).
 *
 * @param <T> the type of one example
 */
public interface Dataset<T> {
  /** The number of examples. */
  int size();

  /**
   * The example at {@code index}.
   *
   * @throws IndexOutOfBoundsException when {@code index} is outside {@code [0, size())}
   */
  T get(int index);
}
