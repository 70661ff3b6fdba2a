package dev.ddp4j.tensor;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's printing ({@code torch/_tensor_str.py} with the default print options): every element
 * right-aligned to one width; floats that are all integral print as {@code 1.}, others with 4
 * decimals, or in scientific notation when their magnitudes span more than 1000× (or exceed 1e8,
 * or go below 1e-4); rows wrap at 80 columns; tensors over 1000 elements show 3 edge items.
 * Decimal rounding is half-even on the exact binary value, as Python's {@code format} does.
 */
final class TensorFormat {
  private TensorFormat() {}

  private static final int SUMMARY_THRESHOLD = 1000;
  private static final int EDGE_ITEMS = 3;
  private static final int PRECISION = 4;
  private static final int LINE_WIDTH = 80;
  private static final String PREFIX = "tensor(";

  static String format(Tensor original) {
    Tensor t = original;
    int indent = PREFIX.length();
    DType dt = t.dtype();
    List<String> suffixes = new ArrayList<>();
    Device device = t.device();
    if (device.type() != Device.Type.CPU) {
      suffixes.add("device='" + device + "'");
      t = t.detach().to(Device.CPU);
    }
    String body;
    if (t.numel() == 0) {
      if (t.dim() != 1) {
        StringBuilder size = new StringBuilder("size=(");
        for (int i = 0; i < t.dim(); i++) {
          size.append(i > 0 ? ", " : "").append(t.shape[i]);
        }
        suffixes.add(size.append(')').toString());
      }
      if (dt != DType.FLOAT32) {
        suffixes.add("dtype=" + dt);
      }
      body = "[]";
    } else {
      if (dt != DType.FLOAT32 && dt != DType.INT64 && dt != DType.BOOL) {
        suffixes.add("dtype=" + dt);
      }
      boolean summarize = t.numel() > SUMMARY_THRESHOLD;
      List<Integer> shown = new ArrayList<>();
      collect(t, 0, t.offset, summarize, shown);
      Formatter f = new Formatter(t, shown);
      body = t.dim() == 0 ? f.format(t.offset) : tensorStr(t, 0, t.offset, indent, summarize, f);
    }
    if (original.gradFn() != null) {
      suffixes.add("grad_fn=" + original.gradFn());
    } else if (original.requiresGrad()) {
      suffixes.add("requires_grad=True");
    }
    return addSuffixes(PREFIX + body, suffixes, indent);
  }

  /** Storage offsets of the elements that are printed (all, or the edge items when summarizing). */
  private static void collect(Tensor t, int d, int off, boolean summarize, List<Integer> out) {
    if (d == t.dim()) {
      out.add(off);
      return;
    }
    int n = t.shape[d];
    boolean cut = summarize && n > 2 * EDGE_ITEMS;
    for (int i = 0; i < n; i++) {
      if (cut && i == EDGE_ITEMS) {
        i = n - EDGE_ITEMS;
      }
      collect(t, d + 1, off + i * t.stride[d], summarize, out);
    }
  }

  private static String tensorStr(Tensor t, int d, int off, int indent, boolean summarize, Formatter f) {
    int n = t.shape[d];
    boolean cut = summarize && n > 2 * EDGE_ITEMS;
    List<String> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (cut && i == EDGE_ITEMS) {
        items.add(d == t.dim() - 1 ? " ..." : "...");
        i = n - EDGE_ITEMS;
      }
      int o = off + i * t.stride[d];
      items.add(d == t.dim() - 1 ? f.format(o) : tensorStr(t, d + 1, o, indent + 1, summarize, f));
    }
    if (d < t.dim() - 1) {
      String sep = "," + "\n".repeat(t.dim() - d - 1) + " ".repeat(indent + 1);
      return "[" + String.join(sep, items) + "]";
    }
    int perLine = Math.max(1, (LINE_WIDTH - indent) / (f.width + 2));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < items.size(); i += perLine) {
      lines.add(String.join(", ", items.subList(i, Math.min(items.size(), i + perLine))));
    }
    return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
  }

  private static String addSuffixes(String s, List<String> suffixes, int indent) {
    StringBuilder sb = new StringBuilder(s);
    int lastLineLen = s.length() - s.lastIndexOf('\n') + 1;
    for (String suffix : suffixes) {
      if (lastLineLen + suffix.length() + 2 > LINE_WIDTH) {
        sb.append(",\n").append(" ".repeat(indent)).append(suffix);
        lastLineLen = indent + suffix.length();
      } else {
        sb.append(", ").append(suffix);
        lastLineLen += suffix.length() + 2;
      }
    }
    return sb.append(')').toString();
  }

  /** PyTorch's {@code _Formatter}: one mode and width for all printed elements of a tensor. */
  private static final class Formatter {
    private final Tensor t;
    private final boolean floating;
    private boolean intMode = true;
    private boolean sciMode;
    private int width = 1;

    Formatter(Tensor t, List<Integer> offsets) {
      this.t = t;
      this.floating = t.dtype().isFloatingPoint();
      if (!floating) {
        for (int o : offsets) {
          width = Math.max(width, raw(o).length());
        }
        return;
      }
      double min = Double.POSITIVE_INFINITY;
      double max = 0;
      List<Double> finite = new ArrayList<>();
      for (int o : offsets) {
        double v = t.storage.getDouble(o);
        if (Double.isFinite(v) && v != 0) {
          finite.add(v);
          min = Math.min(min, Math.abs(v));
          max = Math.max(max, Math.abs(v));
          intMode &= v == Math.ceil(v);
        }
      }
      if (finite.isEmpty()) {
        return;
      }
      sciMode = max / min > 1000.0 || max > 1.0e8 || (!intMode && min < 1.0e-4);
      for (double v : finite) {
        int len = sciMode ? sci(v).length() : intMode ? fixed(v, 0).length() + 1 : fixed(v, PRECISION).length();
        width = Math.max(width, len);
      }
    }

    String format(int offset) {
      String s;
      if (!floating) {
        s = raw(offset);
      } else {
        double v = t.storage.getDouble(offset);
        if (Double.isNaN(v)) {
          s = "nan";
        } else if (Double.isInfinite(v)) {
          s = v > 0 ? "inf" : "-inf";
        } else if (sciMode) {
          s = sci(v);
        } else if (intMode) {
          s = fixed(v, 0) + ".";
        } else {
          s = fixed(v, PRECISION);
        }
      }
      return " ".repeat(Math.max(0, width - s.length())) + s;
    }

    private String raw(int offset) {
      if (t.dtype() == DType.BOOL) {
        return t.storage.getDouble(offset) != 0 ? "True" : "False";
      }
      return Long.toString(t.storage.getLong(offset));
    }
  }

  /** Python's {@code f"{v:.<digits>f}"} for finite v. */
  private static String fixed(double v, int digits) {
    String s = new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
    return negative(v) && !s.startsWith("-") ? "-" + s : s;
  }

  /** Python's {@code f"{v:.4e}"} for finite v. */
  private static String sci(double v) {
    String sign = negative(v) ? "-" : "";
    if (v == 0) {
      return sign + "0." + "0".repeat(PRECISION) + "e+00";
    }
    BigDecimal r = new BigDecimal(Math.abs(v)).round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
    String digits = r.unscaledValue().toString();
    int exp = digits.length() - 1 - r.scale();
    digits = (digits + "0".repeat(PRECISION + 1)).substring(0, PRECISION + 1);
    String e = Integer.toString(Math.abs(exp));
    return sign + digits.charAt(0) + "." + digits.substring(1) + "e" + (exp < 0 ? "-" : "+")
        + (e.length() < 2 ? "0" + e : e);
  }

  private static boolean negative(double v) {
    return v < 0 || (v == 0 && 1 / v < 0);
  }
}
