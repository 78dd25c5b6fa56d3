package io.ferry.postgres;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replication slot and the publication of the same name one PostgreSQL pipeline reads, and the tables the
 * database has.
 */
final class PgPublication {

    private final String slotName;
    private final String user;

    PgPublication(String slotName, String user) {
        this.slotName = slotName;
        this.user = user;
    }

    /** Ordinary and partitioned tables outside the system schemas, by name, with their oids. */
    static Map<TableId, Integer> existingTables(Connection c) throws SQLException {
        Map<TableId, Integer> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT n.nspname, c.relname, c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                        + " AND n.nspname NOT LIKE 'pg\\_toast%' ORDER BY 1, 2")) {
            while (rs.next()) {
                out.put(new TableId(rs.getString(1), rs.getString(2)), (int) rs.getLong(3));
            }
        }
        return out;
    }

    /** Creates the publication, or with {@code reset} makes it hold exactly {@code wanted}. */
    void ensure(Connection c, List<TableId> wanted, boolean reset) throws SQLException {
        String pub = TableSelector.quote(slotName);
        StringBuilder list = new StringBuilder();
        for (TableId id : wanted) {
            list.append(list.length() == 0 ? "" : ", ").append(TableSelector.quote(id));
        }
        Boolean allTables = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    allTables = rs.getBoolean(1);
                }
            }
        }
        String ddl;
        if (allTables == null) {
            ddl = "CREATE PUBLICATION " + pub + " FOR TABLE " + list;
        } else if (allTables || !reset) {
            return;
        } else {
            List<TableId> current = tables(c);
            if (current.size() == wanted.size() && current.containsAll(wanted)) {
                return;
            }
            ddl = "ALTER PUBLICATION " + pub + " SET TABLE " + list;
        }
        try (Statement st = c.createStatement()) {
            st.execute(ddl);
        } catch (SQLException e) {
            if (allTables == null && createdMeanwhile(e)) {
                // A second process starting at the same moment (a standby `--role capture`) created it first.
                return;
            }
            throw new FerryException("cannot create or alter publication " + pub + " as user \"" + user
                    + "\": " + PgConnections.firstLine(e) + "; an owner of the tables can run: " + ddl, e, false);
        }
    }

    /**
     * Whether CREATE PUBLICATION lost a race: {@code duplicate_object}, or {@code unique_violation} on the catalog's
     * name index when the two creates overlapped.
     */
    static boolean createdMeanwhile(SQLException e) {
        return "42710".equals(e.getSQLState()) || "23505".equals(e.getSQLState());
    }

    /** The tables the publication holds now. */
    List<TableId> tables(Connection c) throws SQLException {
        List<TableId> current = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    current.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return current;
    }

    /** The slot's {@code confirmed_flush_lsn}, or null when there is no such slot (or it has no such LSN yet). */
    Long confirmedFlushLsn(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::bigint"
                + " FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long lsn = rs.getLong(1);
                return rs.wasNull() ? null : lsn;
            }
        }
    }

    boolean slotExists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    void createSlotWithoutSnapshot(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slotName);
            ps.execute();
        }
    }

    void dropSlotIfExists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slotName);
            ps.execute();
        }
    }
}
