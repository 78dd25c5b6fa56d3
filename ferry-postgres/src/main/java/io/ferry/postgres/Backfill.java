package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Operation;
import io.ferry.core.RequestedCopies;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TableSelector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a table's current rows again and hands them over as {@code r} events of a given schema, at a point of
 * the stream: after an ADD COLUMN or a type change (which PostgreSQL does not log row by row). Every later change of
 * those rows follows in the stream as a full row image, so the target converges. Tables with a key are read in
 * key-ordered chunks on the capture thread; each event's position carries the {@link PgPosition#BACKFILL} marker and
 * its key, so a restart finishes the table after the last key handed over. A table without a key has no image to
 * converge by: it is read beside the stream instead ({@link #afterSchemaChange}, {@link KeylessCopy}), exactly. The
 * capture thread calls in, and {@code keepAlive} runs between chunks so the replication connection stays open.
 */
final class Backfill {

    private static final Logger LOG = LoggerFactory.getLogger(Backfill.class);

    private final PgConnections connections;
    private final Runnable keepAlive;
    private final BooleanSupplier stopped;
    private final int chunkRows;
    private final Supplier<TableId> running;
    private final RequestedCopies requests;

    /**
     * @param running  the table of the copy running alongside the stream, if any: the rows of this backfill carry
     *                 not its progress but their own, so while they are handed over the copy waits in
     *                 {@code requests}, and a crash meanwhile copies its table again from the start
     */
    Backfill(PgConnections connections, Runnable keepAlive, BooleanSupplier stopped, int chunkRows,
             Supplier<TableId> running, RequestedCopies requests) {
        this.connections = connections;
        this.keepAlive = keepAlive;
        this.stopped = stopped;
        this.chunkRows = chunkRows;
        this.running = running;
        this.requests = requests;
    }

    int chunkRows() {
        return chunkRows;
    }

    /**
     * Starts copying a table without a primary key beside the stream ({@link KeylessCopy}), its target copy emptied
     * at {@code at}; {@code finished} runs once it ends.
     */
    KeylessCopy beside(TableSchema schema, ValueDecoder[] decoders, PgPosition at, ChangeHandler handler,
                       Runnable finished) {
        return KeylessCopy.start(schema, decoders, connections, chunkRows, at, handler, keepAlive, finished);
    }

    /**
     * Backfills {@code schema}'s table, which has no key, beside the stream ({@link KeylessCopy}): its target copy is
     * emptied at {@code at}, where the stream stands, and its rows are read at an exact snapshot after it. It shows as
     * the running copy in status. {@code yielded} is the table of the copy beside the stream that stopped for it, if
     * any: another table goes back to the queue of requested copies and is copied again from its first row after this
     * one (positions carry one copy's marker, the queue carries the rest); the same table needs nothing more.
     */
    KeylessCopy afterSchemaChange(TableSchema schema, ValueDecoder[] decoders, PgPosition at, TableId yielded,
                                  ChangeHandler handler) {
        TableId table = schema.table();
        if (yielded != null && !yielded.equals(table)) {
            LOG.info("The copy of {} stops for the backfill of {} and is copied again from its start after it",
                    yielded, table);
            requests.putBack(yielded);
        }
        // Through the queue, so that a copy of the table requested and not started yet is this one.
        requests.putBack(table);
        requests.starting(table);
        LOG.info("Backfill of {} (no primary key) at {}, beside the stream", table, at);
        return KeylessCopy.start(schema, decoders, connections, chunkRows, at, handler, keepAlive, requests::done);
    }

    /**
     * Whether every row of {@code schema}'s table holds NULL in each of {@code columns} now, which makes a backfill
     * after their ADD COLUMN needless: a row nobody changed since the ADD still holds what the ADD gave it, and every
     * row changed since is in the stream after it as a full row image. A value that is not NULL (a default, a
     * generation expression, a later update) keeps the backfill.
     */
    boolean leftNull(TableSchema schema, List<io.ferry.core.Column> columns) throws SQLException {
        List<String> notNull = new ArrayList<>();
        for (io.ferry.core.Column c : columns) {
            notNull.add(TableSelector.quote(c.name()) + " IS NOT NULL");
        }
        String name = TableSelector.quote(schema.table());
        Connection c = connections.regular();
        try (PreparedStatement ps = c.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM " + name + " WHERE "
                + String.join(" OR ", notNull) + ")"); ResultSet rs = ps.executeQuery()) {
            boolean empty = rs.next() && rs.getBoolean(1);
            if (empty) {
                LOG.info("No backfill of {}: the column(s) added ({}) hold NULL in every row", name,
                        String.join(", ", columns.stream().map(io.ferry.core.Column::name).toList()));
            }
            return empty;
        } finally {
            PgConnections.closeQuietly(c);
        }
    }

    /**
     * Hands over every row of {@code schema}'s table, which has a key, whose key is after {@code afterKey} (all rows
     * when null), decoded by {@code decoders} (aligned with the schema's columns). Returns {@code false} if stopped
     * first.
     */
    boolean run(TableSchema schema, ValueDecoder[] decoders, PgPosition at, String afterKey, long rowsBefore,
                ChangeHandler handler) throws SQLException {
        TableId copying = running.get();
        TableId waits = copying == null || copying.equals(schema.table()) ? null : copying;
        if (waits != null) {
            requests.putBack(waits);
        }
        boolean done = read(schema, decoders, at, afterKey, rowsBefore, handler);
        if (done && waits != null) {
            requests.starting(waits);
        }
        return done;
    }

    private boolean read(TableSchema schema, ValueDecoder[] decoders, PgPosition at, String afterKey, long rowsBefore,
                         ChangeHandler handler) throws SQLException {
        String name = TableSelector.quote(schema.table());
        if (schema.primaryKey().isEmpty()) {
            throw new IllegalStateException("a table without a key is backfilled beside the stream: " + name);
        }
        long started = System.nanoTime();
        long readMicros = System.currentTimeMillis() * 1000;
        long rows = rowsBefore;
        List<String> cols = new ArrayList<>();
        for (String c : schema.columnNames()) {
            cols.add(TableSelector.quote(c));
        }
        String from = "SELECT " + String.join(", ", cols) + " FROM " + name;
        int[] key = schema.keyIndexes();
        List<String> keys = new ArrayList<>();
        for (int k : key) {
            keys.add(cols.get(k));
        }
        String keyList = String.join(", ", keys);
        String order = " ORDER BY " + keyList + " LIMIT " + chunkRows;
        String next = from + " WHERE (" + keyList + ") > ("
                + String.join(", ", java.util.Collections.nCopies(key.length, "?")) + ")" + order;
        String[] last = afterKey == null ? null : parseKey(afterKey);
        Connection c = connections.regular();
        try {
            while (true) {
                if (stopped.getAsBoolean()) {
                    return false;
                }
                int n = 0;
                try (PreparedStatement ps = c.prepareStatement(last == null ? from + order : next)) {
                    for (int i = 0; last != null && i < last.length; i++) {
                        ps.setObject(i + 1, last[i], Types.OTHER);
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            n++;
                            rows++;
                            last = new String[key.length];
                            for (int k = 0; k < key.length; k++) {
                                last[k] = rs.getString(key[k] + 1);
                            }
                            handler.change(new ChangeEvent(Operation.READ, schema, null, row(rs, decoders),
                                    PgPosition.backfill(at, name, keyText(last), rows), -1, readMicros));
                        }
                    }
                }
                keepAlive.run();
                if (n < chunkRows) {
                    break;
                }
            }
        } finally {
            PgConnections.closeQuietly(c);
        }
        LOG.info("Backfill of {}: {} row(s) in {} ms, at {}", schema.table(), rows,
                (System.nanoTime() - started) / 1_000_000, at);
        return true;
    }

    static Object[] row(ResultSet rs, ValueDecoder[] decoders) throws SQLException {
        Object[] row = new Object[decoders.length];
        for (int i = 0; i < decoders.length; i++) {
            String text = rs.getString(i + 1);
            row[i] = text == null ? null : decoders[i].decode(text);
        }
        return row;
    }

    /** Key values' text forms as one PostgreSQL text-array literal. */
    static String keyText(String[] key) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < key.length; i++) {
            sb.append(i == 0 ? "" : ",");
            if (key[i] == null) {
                sb.append("NULL");
            } else {
                sb.append('"').append(key[i].replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return sb.append('}').toString();
    }

    static String[] parseKey(String text) {
        List<?> parts = (List<?>) new ArrayText(TextValues.TEXT, ',').decode(text);
        String[] out = new String[parts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (String) parts.get(i);
        }
        return out;
    }
}
