package io.ferry.cli;

import io.ferry.core.FerryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ferry} command. Exit codes: 0 success; 1 a difference found, or a pipeline that failed after it
 * started; 2 bad configuration, caught before anything runs; 143 after SIGTERM, as for any JVM.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, version = "ferry 0.1.0",
        description = "Real-time, exactly-once sync of database changes through Apache Kafka.",
        subcommands = {RunCommand.class, StatusCommand.class, VerifyCommand.class, DemoCommand.class})
public final class Ferry {

    /** Bad input: the pipeline file, credentials, or a source that cannot be captured as configured. */
    static final int EXIT_CONFIG = 2;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        CommandLine cli = new CommandLine(new Ferry());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A FerryException's message is written for people; a stack trace would only bury it.
            if (e instanceof FerryException) {
                cmd.getErr().println("ferry: " + e.getMessage());
                return EXIT_CONFIG;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
