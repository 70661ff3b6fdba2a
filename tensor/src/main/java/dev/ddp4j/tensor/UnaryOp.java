package dev.ddp4j.tensor;

/** Elementwise unary operations, as the kernels (CPU and {@link dev.ddp4j.tensor.backend.DeviceOps}) see them. */
public enum UnaryOp {
  NEG { double apply(double x) { return -x; } },
  EXP { double apply(double x) { return Math.exp(x); } },
  LOG { double apply(double x) { return Math.log(x); } },
  SQRT { double apply(double x) { return Math.sqrt(x); } },
  ABS { double apply(double x) { return Math.abs(x); } },
  SIGN { double apply(double x) { return x != x ? Double.NaN : Math.signum(x); } },
  SIGMOID {
    double apply(double x) {
      return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
  },
  TANH { double apply(double x) { return Math.tanh(x); } },
  RELU { double apply(double x) { return x != x ? x : (x > 0 ? x : 0); } };

  abstract double apply(double x);

  String backwardName() {
    String n = name().charAt(0) + name().substring(1).toLowerCase();
    return n + "Backward0";
  }
}
