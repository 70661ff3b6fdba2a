/**
 * The {@code ddp4j} command line: a picocli command tree ({@code ddp4j bench gemm}, later
 * {@code ddp4j train} and {@code ddp4j bench allreduce}), one class per command.
 *
 * <p>Commands run on the launcher's main thread and own nothing beyond the call: each parses its
 * options, runs to completion and returns an exit code (0 success, 1 failure, 2 usage error).
 */
package dev.ddp4j.supervisor.cli;
