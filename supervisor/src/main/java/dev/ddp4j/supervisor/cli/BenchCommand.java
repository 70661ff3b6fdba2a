package dev.ddp4j.supervisor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ddp4j bench}: groups the micro-benchmarks; without a subcommand it prints usage and exits 2. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Micro-benchmarks that print a table (or JSON lines) to stdout.",
    subcommands = {BenchGemmCommand.class, BenchAllreduceCommand.class})
public final class BenchCommand implements Runnable {

  @Spec
  private CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
  }
}
