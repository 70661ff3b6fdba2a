package dev.ddp4j.tensor.io;

import java.io.IOException;

/**
 * A safetensors file (or byte array) that breaks the format: its message names the source and what
 * is wrong with it, e.g. {@code model.safetensors: file is truncated: ...}. Thrown before any
 * tensor of the source is handed out.
 */
public final class SafeTensorsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  SafeTensorsFormatException(String source, String problem) {
    super(source + ": " + problem);
  }
}
