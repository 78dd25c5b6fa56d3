package io.ferry.mysql;

import io.ferry.core.TableId;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a table's rows in chunks: by primary key (keyset pagination) where it has one, optionally after a key an
 * earlier read handed over last; else ordered by every column with {@code LIMIT/OFFSET}, which is exact only inside
 * one consistent-snapshot transaction (the caller's): equal rows of a keyless table may repeat, and keyset
 * pagination would skip repeats that straddle a chunk.
 *
 * <p>Keys travel as text (binary columns as hex) so that a resume position can carry them; they are bound back by
 * the column's kind, so numbers compare as numbers, and ENUM and SET labels as the index or bit set the key's order
 * sorts by (compared with a string, the server would compare labels, and chunks would skip and repeat rows).
 */
final class TableReader {

    private static final HexFormat HEX = HexFormat.of();

    /** Receives each chunk, decoded, in order; {@code lastKey} is its last row's key text (null when keyless). */
    interface Chunks {
        void accept(List<Object[]> rows, String[] lastKey, boolean last) throws InterruptedException;
    }

    private TableReader() {
    }

    /**
     * @param columns   the columns to read, in row order; a {@code null} entry reads as NULL (a column the table
     *                  no longer has)
     * @param key       indexes into {@code columns} of a unique key, or empty to order by every column
     * @param after     the key text to continue after (as {@link Chunks} received it), or null to read from the start
     * @param chunkRows rows per chunk, above 0
     */
    static void read(Connection c, TableId table, List<MySqlColumn> columns, int[] key, String[] after,
                     int chunkRows, Chunks out) throws SQLException, InterruptedException {
        if (after != null && after.length != key.length) {
            throw new IllegalArgumentException("a key of " + after.length + " value(s) for " + key.length
                    + " key column(s) of " + table);
        }
        Query q = new Query(table, columns, key, chunkRows);
        String[] lastKey = after;
        long offset = 0;
        while (true) {
            Chunk chunk = q.run(c, lastKey, offset);
            offset += chunk.rows().size();
            lastKey = chunk.lastKey() == null ? lastKey : chunk.lastKey();
            out.accept(chunk.rows(), chunk.last() || key.length == 0 ? null : lastKey, chunk.last());
            if (chunk.last()) {
                return;
            }
        }
    }

    /**
     * Reads every row in one statement, streamed {@code chunkRows} at a time in no particular order, in the caller's
     * transaction: what one consistent snapshot of a whole table needs, without sorting it once per chunk.
     * {@link Chunks} receives no key.
     */
    static void stream(Connection c, TableId table, List<MySqlColumn> columns, int chunkRows, Chunks out)
            throws SQLException, InterruptedException {
        List<String> select = new ArrayList<>();
        for (MySqlColumn col : columns) {
            select.add(col == null ? "NULL" : col.selectExpression());
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", select) + " FROM "
                + Backticks.quote(table))) {
            ps.setFetchSize(chunkRows);
            try (ResultSet rs = ps.executeQuery()) {
                List<Object[]> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(row(rs, columns));
                    if (rows.size() == chunkRows) {
                        out.accept(rows, null, false);
                        rows = new ArrayList<>();
                    }
                }
                out.accept(rows, null, true);
            }
        }
    }

    /** One chunk: its rows, the key text of its last row when it is full (else null), and whether no row follows. */
    record Chunk(List<Object[]> rows, String[] lastKey, boolean last) {
    }

    /**
     * The next chunk of a keyed table, after {@code after} (null: from its first row), in the caller's transaction
     * or statement: what a copy reading one chunk at a time alongside the stream needs.
     */
    static Chunk chunk(Connection c, TableId table, List<MySqlColumn> columns, int[] key, String[] after,
                       int chunkRows) throws SQLException {
        if (key.length == 0 || after != null && after.length != key.length) {
            throw new IllegalArgumentException("a chunk of " + table + " needs its key, got " + key.length
                    + " key column(s) and a key of " + (after == null ? 0 : after.length) + " value(s)");
        }
        return new Query(table, columns, key, chunkRows).run(c, after, 0);
    }

    /** The statements that read a table's chunks. */
    private static final class Query {
        private final List<MySqlColumn> columns;
        private final int[] key;
        private final int chunkRows;
        private final String first;
        private final String next;

        Query(TableId table, List<MySqlColumn> columns, int[] key, int chunkRows) {
            this.columns = columns;
            this.key = key;
            this.chunkRows = chunkRows;
            List<String> select = new ArrayList<>();
            List<String> all = new ArrayList<>();
            for (MySqlColumn col : columns) {
                select.add(col == null ? "NULL" : col.selectExpression());
                if (col != null) {
                    all.add(Backticks.quote(col.name));
                }
            }
            List<String> keys = new ArrayList<>();
            for (int k : key) {
                keys.add(Backticks.quote(columns.get(k).name));
            }
            String keyList = String.join(", ", keys);
            String from = "SELECT " + String.join(", ", select) + " FROM " + Backticks.quote(table);
            String order = " ORDER BY " + (key.length == 0 ? String.join(", ", all) : keyList) + " LIMIT " + chunkRows;
            this.first = from + order;
            this.next = key.length == 0 ? from + order + " OFFSET ?"
                    : from + " WHERE (" + keyList + ") > (" + "?, ".repeat(key.length - 1) + "?)" + order;
        }

        Chunk run(Connection c, String[] after, long offset) throws SQLException {
            List<Object[]> rows = new ArrayList<>();
            String[] lastKey = null;
            try (PreparedStatement ps = c.prepareStatement(offset == 0 && after == null ? first : next)) {
                if (after != null) {
                    for (int i = 0; i < after.length; i++) {
                        bind(ps, i + 1, columns.get(key[i]), after[i]);
                    }
                } else if (offset > 0) {
                    ps.setLong(1, offset);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = row(rs, columns);
                        if (key.length > 0 && rows.size() == chunkRows - 1) {
                            lastKey = new String[key.length];
                            for (int k = 0; k < key.length; k++) {
                                lastKey[k] = keyText(rs, key[k] + 1, columns.get(key[k]));
                            }
                        }
                        rows.add(row);
                    }
                }
            }
            return new Chunk(rows, lastKey, rows.size() < chunkRows);
        }
    }

    /** Rows read from one key range, and for a range open at its end the key text of the last one (else null). */
    record Rows(List<Object[]> rows, String[] lastKey) {
    }

    /**
     * The key text of the {@code rows}-th row after {@code after} (null: from the first row) in key order, or null
     * when fewer rows follow: where a range of {@code rows} rows ends.
     *
     * @param key indexes into {@code columns} of a unique key, not empty
     */
    static String[] boundary(Connection c, TableId table, List<MySqlColumn> columns, int[] key, String[] after,
                             int rows) throws SQLException {
        List<String> select = new ArrayList<>();
        for (int k : key) {
            select.add(columns.get(k).selectExpression());
        }
        String sql = "SELECT " + String.join(", ", select) + " FROM " + Backticks.quote(table)
                + (after == null ? "" : " WHERE " + compare(columns, key, ">")) + " ORDER BY " + keyList(columns, key)
                + " LIMIT 1 OFFSET " + (rows - 1);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, 1, columns, key, after);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String[] found = new String[key.length];
                for (int k = 0; k < key.length; k++) {
                    found[k] = keyText(rs, k + 1, columns.get(key[k]));
                }
                return found;
            }
        }
    }

    /**
     * Reads the rows whose keys are in {@code (from, to]} in key order ({@code from} null: from the first row;
     * {@code to} null: to the end, at most {@code limit} rows).
     *
     * @param key indexes into {@code columns} of a unique key, not empty
     */
    static Rows range(Connection c, TableId table, List<MySqlColumn> columns, int[] key, String[] from, String[] to,
                      int limit) throws SQLException {
        List<String> select = new ArrayList<>();
        for (MySqlColumn col : columns) {
            select.add(col == null ? "NULL" : col.selectExpression());
        }
        List<String> where = new ArrayList<>();
        if (from != null) {
            where.add(compare(columns, key, ">"));
        }
        if (to != null) {
            where.add(compare(columns, key, "<="));
        }
        String sql = "SELECT " + String.join(", ", select) + " FROM " + Backticks.quote(table)
                + (where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where)) + " ORDER BY "
                + keyList(columns, key) + (to == null ? " LIMIT " + limit : "");
        List<Object[]> rows = new ArrayList<>();
        String[] lastKey = null;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, bind(ps, 1, columns, key, from), columns, key, to);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs, columns));
                    if (to == null) {
                        lastKey = new String[key.length];
                        for (int k = 0; k < key.length; k++) {
                            lastKey[k] = keyText(rs, key[k] + 1, columns.get(key[k]));
                        }
                    }
                }
            }
        }
        return new Rows(rows, lastKey);
    }

    private static String keyList(List<MySqlColumn> columns, int[] key) {
        List<String> keys = new ArrayList<>();
        for (int k : key) {
            keys.add(Backticks.quote(columns.get(k).name));
        }
        return String.join(", ", keys);
    }

    private static String compare(List<MySqlColumn> columns, int[] key, String op) {
        return "(" + keyList(columns, key) + ") " + op + " (" + "?, ".repeat(key.length - 1) + "?)";
    }

    private static int bind(PreparedStatement ps, int index, List<MySqlColumn> columns, int[] key, String[] text)
            throws SQLException {
        for (int i = 0; text != null && i < text.length; i++) {
            bind(ps, index++, columns.get(key[i]), text[i]);
        }
        return index;
    }

    private static Object[] row(ResultSet rs, List<MySqlColumn> columns) throws SQLException {
        Object[] row = new Object[columns.size()];
        for (int i = 0; i < row.length; i++) {
            MySqlColumn col = columns.get(i);
            row[i] = col == null ? null : col.kind == TypeKind.BYTES
                    ? col.fromSnapshot(null, rs.getBytes(i + 1))
                    : col.fromSnapshot(rs.getString(i + 1), null);
        }
        return row;
    }

    private static String keyText(ResultSet rs, int index, MySqlColumn col) throws SQLException {
        return col.kind == TypeKind.BYTES ? HEX.formatHex(rs.getBytes(index)) : rs.getString(index);
    }

    private static void bind(PreparedStatement ps, int index, MySqlColumn col, String text) throws SQLException {
        if (col.dataType.equals("enum") || col.dataType.equals("set")) {
            ps.setLong(index, ordinal(col, text));
            return;
        }
        switch (col.kind) {
            case INT16, INT32, INT64 -> ps.setLong(index, Long.parseLong(text));
            case DECIMAL -> ps.setBigDecimal(index, new BigDecimal(text));
            case BYTES -> ps.setBytes(index, HEX.parseHex(text));
            default -> ps.setString(index, text);
        }
    }

    /** An ENUM label's index (1-based, 0 for the '' of an invalid value) or a SET's bits, as the server sorts them. */
    static long ordinal(MySqlColumn col, String text) {
        if (col.dataType.equals("enum")) {
            return text.isEmpty() ? 0 : labelIndex(col, text) + 1;
        }
        long bits = 0;
        for (String label : text.isEmpty() ? new String[0] : text.split(",")) {
            bits |= 1L << labelIndex(col, label);
        }
        return bits;
    }

    private static int labelIndex(MySqlColumn col, String label) {
        int i = col.labels.indexOf(label);
        if (i < 0) {
            // A resume key whose label an ALTER removed: no position in the key's order can be told for it.
            throw new IllegalStateException("key value '" + label + "' is not a label of " + col.name + " "
                    + col.labels);
        }
        return i;
    }
}
