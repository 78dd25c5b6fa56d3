package io.ferry.postgres;

import io.ferry.core.TableSelector;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.verify.KeyOrder;
import io.ferry.core.verify.RowSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a PostgreSQL table (a source table, or its copy in a PostgreSQL target) as {@link RowSource} rows for
 * {@code ferry verify}. Values are decoded from PostgreSQL's text output with the decoders of the snapshot
 * ({@link TextValues}) chosen by the kinds of the schema given, the source's: a target column that holds an enum
 * as text still decodes as an enum label. Text keys order by {@code COLLATE "C"} (code point order), enum and
 * UUID keys by their text under {@code COLLATE "C"}, so both sides order like {@link KeyOrder}.
 */
final class PgTableRows implements RowSource {

    private final Connection connection;
    private final PgConnections connections;
    private final TableSchema schema;
    private final ValueDecoder[] decoders;
    private final TypeKind[] keyKinds;
    private final String select;
    private final String keyList;
    private final String placeholders;

    /** @param table the quoted, schema-qualified table to read */
    PgTableRows(Connection connection, PgConnections connections, String table, TableSchema schema) {
        this.connection = connection;
        this.connections = connections;
        this.schema = schema;
        // A table without a key is compared whole, in any order (TableDiff), so no key order is needed.
        String unsupported = schema.primaryKey().isEmpty() ? null : KeyOrder.unsupportedReason(schema);
        if (unsupported != null) {
            throw new FerryException("cannot verify " + schema.table() + ": " + unsupported);
        }
        decoders = new ValueDecoder[schema.columns().size()];
        List<String> cols = new ArrayList<>();
        for (int i = 0; i < decoders.length; i++) {
            decoders[i] = decoder(schema.columns().get(i).type());
            cols.add(TableSelector.quote(schema.columns().get(i).name()));
        }
        int[] key = schema.keyIndexes();
        keyKinds = new TypeKind[key.length];
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < key.length; k++) {
            keyKinds[k] = schema.columns().get(key[k]).type().kind();
            String q = TableSelector.quote(schema.columns().get(key[k]).name());
            keys.add(switch (keyKinds[k]) {
                case TEXT -> q + " COLLATE \"C\"";
                case ENUM, UUID -> q + "::text COLLATE \"C\"";
                default -> q;
            });
        }
        this.select = "SELECT " + String.join(", ", cols) + " FROM " + table;
        this.keyList = String.join(", ", keys);
        this.placeholders = "(" + String.join(", ", java.util.Collections.nCopies(key.length, "?")) + ")";
    }

    static ValueDecoder decoder(ColumnType type) {
        return TextValues.forKind(type.kind(), type.kind() == TypeKind.ARRAY ? decoder(type.element()) : null, ',');
    }

    @Override
    public List<Object[]> rows(Object[] after, Object[] through, int limit) {
        List<String> where = new ArrayList<>();
        if (after != null) {
            where.add("(" + keyList + ") > " + placeholders);
        }
        if (through != null) {
            where.add("(" + keyList + ") <= " + placeholders);
        }
        String sql = schema.primaryKey().isEmpty() ? select
                : select + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + " ORDER BY " + keyList + " LIMIT " + limit;
        List<Object[]> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            int p = 1;
            p = bind(ps, p, after);
            bind(ps, p, through);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object[] row = new Object[decoders.length];
                    for (int i = 0; i < row.length; i++) {
                        String text = rs.getString(i + 1);
                        row[i] = text == null ? null : decoders[i].decode(text);
                    }
                    out.add(row);
                }
            }
        } catch (SQLException e) {
            throw "08".equals(state(e)) ? connections.lost(e) : new FerryException("cannot read " + schema.table()
                    + " for verify: " + PgConnections.firstLine(e), e, false);
        }
        return out;
    }

    private static String state(SQLException e) {
        return e.getSQLState() == null || e.getSQLState().length() < 2 ? "" : e.getSQLState().substring(0, 2);
    }

    /** Key values travel as text typed "unknown", so the server reads them as the column's (or text) type. */
    private int bind(PreparedStatement ps, int p, Object[] key) throws SQLException {
        if (key == null) {
            return p;
        }
        for (int k = 0; k < key.length; k++) {
            Object v = key[k];
            String text = v == null ? null : v instanceof BigDecimal d ? d.toPlainString() : v.toString();
            ps.setObject(p++, text, Types.OTHER);
        }
        return p;
    }
}
