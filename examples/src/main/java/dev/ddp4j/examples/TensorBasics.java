package dev.ddp4j.examples;

import dev.ddp4j.tensor.DType;
import dev.ddp4j.tensor.Tensor;
import dev.ddp4j.tensor.Torch;
import java.util.Arrays;
import java.util.List;

/**
 * Tensor basics: creating tensors, dtypes, shapes and views, indexing, broadcasting, in-place ops,
 * matrix products, joining, arrays in and out, bfloat16 storage and printing. The Java twin of
 * PyTorch's tensor tutorial:
 *
 * <pre>{@code
 * x = torch.rand(5, 3); z = torch.zeros(5, 3, dtype=torch.long); t = torch.tensor([5.5, 3])
 * print(x.dtype, x.size())
 * y = torch.randn(16, 4, 24).view(8, 2, -1, 3, 8)   # torch.Size([8, 2, 4, 3, 8])
 * print(x[:, 1], x[1:3], x[::2])
 * print(x + torch.ones(3))                          # broadcasting
 * x.add_(1); print(x @ x.T)
 * torch.cat([a, b], dim=0); torch.stack([a, b])
 * n = x.numpy(); torch.from_numpy(n)
 * x.to(torch.bfloat16)
 * }</pre>
 *
 * <p>Run: {@code TensorBasics} (no options).
 */
public final class TensorBasics {
  private TensorBasics() {}

  public static void main(String[] args) {
    Args.parse(args);
    Torch.manualSeed(0);

    // Creation: the factories live in Torch, as torch.zeros / torch.rand do in the torch module.
    Tensor zeros = Torch.zeros(DType.INT64, 5, 3);
    Tensor ones = Torch.ones(2, 2);
    Tensor uniform = Torch.rand(5, 3);
    Tensor normal = Torch.randn(2, 3);
    Tensor range = Torch.arange(6);
    Tensor fromData = Torch.tensor(5.5f, 3f);
    System.out.println("zeros:\n" + zeros);
    System.out.println("ones:\n" + ones);
    System.out.println("rand:\n" + uniform);
    System.out.println("randn:\n" + normal);
    System.out.println("arange: " + range);
    System.out.println("tensor: " + fromData);

    // dtype and shape. Java has no torch.Size: size() is an int[].
    System.out.println("dtype: " + uniform.dtype() + ", arange dtype: " + range.dtype());
    System.out.println("size: " + Arrays.toString(uniform.size()) + ", size(0): " + uniform.size(0)
        + ", dim: " + uniform.dim() + ", numel: " + uniform.numel());
    Tensor asDouble = uniform.to(DType.FLOAT64);
    System.out.println("to(float64): " + asDouble.dtype());

    // Reshaping: view shares storage with the original; one -1 is inferred.
    Tensor big = Torch.randn(16, 4, 24);
    Tensor viewed = big.view(8, 2, -1, 3, 8);
    System.out.println("view(8, 2, -1, 3, 8): " + Arrays.toString(viewed.size()));
    System.out.println("view(-1, 8): " + Arrays.toString(big.view(-1, 8).size())
        + ", flatten: " + Arrays.toString(big.flatten().size()));
    Tensor grid = Torch.arange(12).view(3, 4);
    System.out.println("grid:\n" + grid);
    System.out.println("grid.t():\n" + grid.t());
    System.out.println("permute(1, 0) is contiguous: " + grid.permute(1, 0).isContiguous());

    // Indexing. Java has no [] for objects, so each Python index form is a method:
    // x[:, 1] -> select(1, 1); x[1:3] -> narrow(0, 1, 2); x[::2] -> slice(0, 0, end, 2); x[i, j] -> get(i, j).
    System.out.println("grid[:, 1]: " + grid.select(1, 1));
    System.out.println("grid[1]: " + grid.select(0, 1));
    System.out.println("grid[1:3]:\n" + grid.narrow(0, 1, 2));
    System.out.println("grid[:, ::2]:\n" + grid.slice(1, 0, 4, 2));
    System.out.println("grid[2, 3]: " + (long) grid.get(2, 3));
    Tensor mask = grid.gt(6);
    System.out.println("grid[grid > 6]: " + grid.maskedSelect(mask));
    System.out.println("where(grid > 6, grid, 0):\n" + Torch.where(mask, grid, Torch.zerosLike(grid)));

    // A view writes through to the tensor it views.
    Tensor column = grid.select(1, 0);
    column.fill_(-1);
    System.out.println("after grid[:, 0] = -1:\n" + grid);

    // Broadcasting: [3, 4] + [4] adds the row to every row; [3, 1] * [1, 4] is an outer product.
    Tensor row = Torch.tensor(10f, 20f, 30f, 40f);
    Tensor m = Torch.ones(3, 4);
    System.out.println("ones(3, 4) + row:\n" + m.add(row));
    Tensor col = Torch.tensor(1f, 2f, 3f).view(3, 1);
    System.out.println("col * row:\n" + col.mul(row.view(1, 4)));

    // Arithmetic and in-place ops (trailing underscore); Java has no operator overloading.
    Tensor a = Torch.ones(2, 3);
    Tensor b = Torch.full(2.0, 2, 3);
    System.out.println("a + b:\n" + a.add(b));
    System.out.println("a * b - 1:\n" + a.mul(b).sub(1));
    a.add_(b).mul_(10);
    System.out.println("after a.add_(b).mul_(10):\n" + a);
    System.out.println("sum: " + a.sum().item() + ", mean over dim 1: " + a.mean(1));

    // Matrix products: x @ w is x.matmul(w); x.T is x.t().
    Tensor x = Torch.arange(0.0, 6.0, 1.0).view(2, 3);
    Tensor w = Torch.ones(3, 2);
    System.out.println("x @ w:\n" + x.matmul(w));
    System.out.println("x @ x.T:\n" + x.matmul(x.t()));

    // Joining: torch.cat / torch.stack take a Python list; here a java.util.List.
    Tensor p = Torch.zeros(2, 3);
    Tensor q = Torch.ones(2, 3);
    System.out.println("cat dim 0: " + Arrays.toString(Torch.cat(List.of(p, q), 0).size()));
    System.out.println("cat dim 1: " + Arrays.toString(Torch.cat(List.of(p, q), 1).size()));
    System.out.println("stack: " + Arrays.toString(Torch.stack(List.of(p, q)).size()));

    // The NumPy round trip. Java arrays play numpy's part, but both directions copy:
    // unlike x.numpy(), changing the array later does not change the tensor.
    float[] array = x.toFloatArray();
    System.out.println("toFloatArray: " + Arrays.toString(array));
    array[0] = 100f;
    Tensor back = Torch.fromArray(array, 2, 3);
    System.out.println("fromArray:\n" + back);
    System.out.println("x unchanged: " + x.get(0, 0));

    // bfloat16 is a storage format: half the bytes, about 3 significant digits, computed in float32.
    Tensor precise = Torch.tensor(1.0f, 1.001f, 3.14159f, 1000.5f);
    Tensor bf16 = precise.to(DType.BFLOAT16);
    System.out.println("bf16: " + bf16);
    System.out.println("bytes: float32 " + precise.numel() * precise.dtype().itemSize()
        + ", bfloat16 " + bf16.numel() * bf16.dtype().itemSize());
    System.out.println("back to float32: " + bf16.to(DType.FLOAT32));

    // Printing follows PyTorch's format, eliding the middle of large tensors.
    System.out.println("scalar item: " + Torch.scalar(3.5).item());
    System.out.println("large:\n" + Torch.arange(2000).view(40, 50));
  }
}
