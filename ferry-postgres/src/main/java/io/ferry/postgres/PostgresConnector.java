package io.ferry.postgres;

import io.ferry.core.RequestedCopies;
import io.ferry.core.Sink;
import io.ferry.core.Source;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.SourceTables;
import io.ferry.core.connector.TableComparer;
import io.ferry.core.connector.TargetState;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.RowSource;
import io.ferry.core.verify.TableDiff;
import io.ferry.postgres.sink.PostgresDialect;
import io.ferry.sink.jdbc.JdbcSink;
import io.ferry.sink.jdbc.TargetBookkeeping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** PostgreSQL: capture by logical replication ({@code pgoutput}), apply by upsert, verify by server-side md5. */
public final class PostgresConnector implements Connector {

    @Override
    public String type() {
        return "postgres";
    }

    @Override
    public List<String> aliases() {
        return List.of("postgresql");
    }

    @Override
    public int defaultPort() {
        return 5432;
    }

    @Override
    public boolean snapshotsIncrementally() {
        return true;
    }

    @Override
    public boolean capturesChanges() {
        return true;
    }

    @Override
    public boolean appliesChanges() {
        return true;
    }

    /** Offsets are kept per partition with a check-and-set, and DDL waits for a lock on the table. */
    @Override
    public boolean sinkAppliesPartitionsConcurrently() {
        return true;
    }

    @Override
    public Source source(PipelineConfig pipeline) {
        return new PostgresSource(pipeline.source(), pipeline.slotName());
    }

    @Override
    public String envelopeName() {
        return "postgresql";
    }

    @Override
    public Sink sink(SinkConfig config) {
        return new JdbcSink(config, new PostgresDialect());
    }

    @Override
    public void preflightSink(SinkConfig config) {
        try (TargetBookkeeping target = new TargetBookkeeping(config, new PostgresDialect())) {
            target.preflight();
        }
    }

    @Override
    public List<String> dropSinkState(SinkConfig config, TargetState owned, boolean remove) {
        try (TargetBookkeeping target = new TargetBookkeeping(config, new PostgresDialect())) {
            return target.drop(owned, remove);
        }
    }

    @Override
    public List<String> dropSource(PipelineConfig pipeline, boolean remove) {
        return new PgOwnedState(pipeline.source(), pipeline.slotName()).drop(remove);
    }

    @Override
    public SourceTables sourceTables(PipelineConfig pipeline) {
        PostgresVerifier verifier = new PostgresVerifier(pipeline.source(), pipeline.slotName());
        PostgresRows rows;
        try {
            rows = PostgresRows.source(pipeline.source());
        } catch (RuntimeException e) {
            verifier.close();
            throw e;
        }
        return new SourceTables() {
            public List<TableSchema> tables() {
                return verifier.tables();
            }

            public RowSource rows(TableSchema table) {
                return rows.rows(table);
            }

            public CatchUpGoal logEnd() {
                // The slot says how far the log is in Kafka: it is acknowledged only after a commit. But during the
                // snapshot it already stands at the snapshot's consistent point, so the offsets topic must also show
                // a finished snapshot (or none to do).
                long goal = verifier.currentLsn();
                boolean snapshots = pipeline.source().snapshot() != SourceConfig.SnapshotMode.NEVER;
                return new CatchUpGoal() {
                    public String log() {
                        return "WAL";
                    }

                    public String position() {
                        return PgPosition.Lsn.format(goal);
                    }

                    public boolean reachedBy(Map<String, Object> committed) {
                        // Nor while a table is being copied, or waits to be (an incremental snapshot, a request).
                        return (committed.isEmpty() ? !snapshots
                                : !PgPosition.fromResume(committed).snapshotInterrupted()
                                        && !committed.containsKey(PgPosition.BACKFILL)
                                        && !committed.containsKey(RequestedCopies.QUEUE))
                                && verifier.acknowledgedLsn() >= goal;
                    }
                };
            }

            public OptionalLong retainedLogBytes(Map<String, Object> committed) {
                long bytes = verifier.retainedWalBytes();
                return bytes < 0 ? OptionalLong.empty() : OptionalLong.of(bytes);
            }

            public void close() {
                rows.close();
                verifier.close();
            }
        };
    }

    @Override
    public TargetTables targetTables(SinkConfig config) {
        return PostgresRows.target(config);
    }

    @Override
    public Optional<TableComparer> sameKindComparer(PipelineConfig pipeline) {
        PostgresVerifier verifier = new PostgresVerifier(pipeline.source(), pipeline.slotName(), pipeline.sink());
        return Optional.of(new TableComparer() {
            public TableDiff.Result compare(TableSchema table, int chunkRows, int maxDifferences) {
                TableComparison.Result r = verifier.compare(table, chunkRows, maxDifferences);
                List<TableDiff.Difference> differences = new ArrayList<>();
                for (TableComparison.Difference d : r.differences()) {
                    differences.add(new TableDiff.Difference(d.key(), d.sourceRow(), d.targetRow()));
                }
                return new TableDiff.Result(r.table(), r.sourceRows(), r.targetRows(), r.chunks(),
                        r.chunksDiffering(), differences);
            }

            public void close() {
                verifier.close();
            }
        });
    }
}
