package io.ferry.mysql;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@code START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY} transaction for reading one table and names
 * the binlog position P it is consistent with: a transaction of that table committed before P is in the snapshot,
 * one at or after P is not. Used by {@link KeylessCopy}, on its reader thread.
 */
final class ExactSnapshot {

    private static final Logger LOG = LoggerFactory.getLogger(ExactSnapshot.class);
    /**
     * How long the table lock waits for transactions that wrote the table (seconds): writes of the table queue behind
     * the waiting lock, so it gives way and asks again rather than hold them up behind a long transaction.
     */
    private static final int LOCK_WAIT_SECONDS = 5;
    private static final long LOCK_RETRY_MILLIS = 1_000;
    private static final int LOCK_WAIT_TIMEOUT = 1205;
    /** ER_TABLEACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR, ER_SPECIFIC_ACCESS_DENIED_ERROR. */
    private static final Set<Integer> REFUSED = Set.of(1142, 1044, 1227);

    /** A binlog position. */
    record Point(String file, long pos) {
    }

    private ExactSnapshot() {
    }

    /** MariaDB: the snapshot names its own binlog position ({@code binlog_snapshot_file/position}). */
    static Point named(Connection c, TableId table) throws SQLException {
        String file = null;
        long pos = -1;
        try (Statement st = c.createStatement()) {
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            try (ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'")) {
                while (rs.next()) {
                    if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_file")) {
                        file = rs.getString(2);
                    } else if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_position")) {
                        pos = rs.getLong(2);
                    }
                }
            }
        }
        if (file == null || file.isEmpty() || pos < 0) {
            throw new FerryException("the server names no binlog position for the snapshot of " + table
                    + " (binlog_snapshot_file/position); a copy beside the stream needs MariaDB");
        }
        LOG.info("Copy of {} reads one snapshot consistent with binlog {}:{}, beside the stream", table, file, pos);
        return new Point(file, pos);
    }

    /**
     * MySQL, whose snapshot names no binlog position: a second connection holds {@code LOCK TABLES t READ} while
     * {@code c} starts its snapshot and reads the binlog's end as P. Why that is exact: a transaction that wrote t
     * holds a metadata lock on t until it ends, and the read lock waits for it (MySQL manual, "Metadata Locking");
     * with the binlog as the commit coordinator a transaction is in the binlog before its engine commit, and its locks
     * go after both. So once the lock is held, every write of t that committed is in the snapshot and lies before P,
     * none is in flight, and none can commit until the lock goes, after P was read. The lock is on another connection
     * because {@code START TRANSACTION} releases its own session's table locks. A refused lock (no {@code LOCK TABLES}
     * privilege) is warned once and falls back to the table as it is now, P being {@code streamFile:streamPos}, where
     * the stream stood: nothing is dropped, and changes between that and the read may be applied twice.
     */
    static Point underTableLock(Connection c, KeylessCopy.Connections connections, TableId table, String streamFile,
                                long streamPos) throws SQLException, InterruptedException {
        Connection lock = connections.open();
        try (Statement ls = lock.createStatement(); Statement st = c.createStatement()) {
            ls.execute("SET SESSION lock_wait_timeout = " + LOCK_WAIT_SECONDS);
            long asked = System.nanoTime();
            if (!lockTable(ls, table, streamFile, streamPos)) {
                st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                return new Point(streamFile, streamPos);
            }
            long locked = System.nanoTime();
            Point p;
            try {
                st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
                try (ResultSet rs = BinlogCatchUp.status(st)) {
                    if (!rs.next()) {
                        throw new FerryException("the server reports no binlog position for the snapshot of " + table
                                + " (its binlog status is empty)");
                    }
                    p = new Point(rs.getString(1), rs.getLong(2));
                }
            } finally {
                ls.execute("UNLOCK TABLES");
            }
            long unlocked = System.nanoTime();
            LOG.info("Copy of {} reads one snapshot at binlog {}:{}, beside the stream: table lock held {} ms (waited {}"
                    + " ms for it)", table, p.file(), p.pos(), (unlocked - locked) / 1_000_000,
                    (locked - asked) / 1_000_000);
            return p;
        } finally {
            connections.close(lock);
        }
    }

    /** Takes the table's read lock, asking again while transactions keep it written; false where it is refused. */
    private static boolean lockTable(Statement ls, TableId table, String streamFile, long streamPos)
            throws SQLException, InterruptedException {
        while (true) {
            try {
                ls.execute("LOCK TABLES " + Backticks.quote(table) + " READ");
                return true;
            } catch (SQLException e) {
                if (REFUSED.contains(e.getErrorCode())) {
                    LOG.warn("Copy of {}: LOCK TABLES is refused ({}), so its rows are read as they are now and its"
                            + " changes since binlog {}:{} may be applied twice; grant the capture user LOCK TABLES on"
                            + " `{}` for an exact copy", table, MySqlConnections.firstLine(e), streamFile, streamPos,
                            table.schema());
                    return false;
                }
                if (e.getErrorCode() != LOCK_WAIT_TIMEOUT) {
                    throw e;
                }
                LOG.warn("Copy of {}: a transaction kept the table written for {} s; asking for its read lock again",
                        table, LOCK_WAIT_SECONDS);
                // Interrupted when the copy is cancelled.
                Thread.sleep(LOCK_RETRY_MILLIS);
            }
        }
    }
}
