package io.ferry.cli;

import io.ferry.core.FerryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ferry} command. Exit codes: 0 success; 1 a difference found, a pipeline that stopped after it started
 * without being asked to, or a lifecycle command that refused; 2 bad configuration or a part that fails its check,
 * caught before anything runs; 143 after SIGTERM, as for any JVM. Errors are one line on stderr; stack traces go to
 * the log file only.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0",
        description = "Real-time, exactly-once sync of database changes through Apache Kafka.",
        subcommands = {RunCommand.class, StatusCommand.class, VerifyCommand.class, DemoCommand.class, DropCommand.class,
                ResetCommand.class, SnapshotCommand.class})
public final class Ferry {

    /** Bad input: the pipeline file, credentials, or a source that cannot be captured as configured. */
    static final int EXIT_CONFIG = 2;

    /** A pipeline that stopped without being asked to, or a command that could not do what it was asked. */
    static final int EXIT_FAILED = 1;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one command as {@code main} would, and returns its exit code instead of exiting (tests, embedding). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Ferry());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A FerryException's message is written for people; a stack trace would only bury it.
            if (e instanceof FerryException) {
                cmd.getErr().println("ferry: " + e.getMessage());
                if (e.getCause() != null) {
                    SupervisedLoop.TRACE.warn("ferry: {}", e.getMessage(), e);
                }
                return EXIT_CONFIG;
            }
            SupervisedLoop.TRACE.error("unexpected error", e);
            cmd.getErr().println("ferry: unexpected error: " + SupervisedLoop.oneLine(e)
                    + " (the stack trace is in the log file)");
            return EXIT_FAILED;
        });
        return cli.execute(args);
    }
}
