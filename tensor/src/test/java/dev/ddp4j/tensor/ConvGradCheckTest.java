package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Float64 finite-difference checks of conv2d, maxPool2d and avgPool2d, forward shapes and errors. */
class ConvGradCheckTest {
  private final Generator gen = new Generator(77);

  private Tensor randn(int... shape) {
    return Torch.randn(gen, DType.FLOAT64, shape).requiresGrad_();
  }

  @Test
  void conv2dGradientsWithStridePaddingDilationAndBias() {
    int[][] configs = {{1, 0, 1}, {2, 1, 1}, {1, 2, 2}, {2, 0, 1}};
    for (int[] c : configs) {
      Tensor x = randn(2, 3, 7, 6);
      Tensor w = randn(4, 3, 3, 2);
      Tensor b = randn(4);
      GradCheck.check("conv2d stride " + c[0] + " padding " + c[1] + " dilation " + c[2],
          in -> Torch.conv2d(in[0], in[1], in[2], new int[] {c[0]}, new int[] {c[1]}, new int[] {c[2]}), x, w, b);
    }
  }

  @Test
  void conv2dWithoutBiasOnNonContiguousAndUnbatchedInput() {
    Tensor base = randn(2, 5, 6, 2);
    Tensor w = randn(3, 2, 3, 3);
    GradCheck.check("conv2d permuted input",
        in -> Torch.conv2d(in[0].permute(0, 3, 1, 2), in[1], null, new int[] {1}, new int[] {1}, new int[] {1}),
        base, w);
    Tensor x3 = randn(2, 5, 5);
    GradCheck.check("conv2d unbatched", in -> Torch.conv2d(in[0], in[1], null, new int[] {2, 1}, new int[] {0, 1},
        new int[] {1}), x3, w);
  }

  @Test
  void conv2dMultiThreadedMatchesSingleThreaded() {
    Tensor x = Torch.randn(gen, DType.FLOAT32, 8, 3, 12, 12);
    Tensor w = Torch.randn(gen, DType.FLOAT32, 5, 3, 5, 5);
    int before = Threads.getNumThreads();
    try {
      Threads.setNumThreads(1);
      Tensor one = Torch.conv2d(x, w, null, 2);
      Threads.setNumThreads(2);
      Tensor two = Torch.conv2d(x, w, null, 2);
      assertArrayEquals(one.toFloatArray(), two.toFloatArray(), 1e-5f);
      assertArrayEquals(new int[] {8, 5, 12, 12}, two.shape());
    } finally {
      Threads.setNumThreads(before);
    }
  }

  @Test
  void conv2dOfOnesCountsTheWindow() {
    Tensor x = Torch.ones(1, 1, 4, 4);
    Tensor w = Torch.ones(1, 1, 3, 3);
    Tensor y = Torch.conv2d(x, w, Torch.fromArray(new float[] {0.5f}, 1), 1);
    assertArrayEquals(new float[] {4.5f, 6.5f, 6.5f, 4.5f, 6.5f, 9.5f, 9.5f, 6.5f, 6.5f, 9.5f, 9.5f, 6.5f,
        4.5f, 6.5f, 6.5f, 4.5f}, y.toFloatArray());
  }

  @Test
  void maxPool2dGradients() {
    Tensor x = randn(2, 3, 6, 7);
    GradCheck.check("maxPool2d 2", in -> Torch.maxPool2d(in[0], 2), x);
    GradCheck.check("maxPool2d 3 stride 2 padding 1 ceil",
        in -> Torch.maxPool2d(in[0], new int[] {3}, new int[] {2}, new int[] {1}, new int[] {1}, true), x);
    GradCheck.check("maxPool2d dilated",
        in -> Torch.maxPool2d(in[0], new int[] {2}, new int[] {1}, new int[] {0}, new int[] {2}, false), x);
  }

  @Test
  void avgPool2dGradients() {
    Tensor x = randn(2, 2, 5, 6);
    GradCheck.check("avgPool2d 2", in -> Torch.avgPool2d(in[0], 2), x);
    GradCheck.check("avgPool2d 3 stride 2 padding 1 ceil, pad excluded",
        in -> Torch.avgPool2d(in[0], new int[] {3}, new int[] {2}, new int[] {1}, true, false), x);
    GradCheck.check("avgPool2d unbatched", in -> Torch.avgPool2d(in[0].select(0, 1), 2), x);
  }

  @Test
  void convAndPoolErrorsNameTheShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Torch.conv2d(Torch.zeros(64, 3, 28, 28), Torch.zeros(6, 1, 5, 5), null, 0));
    assertEquals("conv2d: Given groups=1, weight of size [6, 1, 5, 5], expected input[64, 3, 28, 28] to have 1 "
        + "channels, but got 3 channels instead", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Torch.conv2d(Torch.zeros(1, 1, 28, 28), Torch.zeros(DType.FLOAT64, 6, 1, 5, 5), null, 0));
    assertEquals("conv2d: Input type (torch.float32) and weight type (torch.float64) should be the same",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Torch.maxPool2d(Torch.zeros(4, 4), 2));
    assertEquals("maxPool2d: expected 3D or 4D (batch mode) tensor for input, got shape [4, 4]", e.getMessage());
  }

  @Test
  void leNetShapesFlowThroughConvAndPool() {
    Tensor x = Torch.zeros(3, 1, 28, 28);
    Tensor c1 = Torch.maxPool2d(Torch.conv2d(x, Torch.zeros(6, 1, 5, 5), Torch.zeros(6), 2).relu(), 2);
    assertArrayEquals(new int[] {3, 6, 14, 14}, c1.shape());
    Tensor c2 = Torch.maxPool2d(Torch.conv2d(c1, Torch.zeros(16, 6, 5, 5), Torch.zeros(16), 0).relu(), 2);
    assertArrayEquals(new int[] {3, 16, 5, 5}, c2.shape());
  }
}
