package io.ferry.postgres.sink;

import io.ferry.core.Sink.OffsetUpdate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code ferry_offsets} table in the sink schema: per Kafka topic partition, the next offset to read.
 * Moves are check-and-set, so an applier that lost its partition cannot commit.
 */
final class OffsetStore {

    private final String table;

    OffsetStore(String schema) {
        this.table = Sql.qualified(schema, "ferry_offsets");
    }

    void create(Connection c, String schema) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + Sql.ident(schema));
            st.execute("CREATE TABLE IF NOT EXISTS " + table
                    + " (topic text, partition int, next_offset bigint NOT NULL, PRIMARY KEY (topic, partition))");
        }
    }

    Map<Integer, Long> read(Connection c, String topic) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT partition, next_offset FROM " + table + " WHERE topic = ?")) {
            ps.setString(1, topic);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /** Applies the move; false when the stored offset is not the expected one (the row is then unchanged). */
    boolean move(Connection c, OffsetUpdate u) throws SQLException {
        String sql = u.expectedNext() < 0
                ? "INSERT INTO " + table + " (next_offset, topic, partition) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
                : "UPDATE " + table + " SET next_offset = ? WHERE topic = ? AND partition = ? AND next_offset = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, u.newNext());
            ps.setString(2, u.topic());
            ps.setInt(3, u.partition());
            if (u.expectedNext() >= 0) {
                ps.setLong(4, u.expectedNext());
            }
            return ps.executeUpdate() == 1;
        }
    }
}
