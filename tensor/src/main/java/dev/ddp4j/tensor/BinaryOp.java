package dev.ddp4j.tensor;

/** Elementwise binary operations, as the kernels (CPU and {@link dev.ddp4j.tensor.backend.DeviceOps}) see them; comparisons produce bool. */
public enum BinaryOp {
  ADD { double apply(double a, double b) { return a + b; } },
  MUL { double apply(double a, double b) { return a * b; } },
  DIV { double apply(double a, double b) { return a / b; } },
  POW { double apply(double a, double b) { return Math.pow(a, b); } },
  MAX { double apply(double a, double b) { return a != a || b != b ? Double.NaN : Math.max(a, b); } },
  MIN { double apply(double a, double b) { return a != a || b != b ? Double.NaN : Math.min(a, b); } },
  /** Returns the second operand: copy and fill. */
  SECOND { double apply(double a, double b) { return b; } },
  GT { double apply(double a, double b) { return a > b ? 1 : 0; } },
  LT { double apply(double a, double b) { return a < b ? 1 : 0; } },
  GE { double apply(double a, double b) { return a >= b ? 1 : 0; } },
  LE { double apply(double a, double b) { return a <= b ? 1 : 0; } },
  EQ { double apply(double a, double b) { return a == b ? 1 : 0; } },
  NE { double apply(double a, double b) { return a != b ? 1 : 0; } };

  abstract double apply(double a, double b);

  /** Exact int64 arithmetic where PyTorch keeps integers integral. */
  long applyLong(long a, long b) {
    return switch (this) {
      case ADD -> a + b;
      case MUL -> a * b;
      case MAX -> Math.max(a, b);
      case MIN -> Math.min(a, b);
      case SECOND -> b;
      case GT -> a > b ? 1 : 0;
      case LT -> a < b ? 1 : 0;
      case GE -> a >= b ? 1 : 0;
      case LE -> a <= b ? 1 : 0;
      case EQ -> a == b ? 1 : 0;
      case NE -> a != b ? 1 : 0;
      case POW -> (long) Math.pow(a, b);
      case DIV -> throw new AssertionError("integer division is promoted to float");
    };
  }

  boolean isComparison() {
    return ordinal() >= GT.ordinal();
  }
}
