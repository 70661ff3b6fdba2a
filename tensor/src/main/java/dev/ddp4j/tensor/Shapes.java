package dev.ddp4j.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by the ops: element counts, strides, broadcasting, dim wrapping. */
final class Shapes {
  private Shapes() {}

  static int numel(int[] shape) {
    long n = 1;
    for (int s : shape) {
      n *= s;
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("tensor of shape " + str(shape) + " has " + n
          + " elements, more than a Java array can hold");
    }
    return (int) n;
  }

  static int[] contiguousStrides(int[] shape) {
    int[] st = new int[shape.length];
    int s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      st[i] = s;
      s *= Math.max(shape[i], 1);
    }
    return st;
  }

  static void checkShape(String op, int[] shape) {
    for (int s : shape) {
      if (s < 0) {
        throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
      }
    }
  }

  /** Wraps a possibly negative dim into [0, rank). */
  static int wrapDim(String op, int dim, int rank) {
    int r = Math.max(rank, 1);
    if (dim < -r || dim >= r) {
      throw new IndexOutOfBoundsException(op + ": dimension out of range (expected to be in range of ["
          + (-r) + ", " + (r - 1) + "], but got " + dim + ")");
    }
    return dim < 0 ? dim + r : dim;
  }

  /** NumPy broadcasting of two shapes. */
  static int[] broadcast(String op, int[] a, int[] b) {
    int n = Math.max(a.length, b.length);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
      int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
            + " cannot be broadcast (size " + da + " vs " + db + " at dimension " + i + ")");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** Strides that read a tensor of {@code shape}/{@code stride} broadcast to {@code target}. */
  static int[] broadcastStrides(int[] shape, int[] stride, int[] target) {
    int[] out = new int[target.length];
    int off = target.length - shape.length;
    for (int i = 0; i < shape.length; i++) {
      out[i + off] = shape[i] == 1 && target[i + off] != 1 ? 0 : stride[i];
    }
    return out;
  }

  /** Resolves one -1 in a view/reshape request. */
  static int[] inferSize(String op, int[] requested, int numel, int[] from) {
    int[] out = requested.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException(op + ": only one dimension can be inferred, got shape "
              + str(requested));
        }
        infer = i;
      } else if (out[i] < 0) {
        throw new IllegalArgumentException(op + ": invalid shape dimension " + out[i] + " in " + str(requested));
      } else {
        known *= out[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || numel % known != 0) {
        throw new IllegalArgumentException(op + ": shape " + str(requested) + " is invalid for input of size "
            + numel + " (shape " + str(from) + ")");
      }
      out[infer] = (int) (numel / known);
    } else if (known != numel) {
      throw new IllegalArgumentException(op + ": shape " + str(requested) + " is invalid for input of size "
          + numel + " (shape " + str(from) + ")");
    }
    return out;
  }

  /**
   * Strides for viewing (shape, stride) as newShape without copying, or null when impossible.
   * Follows PyTorch's computeStride: groups of old dims that are contiguous among themselves can
   * be split or merged.
   */
  static int[] viewStrides(int[] oldShape, int[] oldStride, int[] newShape) {
    int numel = numel(oldShape);
    int[] newStride = new int[newShape.length];
    if (numel == 0 || oldShape.length == 0) {
      return contiguousStrides(newShape);
    }
    int viewD = newShape.length - 1;
    long chunkBase = oldStride.length == 0 ? 1 : oldStride[oldStride.length - 1];
    long tensorNumel = 1;
    long viewNumel = 1;
    for (int d = oldShape.length - 1; d >= 0; d--) {
      tensorNumel *= oldShape[d];
      if (d == 0 || (oldShape[d - 1] != 1 && oldStride[d - 1] != tensorNumel * chunkBase)) {
        while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
          newStride[viewD] = (int) (viewNumel * chunkBase);
          viewNumel *= newShape[viewD];
          viewD--;
        }
        if (viewNumel != tensorNumel) {
          return null;
        }
        if (d > 0) {
          chunkBase = oldStride[d - 1];
          tensorNumel = 1;
          viewNumel = 1;
        }
      }
    }
    if (viewD != -1) {
      return null;
    }
    return newStride;
  }

  static String str(int[] shape) {
    return Arrays.toString(shape);
  }

  static boolean same(int[] a, int[] b) {
    return Arrays.equals(a, b);
  }
}
