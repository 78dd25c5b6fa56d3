package io.ferry.sink.jdbc;

import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.Sink.PartitionLostException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kafka offsets already applied to the target: the {@code ferry_offsets} table in the sink's namespace holds,
 * per topic partition, the next offset to read. (Not the source positions, which live in Kafka.) Moves are
 * check-and-set in the caller's transaction and come before any row of the batch, so an applier that lost its
 * partition learns it before writing anything, and the row lock a move takes makes a second applier of the same
 * partition wait, then fail.
 */
final class AppliedOffsets {

    private final JdbcDialect dialect;
    private final String table;
    private final String display;

    AppliedOffsets(JdbcDialect dialect, String namespace) {
        this.dialect = dialect;
        this.table = dialect.qualified(namespace, "ferry_offsets");
        this.display = namespace + ".ferry_offsets";
    }

    String display() {
        return display;
    }

    void create(Statement st) throws SQLException {
        st.execute("CREATE TABLE IF NOT EXISTS " + table + " (topic " + dialect.shortTextType() + " NOT NULL, "
                + dialect.quote("partition") + " int NOT NULL, next_offset bigint NOT NULL, PRIMARY KEY (topic, "
                + dialect.quote("partition") + "))" + dialect.tableOptions());
    }

    /**
     * Inserts a row for {@code topic}, updates and deletes none, in the caller's transaction (which the caller rolls
     * back): the database checks the privileges of each statement even when it touches no row.
     */
    void probe(Connection c, String topic) throws SQLException {
        String partition = dialect.quote("partition");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (topic, " + partition
                + ", next_offset) VALUES (?, -1, 0)")) {
            ps.setString(1, topic);
            ps.executeUpdate();
        }
        try (Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE " + table + " SET next_offset = next_offset WHERE 1 = 0");
            st.executeUpdate("DELETE FROM " + table + " WHERE 1 = 0");
        }
        read(c, topic);
    }

    /** The topics with stored offsets whose names start with {@code start}, sorted. */
    List<String> topicsStartingWith(Connection c, String start) throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT topic FROM " + table + " ORDER BY topic")) {
            while (rs.next()) {
                if (rs.getString(1).startsWith(start)) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** Deletes every partition's row of these topics, in the caller's transaction. */
    void delete(Connection c, List<String> topics) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE topic = ?")) {
            for (String t : topics) {
                ps.setString(1, t);
                ps.executeUpdate();
            }
        }
    }

    Map<Integer, Long> read(Connection c, String topic) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + dialect.quote("partition") + ", next_offset FROM "
                + table + " WHERE topic = ?")) {
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
     * Moves every offset, or rolls back (with {@code rollback}) and throws {@link PartitionLostException} naming
     * the partition and {@code target}.
     */
    void moveAll(Connection c, List<OffsetUpdate> updates, String target, Runnable rollback) throws SQLException {
        for (OffsetUpdate u : updates) {
            if (!move(c, u)) {
                rollback.run();
                throw new PartitionLostException("partition " + u.topic() + "/" + u.partition()
                        + " no longer has stored offset " + u.expectedNext() + " in " + display + " on " + target
                        + ": another applier owns it now");
            }
        }
    }

    /**
     * Applies the move; false when the stored offset is not the expected one (the row is then unchanged). The
     * UPDATE reads the latest committed row and locks it, so a second applier waits, then finds no match.
     */
    private boolean move(Connection c, OffsetUpdate u) throws SQLException {
        String partition = dialect.quote("partition");
        if (u.expectedNext() < 0) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO " + table + " (topic, " + partition + ", next_offset) VALUES (?, ?, ?)")) {
                ps.setString(1, u.topic());
                ps.setInt(2, u.partition());
                ps.setLong(3, u.newNext());
                return ps.executeUpdate() == 1;
            } catch (SQLException e) {
                // The batch is rolled back either way; a failed statement also ends a PostgreSQL transaction.
                if (dialect.isDuplicateKey(e)) {
                    return false;
                }
                throw e;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET next_offset = ? WHERE topic = ? AND "
                + partition + " = ? AND next_offset = ?")) {
            ps.setLong(1, u.newNext());
            ps.setString(2, u.topic());
            ps.setInt(3, u.partition());
            ps.setLong(4, u.expectedNext());
            return ps.executeUpdate() == 1;
        }
    }
}
