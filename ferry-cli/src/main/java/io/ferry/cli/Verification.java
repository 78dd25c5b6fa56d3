package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.kafka.AppliedCheck;
import io.ferry.kafka.TopicNames;
import io.ferry.postgres.PostgresVerifier;
import io.ferry.postgres.TableComparison;
import io.ferry.postgres.sink.PostgresSink;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares every captured table between source and target, after waiting (unless told not to) until the
 * pipeline has carried every change made before the check began. Used by {@code ferry verify} and the demo.
 */
final class Verification {

    private static final int CHUNK_ROWS = 10_000;
    private static final int MAX_DIFFERENCES = 20;

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final PrintStream out;

    Verification(PipelineConfig config, String bootstrapServers, PrintStream out) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.out = out;
        if (config.sink().type().equals("none")) {
            throw new FerryException("verify compares source and target, but pipeline " + config.name()
                    + " has no sink (sink.type: none)");
        }
    }

    /** True when every table matches; prints one line per table and the differing keys. */
    boolean run(boolean wait, Duration timeout) throws InterruptedException {
        try (PostgresVerifier verifier = new PostgresVerifier(config.source(), config.slotName(), config.sink())) {
            List<TableSchema> tables = verifier.tables();
            if (wait) {
                awaitCaughtUp(verifier, tables, timeout);
            }
            boolean all = true;
            for (TableSchema t : tables) {
                TableComparison.Result r = verifier.compare(t, CHUNK_ROWS, MAX_DIFFERENCES);
                all &= r.matches();
                print(r);
            }
            return all;
        }
    }

    private void awaitCaughtUp(PostgresVerifier verifier, List<TableSchema> tables, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        out.println("waiting for the pipeline to catch up (--no-wait skips this)...");
        if (!verifier.awaitCaptured(timeout)) {
            throw new FerryException("the source's changes were not captured within " + timeout.toSeconds()
                    + " s: is `ferry run` running for pipeline " + config.name() + "?");
        }
        List<String> topics = new ArrayList<>();
        for (TableSchema t : tables) {
            topics.add(TopicNames.table(config.kafka().topicPrefix(), t.table()));
        }
        try (PostgresSink sink = new PostgresSink(config.sink());
             AppliedCheck check = new AppliedCheck(bootstrapServers, config.kafka().properties())) {
            while (!check.applied(topics, sink::storedOffsets)) {
                if (System.nanoTime() > deadline) {
                    throw new FerryException("the target did not apply every captured change within "
                            + timeout.toSeconds() + " s");
                }
                Thread.sleep(250);
            }
        }
    }

    private void print(TableComparison.Result r) {
        if (r.matches()) {
            out.printf(Locale.ROOT, "%s: match (%,d rows, %d chunks)%n", r.table(), r.sourceRows(), r.chunks());
            return;
        }
        out.printf(Locale.ROOT, "%s: DIFFERENT (source %,d rows, target %,d rows, %d of %d chunks differ)%n",
                r.table(), r.sourceRows(), r.targetRows(), r.chunksDiffering(), r.chunks());
        if (r.differences().isEmpty() && r.sourceRows() == r.targetRows()) {
            out.println("  no key's row differs, but the chunk checksums do: rows are in a different key order");
        }
        for (TableComparison.Difference d : r.differences()) {
            out.printf("  key (%s): source %s, target %s%n", d.key(),
                    d.sourceRow() == null ? "(missing)" : d.sourceRow(),
                    d.targetRow() == null ? "(missing)" : d.targetRow());
        }
    }
}
