package dev.ddp4j.tensor.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A dataset file that is missing, truncated or not in the expected format. The message names the
 * path that was read, what was expected and what was found (and, for a dataset that a system package
 * provides, how to install it).
 */
public final class DatasetFileException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient Path path;

  public DatasetFileException(Path path, String message) {
    super(message);
    this.path = path;
  }

  public DatasetFileException(Path path, String message, Throwable cause) {
    super(message, cause);
    this.path = path;
  }

  /** The file that could not be read. */
  public Path path() {
    return path;
  }
}
