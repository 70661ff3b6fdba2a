package dev.ddp4j.tensor.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import org.junit.jupiter.api.Test;

class NormalizeTest {

  @Test
  void fashionMnistConstantsMapPixelsInFloat32() {
    Tensor x = Torch.fromArray(new float[] {0f, 0.5f, 1f, 0.2860f}, 1, 1, 2, 2);
    Tensor y = Normalize.FASHION_MNIST.apply(x);
    assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape());
    float m = 0.2860f;
    float s = 0.3530f;
    assertArrayEquals(new float[] {(0f - m) / s, (0.5f - m) / s, (1f - m) / s, 0f}, y.toFloatArray());
    assertEquals(-0.81019831, y.toFloatArray()[0], 1e-7);
    assertEquals(2.02266289, y.toFloatArray()[2], 1e-6);
    assertArrayEquals(new double[] {0.2860}, Normalize.FASHION_MNIST.mean());
    assertArrayEquals(new double[] {0.3530}, Normalize.FASHION_MNIST.std());
  }

  @Test
  void eachChannelUsesItsOwnMeanAndStd() {
    // [2, 3, 1, 2]: every element is 1.
    Tensor x = Torch.ones(2, 3, 1, 2);
    Tensor y = new Normalize(new double[] {0, 0.5, 1}, new double[] {1, 0.25, 2}).apply(x);
    assertArrayEquals(new float[] {1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 0}, y.toFloatArray());
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, x.toFloatArray());
  }

  @Test
  void oneImageWithoutABatchDimAndNonContiguousInput() {
    Tensor chw = Torch.fromArray(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2);
    Normalize n = new Normalize(new double[] {1, 5}, new double[] {2, 4});
    assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 0, 0.25f, 0.5f, 0.75f}, n.apply(chw).toFloatArray());
    // Transposing H and W keeps the channels: channel 0 becomes [[1, 3], [2, 4]].
    assertArrayEquals(new float[] {0, 1, 0.5f, 1.5f, 0, 0.5f, 0.25f, 0.75f},
        n.apply(chw.transpose(1, 2)).toFloatArray());
  }

  @Test
  void float64ImagesStayFloat64() {
    Tensor x = Torch.fromArray(new double[] {0.5, 1.5}, 1, 1, 2);
    Tensor y = Normalize.of(0.5, 0.5).apply(x);
    assertEquals(DType.FLOAT64, y.dtype());
    assertArrayEquals(new double[] {0, 2}, y.toDoubleArray());
  }

  @Test
  void aDatasetIsNormalisedOnceAndKeepsItsTargets() {
    TensorDataset ds = new TensorDataset(Torch.full(0.75, 3, 1, 2, 2), Torch.arange(3));
    TensorDataset n = Normalize.of(0.25, 0.5).apply(ds);
    assertArrayEquals(new float[] {1, 1, 1, 1}, n.get(2).input().flatten().toFloatArray());
    assertSame(ds.targets(), n.targets());
  }

  @Test
  void invalidInputsAreRefused() {
    IllegalArgumentException ints = assertThrows(IllegalArgumentException.class,
        () -> Normalize.FASHION_MNIST.apply(Torch.zeros(DType.INT64, 1, 1, 2, 2)));
    assertEquals("Normalize: expected a floating point tensor, got torch.int64; scale the images to [0, 1] first",
        ints.getMessage());
    IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
        () -> new Normalize(new double[] {0, 0}, new double[] {1, 1}).apply(Torch.zeros(4, 3, 2, 2)));
    assertEquals("Normalize: 2 means and stds for images with 3 channels at dimension 1 (shape [4, 3, 2, 2])",
        channels.getMessage());
    IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
        () -> Normalize.MNIST.apply(Torch.zeros(4, 784)));
    assertEquals("Normalize: expected images [..., C, H, W] with at least 3 dimensions, got shape [4, 784]",
        flat.getMessage());
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> Normalize.of(0.5, 0));
    assertEquals("Normalize: std[0] evaluated to zero after conversion to torch.float32, leading to division "
        + "by zero", zero.getMessage());
    IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
        () -> new Normalize(new double[] {0, 1}, new double[] {1}));
    assertEquals("Normalize: expected one mean and one std per channel, got 2 means and 1 stds", lengths.getMessage());
  }
}
