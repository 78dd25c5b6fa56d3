package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs phases of source statements against a real {@code ferry run} in a child JVM: a phase marked
 * {@link Phase#whileDown} is run with Ferry killed (SIGKILL) and Ferry restarted after it, the others while it
 * runs. After every phase the real {@code ferry verify} must exit 0: the target holds exactly the source's rows.
 */
final class SchemaChangeScenario {

    /** Statements run in one go, with Ferry running or killed. */
    record Phase(String name, boolean whileDown, List<String> statements) {

        static Phase running(String name, String... statements) {
            return new Phase(name, false, List.of(statements));
        }

        static Phase down(String name, String... statements) {
            return new Phase(name, true, List.of(statements));
        }
    }

    private final Path dir;
    private final Path pipeline;
    private final Consumer<List<String>> source;

    /** @param source runs statements on the source database, in order, autocommit */
    SchemaChangeScenario(Path dir, Path pipeline, Consumer<List<String>> source) {
        this.dir = dir;
        this.pipeline = pipeline;
        this.source = source;
    }

    /** Runs every phase; returns the number of DDL statements run (those not starting with a DML verb). */
    int run(List<Phase> phases) throws IOException, InterruptedException {
        Path log = dir.resolve("ferry-run.log");
        int ddl = 0;
        FerryProcess ferry = FerryProcess.start(log, "384m", "run", pipeline.toString());
        try {
            verify("initial snapshot", ferry);
            for (Phase phase : phases) {
                if (phase.whileDown()) {
                    ferry.kill();
                    source.accept(phase.statements());
                    ferry = FerryProcess.start(log, "384m", "run", pipeline.toString());
                } else {
                    source.accept(phase.statements());
                }
                assertThat(ferry.isAlive()).as("ferry run is alive after phase %s:%n%s", phase.name(), ferry.output())
                        .isTrue();
                verify(phase.name(), ferry);
                ddl += (int) phase.statements().stream().filter(SchemaChangeScenario::isDdl).count();
            }
            ferry.terminate();
        } finally {
            ferry.close();
        }
        return ddl;
    }

    private void verify(String phase, FerryProcess ferry) throws IOException, InterruptedException {
        FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
        if (verify.exitCode() != 0) {
            String threads = ferry.isAlive() ? ferry.threadDump() : "(ferry run has exited: " + ferry.exitCode() + ")";
            throw new AssertionError(String.format("ferry verify after phase %s exited %d:%n%s%nferry run's output ends"
                    + " with:%n%s%nferry run's threads:%n%s", phase, verify.exitCode(), verify.output(),
                    tail(ferry.output(), 60), threads));
        }
    }

    private static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    private static boolean isDdl(String sql) {
        String s = sql.stripLeading().toUpperCase(java.util.Locale.ROOT);
        return !(s.startsWith("INSERT") || s.startsWith("UPDATE") || s.startsWith("DELETE") || s.startsWith("SET")
                || s.startsWith("WITH"));
    }
}
