package dev.ddp4j.tensor.autograd;

/**
 * Whether ops record a graph on the current thread (PyTorch's grad mode). Disable it for a block
 * with {@code try (var ignored = GradMode.noGrad()) { ... }}.
 */
public final class GradMode {
  private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

  private GradMode() {}

  /** True when ops on this thread record autograd graphs. */
  public static boolean isEnabled() {
    return ENABLED.get()[0];
  }

  /** Sets grad mode on this thread; prefer the scoped {@link #noGrad()} / {@link #enableGrad()}. */
  public static void setEnabled(boolean enabled) {
    ENABLED.get()[0] = enabled;
  }

  /** Disables graph recording until the returned scope is closed, then restores the previous mode. */
  public static Scope noGrad() {
    return new Scope(false);
  }

  /** Enables graph recording until the returned scope is closed, then restores the previous mode. */
  public static Scope enableGrad() {
    return new Scope(true);
  }

  /** A try-with-resources scope that restores the grad mode it found. */
  public static final class Scope implements AutoCloseable {
    private final boolean previous;
    private final Thread owner;

    private Scope(boolean enabled) {
      this.previous = isEnabled();
      this.owner = Thread.currentThread();
      setEnabled(enabled);
    }

    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("a grad-mode scope must be closed on the thread that opened it");
      }
      setEnabled(previous);
    }
  }
}
