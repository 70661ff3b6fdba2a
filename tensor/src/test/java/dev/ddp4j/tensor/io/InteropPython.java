package dev.ddp4j.tensor.io;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Debian's python3 (which has PyTorch) for the interop tests, and finds their test resources. */
final class InteropPython {
  static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final long TIMEOUT_SECONDS = 120;

  private InteropPython() {}

  /** The test resource {@code interop/name}, or null when it is not on the class path. */
  static Path resource(String name) {
    URL url = InteropPython.class.getResource("/interop/" + name);
    try {
      return url == null ? null : Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True when {@link #PYTHON} exists and imports torch. */
  static boolean torchAvailable() throws InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      return false;
    }
    try {
      run("-c", "import torch");
      return true;
    } catch (IOException | AssertionError e) {
      return false;
    }
  }

  /** Runs {@link #PYTHON} with the arguments and returns its standard output; fails on a non-zero exit. */
  static String run(String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile("interop-py", ".out");
    Path err = Files.createTempFile("interop-py", ".err");
    List<String> command = new ArrayList<>();
    command.add(PYTHON.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");  // no __pycache__ beside an imported script
    Process p = builder.start();
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError(command + " did not finish in " + TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError(command + " exited with " + p.exitValue() + ": " + Files.readString(err));
      }
      return Files.readString(out);
    } finally {
      p.destroyForcibly();
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
