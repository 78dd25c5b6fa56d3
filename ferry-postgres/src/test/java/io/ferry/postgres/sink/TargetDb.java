package io.ferry.postgres.sink;

import io.ferry.core.Secret;
import io.ferry.core.config.SinkConfig;
import io.ferry.postgres.PostgresTestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared embedded PostgreSQL as a sink target; each test writes into a fresh sink schema. */
final class TargetDb {

    static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    private TargetDb() {
    }

    static String freshSchema() {
        return "sink_" + SCHEMAS.incrementAndGet();
    }

    static SinkConfig config(String schema) {
        return new SinkConfig("postgres", PG.host(), PG.port(), PostgresTestServer.DATABASE, PostgresTestServer.USER,
                new Secret(PostgresTestServer.PASSWORD), schema, true, SinkConfig.OnError.STOP);
    }

    /** Rows of a query as lists of {@code getObject} values. */
    static List<List<Object>> query(String sql) {
        try (Connection c = PG.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
