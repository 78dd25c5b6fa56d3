package io.ferry.postgres;

import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A source table's rows as the capture decodes them, read straight from the server, for comparisons in tests. */
final class SourceRows {

    private SourceRows() {
    }

    /** Rows of {@code public.table} by the integer in their first column, values decoded like the capture's. */
    static Map<Integer, List<Object>> byId(PostgresTestServer pg, String table) throws Exception {
        Map<Integer, List<Object>> out = new LinkedHashMap<>();
        PgConnections connections = new PgConnections(pg.sourceConfig(List.of(table), SnapshotMode.NEVER));
        try (Connection c = connections.regular(); Statement st = c.createStatement()) {
            int oid;
            try (ResultSet rs = st.executeQuery("SELECT '" + table.replace("'", "''") + "'::regclass::oid")) {
                rs.next();
                oid = (int) rs.getLong(1);
            }
            PgRelation rel = new TypeCatalog(c).describe(new TableId("public", table), oid);
            try (ResultSet rs = st.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
                while (rs.next()) {
                    Object[] row = new Object[rel.decoders.length];
                    for (int i = 0; i < row.length; i++) {
                        String text = rs.getString(i + 1);
                        row[i] = text == null ? null : rel.decoders[i].decode(text);
                    }
                    out.put((Integer) row[0], Arrays.asList(row));
                }
            }
        }
        return out;
    }
}
