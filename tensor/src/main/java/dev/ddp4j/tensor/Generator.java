package dev.ddp4j.tensor;

/**
 * A seeded random number generator (SplitMix64 with Box–Muller normals): the same seed gives the
 * same numbers on every JDK and machine. Not thread-safe; the default generator in {@link Torch}
 * is synchronised.
 */
public final class Generator {
  private long state;
  private double spareNormal;
  private boolean hasSpare;

  public Generator(long seed) {
    manualSeed(seed);
  }

  /** Resets the generator to {@code seed}. */
  public Generator manualSeed(long seed) {
    this.state = seed;
    this.hasSpare = false;
    return this;
  }

  /** The next 64 random bits. */
  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, 1) with 24 random bits. */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform integer in [0, bound). */
  public long nextLong(long bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    long r = nextLong() >>> 1;
    long m = bound - 1;
    if ((bound & m) == 0) {
      return r & m;
    }
    long u = r;
    while (u - (r = u % bound) + m < 0) {
      u = nextLong() >>> 1;
    }
    return r;
  }

  /** A standard normal sample. */
  public double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spareNormal;
    }
    double u1;
    do {
      u1 = nextDouble();
    } while (u1 <= 0);
    double u2 = nextDouble();
    double r = Math.sqrt(-2 * Math.log(u1));
    spareNormal = r * Math.sin(2 * Math.PI * u2);
    hasSpare = true;
    return r * Math.cos(2 * Math.PI * u2);
  }
}
