package dev.ddp4j.exchange.ddp;

/** A distributed step that cannot complete: a parameter without a gradient, or a failed collective (the cause). */
public final class DdpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DdpException(String message) {
    super(message);
  }

  public DdpException(String message, Throwable cause) {
    super(message, cause);
  }
}
