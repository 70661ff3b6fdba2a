package dev.ddp4j.actors;

/** A training run that ended early: a rank's step failed (the cause), a rank died, or the caller stopped it. */
public final class TrainingFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrainingFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
