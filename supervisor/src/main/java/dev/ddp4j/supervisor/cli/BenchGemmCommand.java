package dev.ddp4j.supervisor.cli;

import dev.ddp4j.tensor.cpu.Gemm;
import dev.ddp4j.tensor.cpu.GemmBenchmark;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ddp4j bench gemm}: square float32 GEMM throughput per kernel, thread count and size. */
@Command(name = "gemm", mixinStandardHelpOptions = true,
    description = {"Measures square float32 C = A·B (GFLOP/s = 2n³/t, median over ~1.2 s of repeats).",
        "Compare with torch.mm (the peer script gemm.py) run beside it."})
public final class BenchGemmCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Option(names = "--sizes", split = ",", paramLabel = "N", defaultValue = "256,512,1024,2048",
      description = "Matrix sizes n, comma-separated (default: ${DEFAULT-VALUE}).")
  private int[] sizes;

  @Option(names = "--threads", split = ",", paramLabel = "T", defaultValue = "1,2",
      description = "Intra-op thread counts, comma-separated (default: ${DEFAULT-VALUE}).")
  private int[] threads;

  @Option(names = "--kernel", paramLabel = "KERNEL", defaultValue = "selected",
      description = "'selected' (the kernel ddp4j picks), 'all' (every available one), "
          + "or comma-separated native,vector,java (default: ${DEFAULT-VALUE}).")
  private String kernel;

  @Option(names = "--json", description = "Print one JSON object per case instead of a table.")
  private boolean json;

  @Override
  public Integer call() {
    for (int n : sizes) {
      if (n < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--sizes: sizes must be >= 1, got " + n);
      }
    }
    for (int t : threads) {
      if (t < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--threads: thread counts must be >= 1, got " + t);
      }
    }
    List<Gemm.Kernel> kernels;
    try {
      kernels = GemmBenchmark.parseKernels(kernel);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--kernel: " + e.getMessage(), e);
    }
    GemmBenchmark.run(kernels, sizes, threads, json, System.out);
    return 0;
  }
}
