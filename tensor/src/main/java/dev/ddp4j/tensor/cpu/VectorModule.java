package dev.ddp4j.tensor.cpu;

/**
 * Whether the JVM was started with {@code --add-modules jdk.incubator.vector}, looked up once. Holds no
 * Vector API type, so asking loads none: a class that uses the Vector API cannot even be verified
 * without the module, so callers check here before touching one (the GEMM kernel choice, the fused SGD
 * step, the collectives' sums).
 */
public final class VectorModule {
  private static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private VectorModule() {}

  /** True when the module {@code jdk.incubator.vector} is in the boot layer. */
  public static boolean present() {
    return PRESENT;
  }
}
