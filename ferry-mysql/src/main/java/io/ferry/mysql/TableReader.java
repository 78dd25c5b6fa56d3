package io.ferry.mysql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a table's rows in chunks: by primary key (keyset pagination) where it has one; else ordered by every
 * column with {@code LIMIT/OFFSET}, which is exact only inside one consistent-snapshot transaction (the caller's):
 * equal rows of a keyless table may repeat, and keyset pagination would skip repeats that straddle a chunk.
 */
final class TableReader {

    static final int CHUNK_ROWS = 10_000;

    /** Receives each chunk, decoded, in order. */
    interface Chunks {
        void accept(List<Object[]> rows, boolean last) throws InterruptedException;
    }

    private TableReader() {
    }

    /**
     * @param columns the columns to read, in row order; a {@code null} entry reads as NULL (a column the table
     *                no longer has)
     * @param key     indexes into {@code columns} of a unique key, or empty to order by every column
     */
    static void read(Connection c, io.ferry.core.TableId table, List<MySqlColumn> columns, int[] key, Chunks out)
            throws SQLException, InterruptedException {
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
        String order = " ORDER BY " + (key.length == 0 ? String.join(", ", all) : keyList) + " LIMIT " + CHUNK_ROWS;
        String next = key.length == 0 ? from + order + " OFFSET ?"
                : from + " WHERE (" + keyList + ") > (" + "?, ".repeat(key.length - 1) + "?)" + order;
        Object[] lastKey = null;
        long offset = 0;
        while (true) {
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(offset == 0 && lastKey == null ? from + order : next)) {
                if (lastKey != null) {
                    for (int i = 0; i < lastKey.length; i++) {
                        ps.setObject(i + 1, lastKey[i]);
                    }
                } else if (offset > 0) {
                    ps.setLong(1, offset);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Object[] row = new Object[columns.size()];
                        for (int i = 0; i < row.length; i++) {
                            MySqlColumn col = columns.get(i);
                            row[i] = col == null ? null : col.kind == io.ferry.core.TypeKind.BYTES
                                    ? col.fromSnapshot(null, rs.getBytes(i + 1))
                                    : col.fromSnapshot(rs.getString(i + 1), null);
                        }
                        if (key.length > 0 && rows.size() == CHUNK_ROWS - 1) {
                            lastKey = new Object[key.length];
                            for (int k = 0; k < key.length; k++) {
                                lastKey[k] = rs.getObject(key[k] + 1);
                            }
                        }
                        rows.add(row);
                    }
                }
            }
            offset += rows.size();
            boolean last = rows.size() < CHUNK_ROWS;
            out.accept(rows, last);
            if (last) {
                return;
            }
        }
    }
}
