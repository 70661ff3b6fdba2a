package dev.ddp4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test's {@code main} in a child JVM started with no options but the test classpath: no
 * {@code --add-modules jdk.incubator.vector}, as a library user who does not know the flag starts one.
 * Shared through ddp4j-tensor's test-jar.
 */
public final class PlainJvm {
  private PlainJvm() {}

  /**
   * Runs {@code mainClass} and checks that it finished within 60 s, exited 0 and printed {@code expected}.
   *
   * @return everything it printed
   */
  public static String run(Class<?> mainClass, String expected) throws IOException, InterruptedException {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(List.of(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
        mainClass.getName()))
        .redirectErrorStream(true)
        .start();
    boolean finished = p.waitFor(60, TimeUnit.SECONDS);
    if (!finished) {
      p.destroyForcibly().waitFor();  // before reading: a live child would keep the pipe open
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(finished, "the child JVM did not finish in 60 s:\n" + output);
    assertEquals(0, p.exitValue(), "child JVM failed:\n" + output);
    assertTrue(output.contains(expected), output);
    return output;
  }
}
