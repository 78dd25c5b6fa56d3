package io.ferry.postgres;

import io.ferry.core.FerryException;
import io.ferry.core.TableSelector;
import io.ferry.core.config.SourceConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What one pipeline keeps in its PostgreSQL source between runs: the replication slot (which holds WAL back until
 * it is dropped) and the publication of the same name. Removed by {@code ferry drop} and {@code ferry reset}, which
 * refuse while the slot is in use, i.e. while the pipeline runs.
 */
final class PgOwnedState {

    private final PgConnections connections;
    private final String name;
    private final String database;

    PgOwnedState(SourceConfig config, String slotName) {
        this.connections = new PgConnections(config);
        this.name = slotName;
        this.database = config.database();
    }

    /** One line per thing that exists; drops them when {@code remove}. */
    List<String> drop(boolean remove) {
        List<String> lines = new ArrayList<>();
        try (Connection c = connections.regular()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT active, active_pid,"
                    + " pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) FROM pg_replication_slots"
                    + " WHERE slot_name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getBoolean(1)) {
                            throw new FerryException("the pipeline is running: replication slot " + name + " at "
                                    + connections.where() + " is in use by server process " + rs.getInt(2)
                                    + "; stop `ferry run` first");
                        }
                        lines.add("replication slot " + name + " at " + connections.where() + " (holds "
                                + rs.getString(3) + " of WAL)");
                    }
                }
            }
            boolean publication;
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    publication = rs.next();
                }
            }
            if (publication) {
                lines.add("publication " + name + " in database " + database);
            }
            if (remove) {
                new PgPublication(name, null).dropSlotIfExists(c);
                try (Statement st = c.createStatement()) {
                    st.execute("DROP PUBLICATION IF EXISTS " + TableSelector.quote(name));
                }
            }
            return lines;
        } catch (SQLException e) {
            if ("55006".equals(e.getSQLState())) {
                throw new FerryException("the pipeline is running: replication slot " + name + " at "
                        + connections.where() + " is in use; stop `ferry run` first", e, false);
            }
            if ("42501".equals(e.getSQLState())) {
                throw new FerryException("cannot drop the replication slot or publication " + name + " at "
                        + connections.where() + ": " + PgConnections.firstLine(e), e, false);
            }
            throw connections.lost(e);
        }
    }
}
