package io.ferry.mysql.sink;

import io.ferry.core.Sink.OffsetUpdate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code ferry_offsets} table in the sink database: per Kafka topic partition, the next offset to read.
 * Moves are check-and-set in the caller's transaction, so an applier that lost its partition cannot commit.
 */
final class OffsetStore {

    private static final int DUPLICATE_KEY = 1062;

    private final String table;

    OffsetStore(String database) {
        this.table = Sql.qualified(database, "ferry_offsets");
    }

    void create(Connection c, String collation) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + table + " (topic varchar(255) NOT NULL,"
                    + " `partition` int NOT NULL, next_offset bigint NOT NULL, PRIMARY KEY (topic, `partition`))"
                    + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + collation);
        }
    }

    Map<Integer, Long> read(Connection c, String topic) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT `partition`, next_offset FROM " + table + " WHERE topic = ?")) {
            ps.setString(1, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /**
     * Applies the move; false when the stored offset is not the expected one (the row is then unchanged).
     * The UPDATE reads the latest committed row and locks it, so a second applier waits, then finds no match.
     */
    boolean move(Connection c, OffsetUpdate u) throws SQLException {
        if (u.expectedNext() < 0) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO " + table + " (topic, `partition`, next_offset) VALUES (?, ?, ?)")) {
                ps.setString(1, u.topic());
                ps.setInt(2, u.partition());
                ps.setLong(3, u.newNext());
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                if (e.getErrorCode() == DUPLICATE_KEY) {
                    return false;
                }
                throw e;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET next_offset = ? WHERE topic = ? AND `partition` = ? AND next_offset = ?")) {
            ps.setLong(1, u.newNext());
            ps.setString(2, u.topic());
            ps.setInt(3, u.partition());
            ps.setLong(4, u.expectedNext());
            return ps.executeUpdate() == 1;
        }
    }
}
