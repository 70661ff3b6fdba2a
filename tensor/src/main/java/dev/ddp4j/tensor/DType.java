package dev.ddp4j.tensor;

/**
 * Element type of a tensor. Half-precision types are storage formats: every CPU kernel computes
 * them in float32 and rounds the result back, as PyTorch does on the CPU.
 */
public enum DType {
  FLOAT32("float32", 4, true),
  FLOAT64("float64", 8, true),
  INT64("int64", 8, false),
  BFLOAT16("bfloat16", 2, true),
  FLOAT16("float16", 2, true),
  BOOL("bool", 1, false);

  private final String pyName;
  private final int itemSize;
  private final boolean floatingPoint;

  DType(String pyName, int itemSize, boolean floatingPoint) {
    this.pyName = pyName;
    this.itemSize = itemSize;
    this.floatingPoint = floatingPoint;
  }

  /** Size of one element in bytes. */
  public int itemSize() {
    return itemSize;
  }

  /** True for float32, float64, bfloat16 and float16. */
  public boolean isFloatingPoint() {
    return floatingPoint;
  }

  /** True for the 16-bit storage formats, which compute in float32. */
  public boolean isHalf() {
    return this == BFLOAT16 || this == FLOAT16;
  }

  /** The dtype a CPU kernel computes this dtype in: float32 for the 16-bit formats. */
  public DType computeType() {
    return isHalf() ? FLOAT32 : this;
  }

  /**
   * PyTorch's result type of a binary op between two tensors: bool &lt; int64 &lt; floating; among
   * floating types the wider wins, and bfloat16 with float16 gives float32.
   */
  public static DType promote(DType a, DType b) {
    if (a == b) {
      return a;
    }
    if (a == BOOL) {
      return b;
    }
    if (b == BOOL) {
      return a;
    }
    if (!a.floatingPoint) {
      return b;
    }
    if (!b.floatingPoint) {
      return a;
    }
    if (a == FLOAT64 || b == FLOAT64) {
      return FLOAT64;
    }
    return FLOAT32;
  }

  /** The name PyTorch prints, e.g. {@code torch.float32}. */
  @Override
  public String toString() {
    return "torch." + pyName;
  }
}
