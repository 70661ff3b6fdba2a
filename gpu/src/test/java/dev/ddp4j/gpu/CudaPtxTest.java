package dev.ddp4j.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The checked-in PTX against the Java side and the CUDA sources; needs no GPU. */
class CudaPtxTest {
  private static final List<String> TARGETS = List.of(Ptx.COMPUTE_90, Ptx.COMPUTE_80);
  /** The kernel sources, relative to the module directory (Surefire's working directory). */
  private static final Path CUDA_SOURCES = Path.of("src/main/cuda");
  private static final Pattern SOURCE_KERNEL =
      Pattern.compile("extern \"C\" __global__ void\\s+(?:__launch_bounds__\\([^)]*\\)\\s+)?(\\w+)\\(");
  private static final Pattern SOURCE_MACRO_KERNEL = Pattern.compile("^(?:BROADCAST_BINARY|UNARY)\\((\\w+),",
      Pattern.MULTILINE);

  @Test
  void everyKernelTheJavaSideUsesIsAnEntryOfItsModule() {
    List<String> missing = new ArrayList<>();
    for (String target : TARGETS) {
      for (CudaKernel k : CudaKernel.values()) {
        if (!Ptx.entries(Ptx.read(target, k.module())).contains(k.entry())) {
          missing.add(Ptx.resourcePath(target, k.module()) + " lacks .entry " + k.entry());
        }
      }
    }
    assertEquals(List.of(), missing);
  }

  @Test
  void everyPtxIsBuiltForItsTarget() {
    for (String target : TARGETS) {
      String sm = "sm_" + target.substring("compute_".length());
      for (String module : modules()) {
        String ptx = Ptx.read(target, module);
        assertTrue(ptx.contains("\n.target " + sm + "\n"), Ptx.resourcePath(target, module) + " is not for " + sm);
        assertTrue(ptx.contains("\n.address_size 64\n"), Ptx.resourcePath(target, module) + " is not 64-bit");
      }
    }
  }

  /** Catches a kernel added to a .cu file without regenerating the PTX (build-ptx.sh), and the reverse. */
  @Test
  void ptxEntriesAreExactlyTheKernelsOfTheSources() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.list(CUDA_SOURCES)) {
      sources = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
    }
    Set<String> sourceModules = new TreeSet<>();
    for (Path source : sources) {
      String module = source.getFileName().toString().replaceFirst("\\.cu$", "");
      sourceModules.add(module);
      // Macro bodies (lines continued with a backslash) define kernel templates, not kernels.
      String text = Files.readString(source).lines().filter(l -> !l.endsWith("\\"))
          .collect(Collectors.joining("\n"));
      Set<String> kernels = new TreeSet<>();
      for (Pattern p : List.of(SOURCE_KERNEL, SOURCE_MACRO_KERNEL)) {
        Matcher m = p.matcher(text);
        while (m.find()) {
          kernels.add(m.group(1));
        }
      }
      for (String target : TARGETS) {
        assertEquals(kernels, new TreeSet<>(Ptx.entries(Ptx.read(target, module))),
            "entries of " + Ptx.resourcePath(target, module) + " vs kernels of " + source);
      }
    }
    assertEquals(sourceModules, modules());
  }

  @Test
  void entriesAreReadFromEntryDirectivesOnly() {
    String ptx = """
        .version 9.0
        .target sm_90
        .address_size 64
        .visible .entry fill_f32(
        \t.param .u64 fill_f32_param_0
        )
        .entry local_kernel (
        )
        .func helper(
        )
        // .entry commented_out(
        """;
    assertEquals(new LinkedHashSet<>(List.of("fill_f32", "local_kernel")), Ptx.entries(ptx));
  }

  @Test
  void theTargetFollowsTheComputeCapability() {
    assertEquals("compute_90", Ptx.targetFor(9, 0));
    assertEquals("compute_90", Ptx.targetFor(10, 0));
    assertEquals("compute_80", Ptx.targetFor(8, 0));
    assertEquals("compute_80", Ptx.targetFor(8, 9));
    assertEquals("compute capability 7.5 is not supported: the ddp4j kernels need 8.0 or newer (TF32 and BF16 tensor cores)",
        assertThrows(IllegalArgumentException.class, () -> Ptx.targetFor(7, 5)).getMessage());
  }

  @Test
  void theImageIsNulTerminatedAscii() {
    byte[] image = Ptx.image(".version 9.0\n");
    assertEquals(14, image.length);
    assertEquals(0, image[13]);
    assertEquals('.', image[0]);
  }

  @Test
  void aMissingModuleIsNamedWithTheWayToRegenerateIt() {
    assertEquals("PTX resource /dev/ddp4j/gpu/ptx/compute_90/nonexistent.ptx is missing from the classpath"
            + " (regenerate it with gpu/src/main/cuda/build-ptx.sh)",
        assertThrows(IllegalStateException.class, () -> Ptx.read(Ptx.COMPUTE_90, "nonexistent")).getMessage());
  }

  private static Set<String> modules() {
    Set<String> modules = new TreeSet<>();
    for (CudaKernel k : CudaKernel.values()) {
      modules.add(k.module());
    }
    return modules;
  }
}
