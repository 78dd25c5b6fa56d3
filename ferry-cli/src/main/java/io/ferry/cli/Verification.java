package io.ferry.cli;

import io.ferry.core.FerryException;
import io.ferry.core.Sink;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.Connectors;
import io.ferry.core.connector.SourceTables;
import io.ferry.core.connector.TableComparer;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.TableDiff;
import io.ferry.kafka.AppliedCheck;
import io.ferry.kafka.SourcePositions;
import io.ferry.kafka.TopicNames;
import io.ferry.transform.TransformedComparison;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Compares every captured table between source and target, after waiting (unless told not to) until the
 * pipeline has carried every change made before the check began. Used by {@code ferry verify} and the demo.
 *
 * <p>When source and target are of one kind whose connector compares inside the databases (PostgreSQL: md5
 * checksums computed by each server, no rows travel unless a chunk differs), that comparison runs. Otherwise both
 * sides' rows are read, decoded into Ferry's value model with the source's column kinds, and compared by their
 * canonical hashes chunk by chunk ({@link TableDiff}); keys must then be of a kind both databases order alike.
 */
final class Verification {

    private static final int CHUNK_ROWS = 10_000;
    private static final int MAX_DIFFERENCES = 20;

    private final PipelineConfig config;
    private final String bootstrapServers;
    private final PrintStream out;
    private final Connector source;
    private final Connector target;

    Verification(PipelineConfig config, String bootstrapServers, PrintStream out) {
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.out = out;
        if (config.sink().isNone()) {
            throw new FerryException("verify compares source and target, but pipeline " + config.name()
                    + " has no sink (sink.type: none)");
        }
        this.source = Connectors.installed().get(config.source().type());
        this.target = Connectors.installed().get(config.sink().type());
    }

    /** True when every table matches; prints one line per table and the differing keys. */
    boolean run(boolean wait, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<TableSchema> tables;
        try (SourceTables sourceTables = source.sourceTables(config)) {
            // The goal first: it is what the source held when verify began, whatever comes after.
            SourceTables.CatchUpGoal goal = wait ? sourceTables.logEnd() : null;
            tables = sourceTables.tables();
            if (wait) {
                awaitCaptured(goal, deadline, timeout);
                awaitApplied(tables, deadline, timeout);
            }
            if (TransformedComparison.needed(config)) {
                return compareTransformed(sourceTables, tables);
            }
            Optional<TableComparer> sameKind = source == target ? source.sameKindComparer(config) : Optional.empty();
            if (sameKind.isPresent()) {
                try (TableComparer comparer = sameKind.get()) {
                    boolean all = true;
                    for (TableSchema t : tables) {
                        TableDiff.Result r = comparer.compare(t, CHUNK_ROWS, MAX_DIFFERENCES);
                        all &= r.matches();
                        print(r);
                    }
                    return all;
                }
            }
            try (TargetTables targetTables = target.targetTables(config.sink())) {
                boolean all = true;
                for (TableSchema t : tables) {
                    TableDiff.Result r;
                    try {
                        r = new TableDiff(t, CHUNK_ROWS, MAX_DIFFERENCES).compare(sourceTables.rows(t),
                                targetTables.rows(t));
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
    }

    /** Each target table against its source tables put through the pipeline's transforms. */
    private boolean compareTransformed(SourceTables sourceTables, List<TableSchema> tables) {
        TransformedComparison transformed = new TransformedComparison(config);
        try (TargetTables targetTables = target.targetTables(config.sink())) {
            boolean all = true;
            for (Map.Entry<TableSchema, List<TableSchema>> t : transformed.targets(tables).entrySet()) {
                TableDiff.Result r = transformed.compare(t.getKey(), t.getValue(), sourceTables::rows,
                        targetTables.rows(t.getKey()), CHUNK_ROWS, MAX_DIFFERENCES);
                all &= r.matches();
                print(r);
            }
            return all;
        }
    }

    /**
     * Waits until capture has passed the source's log end read at the start. A source may judge by the
     * pipeline's committed position in the offsets topic (capture commits one even when the newest transactions
     * touched no captured table: the publisher's heartbeat), or by its own bookkeeping (a replication slot).
     */
    private void awaitCaptured(SourceTables.CatchUpGoal goal, long deadline, Duration timeout)
            throws InterruptedException {
        out.println("waiting for the pipeline to catch up with the " + goal.log() + " at " + goal.position()
                + " (--no-wait skips this)...");
        SourcePositions positions = new SourcePositions(bootstrapServers, config.kafka().properties(),
                TopicNames.offsets(config.kafka().topicPrefix()));
        long start = System.nanoTime();
        while (!goal.reachedBy(positions.read(config.name()))) {
            if (System.nanoTime() > deadline) {
                throw new FerryException("the source's changes were not captured within " + timeout.toSeconds()
                        + " s: is `ferry run` running for pipeline " + config.name() + "?");
            }
            Thread.sleep(250);
        }
        out.printf(Locale.ROOT, "captured up to %s after %.1f s%n", goal.position(), (System.nanoTime() - start) / 1e9);
    }

    private void awaitApplied(List<TableSchema> tables, long deadline, Duration timeout) throws InterruptedException {
        List<String> topics = new ArrayList<>();
        List<TableId> published = TransformedComparison.needed(config)
                ? new TransformedComparison(config).topicTables(tables)
                : tables.stream().map(TableSchema::table).toList();
        for (TableId t : published) {
            topics.add(TopicNames.table(config.kafka().topicPrefix(), t));
        }
        try (Sink sink = target.sink(config.sink());
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
