package dev.ddp4j.tensor.data;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Storage;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dataset over two tensors whose first dimension indexes the examples (PyTorch's {@code
 * TensorDataset}): example {@code i} is {@code (inputs[i], targets[i])}.
 *
 * <p>The tensors are kept contiguous (copied once here if they are not), so that {@link
 * #batch(int[], int, int)} can build a batch by copying whole rows out of the backing arrays. The
 * dataset must not be mutated while a loader reads it.
 */
public final class TensorDataset implements Dataset<Example> {
  private final Tensor inputs;
  private final Tensor targets;
  private final int size;

  /**
   * Wraps {@code inputs} {@code [N, ...]} and {@code targets} {@code [N, ...]}.
   *
   * @throws IllegalArgumentException when either is 0-dim or their first dimensions differ
   */
  public TensorDataset(Tensor inputs, Tensor targets) {
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(targets, "targets");
    requireExampleDim("inputs", inputs);
    requireExampleDim("targets", targets);
    if (inputs.size(0) != targets.size(0)) {
      throw new IllegalArgumentException("TensorDataset: inputs have " + inputs.size(0) + " examples (shape "
          + Arrays.toString(inputs.shape()) + ") but targets have " + targets.size(0) + " (shape "
          + Arrays.toString(targets.shape()) + "); the first dimensions must be equal");
    }
    this.inputs = inputs.contiguous();
    this.targets = targets.contiguous();
    this.size = inputs.size(0);
  }

  private static void requireExampleDim(String name, Tensor t) {
    if (t.dim() == 0) {
      throw new IllegalArgumentException("TensorDataset: " + name
          + " must have at least one dimension (the example dimension), got a 0-dim tensor");
    }
  }

  @Override
  public int size() {
    return size;
  }

  /** All inputs, {@code [N, ...]} (contiguous; do not mutate while a loader reads them). */
  public Tensor inputs() {
    return inputs;
  }

  /** All targets, {@code [N, ...]} (contiguous; do not mutate while a loader reads them). */
  public Tensor targets() {
    return targets;
  }

  /** Example {@code index}: views {@code inputs[index]} and {@code targets[index]} sharing this dataset's storage. */
  @Override
  public Example get(int index) {
    checkIndex(index);
    return new Example(inputs.select(0, index), targets.select(0, index));
  }

  /**
   * The batch of examples {@code indices[from .. from+count)}, in that order: fresh contiguous
   * tensors {@code [count, ...]} filled by copying one row per example from the backing arrays, which
   * is what a loader does instead of stacking per-example views.
   *
   * @throws IndexOutOfBoundsException when an index is outside {@code [0, size())}
   */
  public Batch batch(int[] indices, int from, int count) {
    Objects.checkFromIndexSize(from, count, indices.length);
    for (int k = from; k < from + count; k++) {
      checkIndex(indices[k]);
    }
    return new Batch(gatherRows(inputs, indices, from, count), gatherRows(targets, indices, from, count));
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("TensorDataset: index " + index + " is out of range for a dataset of "
          + size + " examples");
    }
  }

  private static Tensor gatherRows(Tensor src, int[] indices, int from, int count) {
    int[] shape = src.shape();
    int rowLength = shape[0] == 0 ? 0 : src.numel() / shape[0];
    shape[0] = count;
    Tensor out = Torch.zeros(src.dtype(), shape);
    Object srcArray = backingArray(src.storage());
    Object dstArray = backingArray(out.storage());
    int base = src.storageOffset();
    for (int k = 0; k < count; k++) {
      System.arraycopy(srcArray, base + indices[from + k] * rowLength, dstArray, k * rowLength, rowLength);
    }
    return out;
  }

  private static Object backingArray(Storage s) {
    DType dtype = s.dtype();
    return switch (dtype) {
      case FLOAT32 -> s.floats();
      case FLOAT64 -> s.doubles();
      case INT64 -> s.longs();
      case BFLOAT16, FLOAT16 -> s.halves();
      case BOOL -> s.bools();
    };
  }

  @Override
  public String toString() {
    return "TensorDataset(size=" + size + ", inputs=" + Arrays.toString(inputs.shape()) + " " + inputs.dtype()
        + ", targets=" + Arrays.toString(targets.shape()) + " " + targets.dtype() + ")";
  }
}
