package io.ferry.mysql;

import io.ferry.core.FerryException;
import io.ferry.core.RequestedCopies;
import io.ferry.core.config.SourceConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The end of a MySQL/MariaDB source's binlog at one moment ({@link #now}), and whether a pipeline's committed
 * position covers it ({@link #coveredBy}): then every change made before that moment is durably in Kafka.
 *
 * @param file binlog file name, e.g. {@code mysql-bin.000003}
 * @param pos  the offset in it where the next event will be written
 */
public record BinlogCatchUp(String file, long pos) {

    private static final int PARSE_ERROR = 1064;

    /** Reads where the source's binlog ends now. */
    public static BinlogCatchUp now(SourceConfig config) {
        MySqlConnections connections = new MySqlConnections(config);
        try (Connection c = connections.open()) {
            return read(c, connections);
        } catch (SQLException e) {
            throw connections.lost(e);
        }
    }

    private static BinlogCatchUp read(Connection c, MySqlConnections connections) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = status(st)) {
            if (!rs.next()) {
                throw new FerryException("MySQL at " + connections.where() + " reports no binlog position (its"
                        + " binlog status is empty); start the server with --log-bin");
            }
            return new BinlogCatchUp(rs.getString(1), rs.getLong(2));
        }
    }

    /** The binlog status row: file, position, and on MySQL the executed GTID set in column 5. */
    static ResultSet status(Statement st) throws SQLException {
        try {
            return st.executeQuery("SHOW BINARY LOG STATUS");
        } catch (SQLException e) {
            // MySQL 8.4 dropped SHOW MASTER STATUS for this; MariaDB and MySQL before 8.2 know only the old form.
            if (e.getErrorCode() != PARSE_ERROR) {
                throw e;
            }
            return st.executeQuery("SHOW MASTER STATUS");
        }
    }

    /**
     * Whether {@code committed}, a position the MySQL source wrote to the offsets topic (empty when none), is at or
     * past this end. A snapshot still in progress covers nothing: its rows are not all in Kafka yet; nor does a
     * position inside a copy, or with copies queued (an incremental snapshot, a request).
     */
    public boolean coveredBy(Map<String, Object> committed) {
        if (committed.get(MySqlPosition.FILE) == null || committed.containsKey(MySqlPosition.BACKFILL)
                || committed.containsKey(RequestedCopies.QUEUE)) {
            return false;
        }
        MySqlPosition p = MySqlPosition.fromResume(committed);
        if (p.snapshotInterrupted()) {
            return false;
        }
        int files = compareFiles(p.file, file);
        // A complete transaction's boundary names where the next one starts; a row only where its own starts.
        return files != 0 ? files > 0 : p.startPos() >= pos;
    }

    @Override
    public String toString() {
        return file + ":" + pos;
    }

    /** Binlog files sort by their numeric extension, which may grow past six digits. */
    static int compareFiles(String a, String b) {
        long na = sequence(a);
        long nb = sequence(b);
        return na >= 0 && nb >= 0 ? Long.compare(na, nb) : a.compareTo(b);
    }

    private static long sequence(String file) {
        String digits = file.substring(file.lastIndexOf('.') + 1);
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Long.parseLong(digits);
    }
}
