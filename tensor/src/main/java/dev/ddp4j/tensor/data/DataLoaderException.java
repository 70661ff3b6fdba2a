package dev.ddp4j.tensor.data;

/**
 * A failure while a {@link DataLoader} built a batch, rethrown on the consumer's thread by {@code
 * next()}; the cause is the original exception, with the stack trace of the thread that built the
 * batch.
 */
public final class DataLoaderException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataLoaderException(String message, Throwable cause) {
    super(message, cause);
  }
}
