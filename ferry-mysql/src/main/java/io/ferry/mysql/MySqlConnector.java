package io.ferry.mysql;

import io.ferry.core.Sink;
import io.ferry.core.Source;
import io.ferry.core.TableSchema;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.connector.Connector;
import io.ferry.core.connector.SourceTables;
import io.ferry.core.connector.TargetState;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.verify.RowSource;
import io.ferry.mysql.sink.MySqlDialect;
import io.ferry.sink.jdbc.JdbcSink;
import io.ferry.sink.jdbc.TargetBookkeeping;
import java.util.List;
import java.util.OptionalLong;

/** MySQL 8 and MariaDB: capture from the row binlog, apply by upsert, verify by comparing decoded rows. */
public final class MySqlConnector implements Connector {

    @Override
    public String type() {
        return "mysql";
    }

    @Override
    public List<String> aliases() {
        return List.of("mariadb");
    }

    @Override
    public int defaultPort() {
        return 3306;
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

    /** Copies run in key chunks alongside the binlog, reconciled by watermarks ({@link ChunkedCopy}). */
    @Override
    public boolean snapshotsIncrementally() {
        return true;
    }

    @Override
    public Source source(PipelineConfig pipeline) {
        return new MySqlSource(pipeline.source(), pipeline.mysqlServerId());
    }

    @Override
    public String envelopeName() {
        return "mysql";
    }

    @Override
    public Sink sink(SinkConfig config) {
        return new JdbcSink(config, new MySqlDialect());
    }

    @Override
    public void preflightSink(SinkConfig config) {
        try (TargetBookkeeping target = new TargetBookkeeping(config, new MySqlDialect())) {
            target.preflight();
        }
    }

    @Override
    public List<String> dropSinkState(SinkConfig config, TargetState owned, boolean remove) {
        try (TargetBookkeeping target = new TargetBookkeeping(config, new MySqlDialect())) {
            return target.drop(owned, remove);
        }
    }

    @Override
    public SourceTables sourceTables(PipelineConfig pipeline) {
        MySqlRows rows = MySqlRows.source(pipeline.source());
        return new SourceTables() {
            public List<TableSchema> tables() {
                return rows.describeTables();
            }

            public RowSource rows(TableSchema table) {
                return rows.rows(table);
            }

            public CatchUpGoal logEnd() {
                BinlogCatchUp goal = BinlogCatchUp.now(pipeline.source());
                return new CatchUpGoal() {
                    public String log() {
                        return "binlog";
                    }

                    public String position() {
                        return goal.file() + ":" + goal.pos();
                    }

                    public boolean reachedBy(java.util.Map<String, Object> committed) {
                        return goal.coveredBy(committed);
                    }
                };
            }

            public OptionalLong retainedLogBytes(java.util.Map<String, Object> committed) {
                return BinlogDistance.after(pipeline.source(), committed);
            }

            public void close() {
                rows.close();
            }
        };
    }

    @Override
    public TargetTables targetTables(SinkConfig config) {
        return MySqlRows.target(config);
    }
}
