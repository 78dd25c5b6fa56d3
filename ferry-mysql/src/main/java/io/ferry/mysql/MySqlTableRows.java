package io.ferry.mysql;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.verify.KeyOrder;
import io.ferry.core.verify.RowSource;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Reads a MySQL/MariaDB table, a captured source table or a sink's copy of any source's table, as
 * {@link RowSource} rows for {@code ferry verify}, decoded with the kinds of the schema given (the source's).
 * A column whose MySQL type maps to that same kind decodes exactly as the snapshot does
 * ({@link MySqlColumn#fromSnapshot}: zero dates, bit, year, set, binary padding); a column the target holds in
 * another type (a PostgreSQL source's uuid or boolean, say) decodes from its text by the source kind. Text, enum
 * and UUID keys order by {@code CAST(col AS BINARY)}, which is UTF-8 byte order, i.e. code point order as
 * {@link KeyOrder} wants, whatever the column's collation (this bypasses the index for such keys). A table
 * without a key is read whole, in no order ({@code TableDiff} compares it as a multiset of rows).
 */
final class MySqlTableRows implements RowSource {

    /** How one schema column is read from this table. */
    private record Reader(MySqlColumn column, TypeKind kind, boolean sameKind, io.ferry.core.ColumnType type) {
    }

    private static final long MICROS_PER_DAY = 86_400_000_000L;

    private final Connection connection;
    private final MySqlConnections connections;
    private final TableSchema schema;
    private final Reader[] readers;
    private final Reader[] keyReaders;
    private final String select;
    private final String keyList;
    private final String placeholders;

    /** @param def the table actually read, as its catalog describes it */
    MySqlTableRows(Connection connection, MySqlConnections connections, TableDef def, TableSchema schema) {
        this.connection = connection;
        this.connections = connections;
        this.schema = schema;
        String unsupported = schema.primaryKey().isEmpty() ? null : KeyOrder.unsupportedReason(schema);
        if (unsupported != null) {
            throw new FerryException("cannot verify " + schema.table() + ": " + unsupported);
        }
        readers = new Reader[schema.columns().size()];
        List<String> cols = new ArrayList<>();
        for (int i = 0; i < readers.length; i++) {
            Column c = schema.columns().get(i);
            MySqlColumn actual = null;
            for (MySqlColumn m : def.columns) {
                if (m.name.equals(c.name())) {
                    actual = m;
                }
            }
            if (actual == null) {
                throw new FerryException("table " + def.id + " has no column \"" + c.name() + "\" to compare with "
                        + schema.table());
            }
            readers[i] = new Reader(actual, c.type().kind(), actual.kind == c.type().kind(), c.type());
            cols.add(actual.selectExpression());
        }
        int[] key = schema.primaryKey().isEmpty() ? new int[0] : schema.keyIndexes();
        keyReaders = new Reader[key.length];
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < key.length; k++) {
            keyReaders[k] = readers[key[k]];
            String q = Backticks.quote(schema.columns().get(key[k]).name());
            keys.add(KeyOrder.textual(keyReaders[k].kind()) ? "CAST(" + keyReaders[k].column().asText(q) + " AS BINARY)"
                    : q);
        }
        this.select = "SELECT " + String.join(", ", cols) + " FROM " + Backticks.quote(def.id);
        this.keyList = String.join(", ", keys);
        this.placeholders = "(" + String.join(", ", Collections.nCopies(key.length, "?")) + ")";
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
        String sql = select + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where))
                + (keyList.isEmpty() ? "" : " ORDER BY " + keyList) + " LIMIT " + limit;
        List<Object[]> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            int p = bind(ps, 1, after);
            bind(ps, p, through);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object[] row = new Object[readers.length];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = read(readers[i], rs, i + 1);
                    }
                    out.add(row);
                }
            }
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            throw state.startsWith("08") ? connections.lost(e) : new FerryException("cannot read " + schema.table()
                    + " for verify: " + MySqlConnections.firstLine(e), e, false);
        }
        return out;
    }

    private static Object read(Reader r, ResultSet rs, int i) throws SQLException {
        MySqlColumn c = r.column();
        if (r.sameKind()) {
            return c.kind == TypeKind.BYTES ? c.fromSnapshot(null, rs.getBytes(i)) : c.fromSnapshot(rs.getString(i), null);
        }
        if (r.kind() == TypeKind.BYTES || (r.kind() == TypeKind.UUID && c.kind == TypeKind.BYTES)) {
            byte[] b = rs.getBytes(i);
            if (b == null || r.kind() == TypeKind.BYTES) {
                return b;
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            return b.length == 16 ? new UUID(bb.getLong(), bb.getLong()) : new String(b, StandardCharsets.UTF_8);
        }
        String text = rs.getString(i);
        if (text != null && r.kind() == TypeKind.ARRAY) {
            // A MySQL sink keeps an array as a JSON array; read back as the source's list (else compared as text).
            List<Object> list = JsonArrayValues.parse(text, r.type());
            return list == null ? text : list;
        }
        return text == null ? null : byKind(r.kind(), text);
    }

    /** A value a target holds in a type of another kind than the source's, from its text. */
    static Object byKind(TypeKind kind, String text) {
        try {
            return switch (kind) {
                case INT16 -> Short.valueOf(text);
                case INT32 -> Integer.valueOf(text);
                case INT64 -> Long.valueOf(text);
                case DECIMAL -> new BigDecimal(text);
                case FLOAT32 -> Float.valueOf(text);
                case FLOAT64 -> Double.valueOf(text);
                case BOOLEAN -> !(text.equals("0") || text.equalsIgnoreCase("false") || text.equalsIgnoreCase("f"));
                case DATE -> LocalDate.parse(text);
                // A sink stores PostgreSQL's 24:00:00 (LocalTime.MAX) as MySQL's 24:00:00, which is no time of day.
                case TIME -> MySqlColumn.parseTimeMicros(text) == MICROS_PER_DAY ? LocalTime.MAX
                        : LocalTime.ofNanoOfDay(MySqlColumn.parseTimeMicros(text) * 1000);
                case DURATION -> java.time.Duration.of(MySqlColumn.parseTimeMicros(text),
                        java.time.temporal.ChronoUnit.MICROS);
                case TIMETZ -> text.startsWith("24:00:00")
                        ? OffsetTime.of(LocalTime.MAX, OffsetTime.parse("00" + text.substring(2)).getOffset())
                        : OffsetTime.parse(text);
                case TIMESTAMP -> dateTime(text);
                case TIMESTAMPTZ -> text.endsWith("Z") || text.indexOf('+', 10) > 0 ? Instant.parse(text.replace(' ', 'T'))
                        : dateTime(text).toInstant(ZoneOffset.UTC);
                case UUID -> UUID.fromString(text.trim());
                default -> text;
            };
        } catch (RuntimeException e) {
            return text;   // compared as text: shows up as a difference naming the value
        }
    }

    private static LocalDateTime dateTime(String text) {
        return LocalDateTime.parse(text.length() > 10 && text.charAt(10) == ' '
                ? text.substring(0, 10) + "T" + text.substring(11) : text);
    }

    private int bind(PreparedStatement ps, int p, Object[] key) throws SQLException {
        if (key == null) {
            return p;
        }
        for (int k = 0; k < key.length; k++) {
            Object v = key[k];
            Reader r = keyReaders[k];
            if (v == null) {
                ps.setNull(p++, java.sql.Types.VARCHAR);
            } else if (r.kind() == TypeKind.UUID && r.column().kind == TypeKind.BYTES) {
                UUID u = (UUID) v;
                ps.setBytes(p++, ByteBuffer.allocate(16).putLong(u.getMostSignificantBits())
                        .putLong(u.getLeastSignificantBits()).array());
            } else if (KeyOrder.textual(r.kind())) {
                ps.setBytes(p++, v.toString().getBytes(StandardCharsets.UTF_8));
            } else if (v instanceof Instant i) {
                ps.setObject(p++, LocalDateTime.ofInstant(i, ZoneOffset.UTC));
            } else if (v instanceof Short || v instanceof Integer || v instanceof Long) {
                ps.setLong(p++, ((Number) v).longValue());
            } else if (v instanceof Boolean b) {
                ps.setInt(p++, b ? 1 : 0);
            } else {
                ps.setObject(p++, v);
            }
        }
        return p;
    }
}
