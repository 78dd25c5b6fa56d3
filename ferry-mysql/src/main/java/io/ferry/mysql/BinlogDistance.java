package io.ferry.mysql;

import io.ferry.core.config.SourceConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.OptionalLong;

/**
 * How much binlog the server has written after a pipeline's committed position: the bytes capture still has to
 * read, and that must not be purged. MySQL keeps binlogs by time, not for a reader, so this is what an operator
 * watches instead of a PostgreSQL slot's retained WAL.
 */
final class BinlogDistance {

    private BinlogDistance() {
    }

    /** Bytes from {@code committed} to the end of the newest binlog; empty without a file position or once purged. */
    static OptionalLong after(SourceConfig config, Map<String, Object> committed) {
        Object file = committed.get(MySqlPosition.FILE);
        Object pos = committed.getOrDefault(MySqlPosition.NEXT_POS, committed.get(MySqlPosition.POS));
        if (!(file instanceof String name) || !(pos instanceof Number offset)) {
            return OptionalLong.empty();
        }
        Connection c = new MySqlConnections(config).open();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
            long bytes = 0;
            boolean found = false;
            while (rs.next()) {
                String log = rs.getString(1);
                long size = rs.getLong(2);
                if (log.equals(name)) {
                    found = true;
                    bytes += Math.max(0, size - offset.longValue());
                } else if (found) {
                    bytes += size;
                }
            }
            return found ? OptionalLong.of(bytes) : OptionalLong.empty();
        } catch (SQLException e) {
            return OptionalLong.empty();
        } finally {
            MySqlConnections.closeQuietly(c);
        }
    }
}
