package dev.ddp4j.tensor;

/**
 * Walks an n-dimensional index space row by row for several operands at once, each with its own
 * strides and base offset. Adjacent dims that are contiguous for every operand are merged first, so
 * a contiguous tensor is one row of numel elements.
 */
final class StridedIter {
  private StridedIter() {}

  /** Receives one innermost row: per-operand start offsets and inner strides, and the row length. */
  @FunctionalInterface
  interface RowVisitor {
    void row(int[] offsets, int[] innerStrides, int length);
  }

  static void forEachRow(int[] shape, int[][] strides, int[] baseOffsets, RowVisitor visitor) {
    int ops = strides.length;
    int n = shape.length;
    if (Shapes.numel(shape) == 0) {
      return;
    }
    // Coalesce dims: drop size-1 dims, merge i into i+1 when contiguous for all operands.
    int[] cShape = new int[Math.max(n, 1)];
    int[][] cStr = new int[ops][Math.max(n, 1)];
    int m = 0;
    for (int d = 0; d < n; d++) {
      if (shape[d] == 1) {
        continue;
      }
      if (m > 0) {
        boolean merge = true;
        for (int k = 0; k < ops; k++) {
          if (cStr[k][m - 1] != strides[k][d] * shape[d]) {
            merge = false;
            break;
          }
        }
        if (merge) {
          cShape[m - 1] *= shape[d];
          for (int k = 0; k < ops; k++) {
            cStr[k][m - 1] = strides[k][d];
          }
          continue;
        }
      }
      cShape[m] = shape[d];
      for (int k = 0; k < ops; k++) {
        cStr[k][m] = strides[k][d];
      }
      m++;
    }
    int[] offsets = baseOffsets.clone();
    int[] inner = new int[ops];
    if (m == 0) {
      visitor.row(offsets, inner, 1);
      return;
    }
    for (int k = 0; k < ops; k++) {
      inner[k] = cStr[k][m - 1];
    }
    int len = cShape[m - 1];
    int outer = m - 1;
    if (outer == 0) {
      visitor.row(offsets, inner, len);
      return;
    }
    int[] idx = new int[outer];
    int[] rowOffsets = new int[ops];
    while (true) {
      System.arraycopy(offsets, 0, rowOffsets, 0, ops);
      visitor.row(rowOffsets, inner, len);
      int d = outer - 1;
      while (d >= 0) {
        idx[d]++;
        for (int k = 0; k < ops; k++) {
          offsets[k] += cStr[k][d];
        }
        if (idx[d] < cShape[d]) {
          break;
        }
        for (int k = 0; k < ops; k++) {
          offsets[k] -= cStr[k][d] * cShape[d];
        }
        idx[d] = 0;
        d--;
      }
      if (d < 0) {
        return;
      }
    }
  }
}
