package io.ferry.mysql;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads a table's current rows as {@code r} events of a schema whose change gave existing rows values the
 * binlog does not carry ({@code ADD COLUMN ... DEFAULT}, a type change). Rows are read in one consistent-snapshot
 * transaction, in chunks, and may be newer than the binlog position: every later change of them follows in the
 * stream as a full row image, so the target converges. Each event's position carries the backfill marker.
 */
final class Backfill {

    private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);

    private static final int TABLE_DEF_CHANGED = 1412;
    private static final int BAD_FIELD = 1054;
    private static final int ATTEMPTS = 10;

    private final Connection connection;
    private final Catalog catalog;
    private final int chunkRows;

    /** The schema to publish the rows under, given the table as the catalog shows it when the read begins. */
    @FunctionalInterface
    interface Reshape {
        TableSchema upToDate(TableSchema wanted, TableDef now);

        /** The wanted schema as it is. */
        Reshape NONE = (wanted, now) -> wanted;
    }

    Backfill(Connection connection, int chunkRows) {
        this.connection = connection;
        this.catalog = new Catalog(connection);
        this.chunkRows = chunkRows;
    }

    /** Rows read per chunk. */
    int chunkRows() {
        return chunkRows;
    }

    /** The connection rows are read on; the capture thread's, between its reads. */
    Connection connection() {
        return connection;
    }

    /**
     * Hands over every current row of {@code schema}'s table, read by column name (a column the table no longer
     * has reads as NULL until the later shape arrives); {@code at} is the position the rows are handed over at.
     */
    void run(TableSchema schema, MySqlPosition at, long eventMicros, ChangeHandler handler, Reshape reshape)
            throws SQLException, InterruptedException {
        run(schema, at, eventMicros, handler, reshape, null);
    }

    /**
     * As above, continuing after {@code from}'s last key (the chunk a crash interrupted is read again), or from the
     * first row when {@code from} is null or has no key (a keyless table is read whole again).
     */
    void run(TableSchema schema, MySqlPosition at, long eventMicros, ChangeHandler handler, Reshape reshape,
             SnapshotProgress.Table from) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                read(schema, at, eventMicros, handler, reshape, from);
                return;
            } catch (SQLException e) {
                // A later DDL changed the table between describing and reading it (ER_TABLE_DEF_CHANGED,
                // ER_BAD_FIELD_ERROR): read it again as it is now.
                if (e.getErrorCode() != TABLE_DEF_CHANGED && e.getErrorCode() != BAD_FIELD || attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.info("Backfill of {}: the table changed during the read, reading it again", schema.table());
            }
        }
    }

    private void read(TableSchema wanted, MySqlPosition at, long eventMicros, ChangeHandler handler, Reshape reshape,
                      SnapshotProgress.Table from) throws SQLException, InterruptedException {
        long started = System.nanoTime();
        TableDef now = catalog.describe(wanted.table());
        if (now == null) {
            LOG.info("Backfill of {}: the table no longer exists, nothing to read", wanted.table());
            return;
        }
        TableSchema schema = reshape.upToDate(wanted, now);
        List<MySqlColumn> columns = new ArrayList<>();
        for (String name : schema.columnNames()) {
            MySqlColumn found = null;
            for (MySqlColumn c : now.columns) {
                if (c.name.equals(name)) {
                    found = c;
                }
            }
            columns.add(found);
        }
        int[] key = new int[0];
        if (now.catalogKey && schema.primaryKey().equals(now.shape.primaryKey())) {
            key = schema.keyIndexes();
        }
        String table = schema.table().toString();
        String[] after = from == null || from.lastKey() == null || key.length == 0 ? null
                : from.lastKey().toArray(new String[0]);
        long[] rows = {after == null ? 0 : from.rows()};
        // Each row's position says where its chunk began, so a restart re-reads at most that chunk.
        SnapshotProgress[] chunkStart = {SnapshotProgress.EMPTY.after(table, rows[0], 0, after, false)};
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement st = connection.createStatement()) {
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            if (schema.primaryKey().isEmpty()) {
                // Whole-row rows are inserted, not upserted: the target's copy is emptied first, else every row
                // read again would be there twice.
                handler.change(new ChangeEvent(Operation.TRUNCATE, schema, null, null, at.inBackfill(table, 0), -1,
                        eventMicros));
            }
            TableReader.read(connection, schema.table(), columns, key, after, chunkRows, (chunk, lastKey, last) -> {
                for (Object[] row : chunk) {
                    rows[0]++;
                    handler.change(new ChangeEvent(Operation.READ, schema, null, row,
                            at.inBackfill(table, rows[0], chunkStart[0]), -1, eventMicros));
                }
                chunkStart[0] = SnapshotProgress.EMPTY.after(table, rows[0], 0, lastKey, last);
            });
            connection.commit();
        } finally {
            connection.setAutoCommit(autoCommit);
        }
        LOG.info("Backfill of {} (schema v{}): {} row(s) re-read in {} ms", table, schema.version(), rows[0],
                (System.nanoTime() - started) / 1_000_000);
    }
}
