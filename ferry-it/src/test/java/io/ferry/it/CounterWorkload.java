package io.ferry.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The PostgreSQL kill tests' workload: rounds of paced transactions that each add one to the counters of a range of
 * rows of {@code counters (id, counter, note)}, so that a change applied twice or lost shows in the sums.
 */
final class CounterWorkload {

    private final TestServers servers;
    private final int rows;
    private final int rounds;
    private final int rowsPerTransaction;
    private final long pauseMillis;

    CounterWorkload(TestServers servers, int rows, int rounds, int rowsPerTransaction, long pauseMillis) {
        this.servers = servers;
        this.rows = rows;
        this.rounds = rounds;
        this.rowsPerTransaction = rowsPerTransaction;
        this.pauseMillis = pauseMillis;
    }

    long changes() {
        return (long) rows * rounds;
    }

    /** Changes {@code db} holds: the sum of its counters. */
    long applied(String db) {
        return servers.queryLong(db, "SELECT coalesce(sum(counter), 0) FROM counters");
    }

    Map<Integer, Long> counters(String db) throws Exception {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = servers.connect(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, counter FROM counters")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return out;
    }

    static long sum(Map<Integer, Long> counters) {
        return counters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Writes every round into {@code db}; paced so that kills land while the source still writes. */
    void run(String db) {
        try (Connection c = servers.connect(db);
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE counters SET counter = counter + 1, note = ? WHERE id BETWEEN ? AND ?")) {
            c.setAutoCommit(false);
            for (int round = 1; round <= rounds; round++) {
                for (int first = 1; first <= rows; first += rowsPerTransaction) {
                    ps.setString(1, "round " + round);
                    ps.setInt(2, first);
                    ps.setInt(3, first + rowsPerTransaction - 1);
                    ps.executeUpdate();
                    c.commit();
                    Thread.sleep(pauseMillis);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("workload failed", e);
        }
    }
}
