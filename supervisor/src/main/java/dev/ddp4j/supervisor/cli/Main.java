package dev.ddp4j.supervisor.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The top command, {@code ddp4j}: subcommands do the work; without one it prints usage and exits 2.
 * Started by the {@code ./ddp4j} launcher script.
 */
@Command(name = "ddp4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Data-parallel deep-learning training on the JVM.",
    subcommands = {TrainCommand.class, BenchCommand.class})
public final class Main implements Runnable {

  @Spec
  private CommandSpec spec;

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code: 0 success, 1 failure, 2 usage error. */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The whole command tree, ready to execute. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler(Main::reportFailure);
  }

  /**
   * A command that fails with a user-facing error (bad data file, bad argument value, diverged
   * training) prints one line naming the problem and exits 1; the stack trace only with
   * {@code -Dddp4j.stacktrace=true}.
   */
  private static int reportFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    cmd.getErr().println("ddp4j " + cmd.getCommandName() + ": error: " + e.getMessage());
    if (Boolean.getBoolean("ddp4j.stacktrace")) {
      e.printStackTrace(cmd.getErr());
    }
    return 1;
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /** The version from the jar's Maven metadata ("dev" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties props = new Properties();
      try (InputStream in = Main.class.getResourceAsStream(
          "/META-INF/maven/dev.ddp4j/ddp4j-supervisor/pom.properties")) {
        if (in != null) {
          props.load(in);
        }
      }
      return new String[] {"ddp4j " + props.getProperty("version", "dev")
          + " (Java " + Runtime.version() + ", " + System.getProperty("java.vm.name") + ")"};
    }
  }
}
