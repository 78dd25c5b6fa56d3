package io.ferry.cli;

import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.ops.Operations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry run FILE}: runs a pipeline until SIGINT/SIGTERM, then stops cleanly. */
@Command(name = "run", description = "Run a pipeline until interrupted, printing a status line every few seconds.")
final class RunCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "The pipeline file (YAML).")
    Path file;

    @Option(names = "--status-interval", defaultValue = "PT5S", description = "Time between status lines (ISO-8601, default PT5S).")
    Duration statusInterval;

    @Option(names = "--startup-timeout", defaultValue = "PT30S",
            description = "How long to retry a source, Kafka or sink out of reach before giving up (default PT30S).")
    Duration startupTimeout;

    @Option(names = "--role", defaultValue = "all", paramLabel = "ROLE", converter = RoleConverter.class,
            description = "all (default): capture and apply; capture: only the source side (one process owns the"
                    + " source's log, others wait to take over); apply: only the sink side, sharing the table"
                    + " partitions with every other apply process of the pipeline.")
    Role role;

    @Option(names = "--instance", paramLabel = "NAME",
            description = "This process's stable name among the pipeline's appliers: a restart under the same name"
                    + " takes its partitions back at once. Default: none for --role apply (a crashed applier's"
                    + " partitions move to the others after the consumer session timeout).")
    String instance;

    @Option(names = "--appliers", defaultValue = "1", paramLabel = "N",
            description = "Appliers in this process, each with its own target connection and share of the table"
                    + " partitions (default 1; PostgreSQL and MySQL/MariaDB sinks only).")
    int appliers;

    @Override
    public Integer call() throws Exception {
        PipelineConfig config = new PipelineConfigParser().parse(file);
        PipelineRunner runner = new PipelineRunner(config, startupTimeout, file, role, instance, appliers);
        Operations ops = null;
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            runner.stop();
            try {
                // The JVM exits when this hook returns: wait until the last batch is committed and closed.
                closed.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ferry-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            runner.start();
            // After start: a pipeline that cannot start says so in one line, with no API announced before it.
            ops = Operations.start(new RunnerView(runner));
            RuntimeException failure = runner.awaitEnd(statusInterval, System.out);
            if (failure != null) {
                // It ran, then stopped without being asked to (a refused record with on-error: stop, a fenced
                // instance, a target database that vanished): not a config error, but never a success either.
                System.err.println("ferry: " + failure.getMessage());
                return Ferry.EXIT_FAILED;
            }
            System.out.println("[" + config.name() + "] stopped");
            return 0;
        } finally {
            runner.close();
            if (ops != null) {
                ops.close();
            }
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is running, or about to, and finds the latch open
            }
        }
    }

    /** {@code all}, {@code capture} or {@code apply}, in any case; anything else is one line naming the three. */
    static final class RoleConverter implements picocli.CommandLine.ITypeConverter<Role> {
        @Override
        public Role convert(String value) {
            for (Role r : Role.values()) {
                if (r.label().equalsIgnoreCase(value.strip())) {
                    return r;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a role: use all, capture"
                    + " or apply");
        }
    }
}
