package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.verify.RowSource;
import io.ferry.core.verify.TableDiff;
import io.ferry.kafka.AppliedCheck;
import io.ferry.kafka.OffsetStore;
import io.ferry.kafka.TopicNames;
import io.ferry.mysql.BinlogCatchUp;
import io.ferry.mysql.MySqlRows;
import io.ferry.postgres.PostgresRows;
import io.ferry.postgres.PostgresVerifier;
import io.ferry.postgres.TableComparison;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compares every captured table between source and target, after waiting (unless told not to) until the
 * pipeline has carried every change made before the check began. Used by {@code ferry verify} and the demo.
 *
 * <p>PostgreSQL to PostgreSQL compares md5 checksums computed by each server ({@link TableComparison}: no rows
 * travel unless a chunk differs, and any key type works). Any pair involving MySQL/MariaDB reads both sides'
 * rows, decoded into Ferry's value model with the source's column kinds, and compares their canonical hashes
 * chunk by chunk ({@link TableDiff}); keys must then be of a kind both databases order alike.
 */
final class Verification {

    private static final int CHUNK_ROWS = 10_000;
    private static final int MAX_DIFFERENCES = 20;

    /** A side of the comparison that reads tables as rows. */
    private interface Rows extends AutoCloseable {
        RowSource rows(TableSchema schema);

        @Override
        void close();
    }

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
        sourceKind();
        targetKind();
    }

    private String sourceKind() {
        return switch (config.source().type()) {
            case "postgres", "postgresql" -> "postgres";
            case "mysql", "mariadb" -> "mysql";
            default -> throw new FerryException("verify does not support source.type " + config.source().type());
        };
    }

    private String targetKind() {
        return switch (config.sink().type()) {
            case "postgres", "postgresql" -> "postgres";
            case "mysql", "mariadb" -> "mysql";
            default -> throw new FerryException("verify does not support sink.type " + config.sink().type());
        };
    }

    /** True when every table matches; prints one line per table and the differing keys. */
    boolean run(boolean wait, Duration timeout) throws InterruptedException {
        if (sourceKind().equals("postgres") && targetKind().equals("postgres")) {
            return runPostgres(wait, timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TableSchema> tables;
        if (sourceKind().equals("postgres")) {
            try (PostgresVerifier verifier = new PostgresVerifier(config.source(), config.slotName())) {
                tables = verifier.tables();
                if (wait) {
                    awaitCaptured(verifier, timeout);
                }
            }
        } else {
            // Read first: the goal is what the source held when verify began, whatever comes after.
            BinlogCatchUp goal = wait ? BinlogCatchUp.now(config.source()) : null;
            try (MySqlRows source = MySqlRows.source(config.source())) {
                tables = source.describeTables();
            }
            if (wait) {
                awaitCaptured(goal, deadline, timeout);
            }
        }
        if (wait) {
            awaitApplied(tables, deadline, timeout);
        }
        try (Rows source = open(sourceKind(), true); Rows target = open(targetKind(), false)) {
            boolean all = true;
            for (TableSchema t : tables) {
                TableDiff.Result r;
                try {
                    r = new TableDiff(t, CHUNK_ROWS, MAX_DIFFERENCES).compare(source.rows(t), target.rows(t));
                } catch (FerryException e) {
                    if (e.retriable()) {
                        throw e;
                    }
                    out.printf(Locale.ROOT, "%s: CANNOT VERIFY: %s%n", t.table(), e.getMessage());
                    all = false;
                    continue;
                }
                all &= r.matches();
                print(r);
            }
            return all;
        }
    }

    private Rows open(String kind, boolean source) {
        if (kind.equals("postgres")) {
            PostgresRows rows = source ? PostgresRows.source(config.source()) : PostgresRows.target(config.sink());
            return new Rows() {
                public RowSource rows(TableSchema schema) {
                    return rows.rows(schema);
                }

                public void close() {
                    rows.close();
                }
            };
        }
        MySqlRows rows = source ? MySqlRows.source(config.source()) : MySqlRows.target(config.sink());
        return new Rows() {
            public RowSource rows(TableSchema schema) {
                return rows.rows(schema);
            }

            public void close() {
                rows.close();
            }
        };
    }

    private boolean runPostgres(boolean wait, Duration timeout) throws InterruptedException {
        try (PostgresVerifier verifier = new PostgresVerifier(config.source(), config.slotName(), config.sink())) {
            List<TableSchema> tables = verifier.tables();
            if (wait) {
                long deadline = System.nanoTime() + timeout.toNanos();
                awaitCaptured(verifier, timeout);
                awaitApplied(tables, deadline, timeout);
            }
            boolean all = true;
            for (TableSchema t : tables) {
                TableComparison.Result r = verifier.compare(t, CHUNK_ROWS, MAX_DIFFERENCES);
                all &= r.matches();
                List<TableDiff.Difference> differences = new ArrayList<>();
                for (TableComparison.Difference d : r.differences()) {
                    differences.add(new TableDiff.Difference(d.key(), d.sourceRow(), d.targetRow()));
                }
                print(new TableDiff.Result(r.table(), r.sourceRows(), r.targetRows(), r.chunks(), r.chunksDiffering(),
                        differences));
            }
            return all;
        }
    }

    private void awaitCaptured(PostgresVerifier verifier, Duration timeout) throws InterruptedException {
        out.println("waiting for the pipeline to catch up (--no-wait skips this)...");
        if (!verifier.awaitCaptured(timeout)) {
            throw new FerryException("the source's changes were not captured within " + timeout.toSeconds()
                    + " s: is `ferry run` running for pipeline " + config.name() + "?");
        }
    }

    /**
     * Waits until the pipeline's committed position in the offsets topic reaches the binlog end read at the start.
     * Capture commits a position even when the newest binlog transactions touched no captured table (the
     * publisher's heartbeat), so a pipeline that is running gets there.
     */
    private void awaitCaptured(BinlogCatchUp goal, long deadline, Duration timeout) throws InterruptedException {
        out.println("waiting for the pipeline to catch up with the binlog at " + goal + " (--no-wait skips this)...");
        OffsetStore offsets = new OffsetStore(bootstrapServers, config.kafka().properties(),
                TopicNames.offsets(config.kafka().topicPrefix()));
        long start = System.nanoTime();
        while (!goal.coveredBy(offsets.read(config.name()))) {
            if (System.nanoTime() > deadline) {
                throw new FerryException("the source's changes were not captured within " + timeout.toSeconds()
                        + " s: is `ferry run` running for pipeline " + config.name() + "?");
            }
            Thread.sleep(250);
        }
        out.printf(Locale.ROOT, "captured up to %s after %.1f s%n", goal, (System.nanoTime() - start) / 1e9);
    }

    private void awaitApplied(List<TableSchema> tables, long deadline, Duration timeout) throws InterruptedException {
        List<String> topics = new ArrayList<>();
        for (TableSchema t : tables) {
            topics.add(TopicNames.table(config.kafka().topicPrefix(), t.table()));
        }
        try (Sink sink = Sinks.open(config.sink());
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

    private void print(TableDiff.Result r) {
        if (r.matches()) {
            out.printf(Locale.ROOT, "%s: match (%,d rows, %d chunks)%n", r.table(), r.sourceRows(), r.chunks());
            return;
        }
        out.printf(Locale.ROOT, "%s: DIFFERENT (source %,d rows, target %,d rows, %d of %d chunks differ)%n",
                r.table(), r.sourceRows(), r.targetRows(), r.chunksDiffering(), r.chunks());
        if (r.differences().isEmpty() && r.sourceRows() == r.targetRows()) {
            out.println("  no key's row differs, but the chunk checksums do: rows are in a different key order");
        }
        for (TableDiff.Difference d : r.differences()) {
            out.printf("  key (%s): source %s, target %s%n", d.key(),
                    d.sourceRow() == null ? "(missing)" : d.sourceRow(),
                    d.targetRow() == null ? "(missing)" : d.targetRow());
        }
    }
}
