package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The snapshot reads key ranges through COPY: every column text, escapes and NULLs included, must be what
 * {@code getString} gives for the same SELECT, or a value would arrive different from how a SELECT read it.
 */
class CopyOutRowsTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void everyColumnTextIsWhatGetStringGives() throws Exception {
        PG.execute("DROP TABLE IF EXISTS cor_t", "DROP TYPE IF EXISTS cor_pair",
                "CREATE TYPE cor_pair AS (a text, b int)",
                "CREATE TABLE cor_t (id int PRIMARY KEY, t text, b bytea, arr text[], j jsonb, i interval, m money,"
                        + " ts timestamptz, n numeric, f float8, p point, pair cor_pair, v tsvector, c char(3))",
                "INSERT INTO cor_t VALUES (1, E'tab\\there\\nline\\rcr\\\\slash\\bbs\\fff\\x0bvt\\x01ctl', E'\\\\x005c0a09ff',"
                        + " ARRAY['q\"uote', E'back\\\\slash', NULL, 'NULL', ''], '{\"k\": \"v\\\\n\\\"x\\\"\", \"t\": \"a\\tb\"}',"
                        + " '1 year 2 mons -3 days 04:05:06.789', 12.34, '2024-02-29 23:59:59.999999+05:30', 'NaN',"
                        + " '-Infinity', '(1.5,-2)', ROW(E'a\\\\b\\tc', 7), 'a:1 fat cat', 'x')",
                "INSERT INTO cor_t VALUES (2, '\\N', '', '{}', 'null', '0', 0, 'infinity', '0.000100', 'NaN', '(0,0)',"
                        + " ROW(NULL, NULL), '', ' ')",
                "INSERT INTO cor_t (id, t) VALUES (3, NULL), (4, ''), (5, 'é 😀 ü'), (6, E'\\\\N'), (7, E'ends with \\\\')");
        String select = "SELECT id, t, b, arr, j, i, m, ts, n, f, p, pair, v, c FROM cor_t ORDER BY id";
        List<String[]> expected = new ArrayList<>();
        List<String[]> copied = new ArrayList<>();
        try (Connection c = PG.connect()) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(select)) {
                while (rs.next()) {
                    String[] row = new String[14];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getString(i + 1);
                    }
                    expected.add(row);
                }
            }
            try (CopyOutRows copy = new CopyOutRows(c, select, 14)) {
                String[] row;
                while ((row = copy.next()) != null) {
                    copied.add(row.clone());
                }
            }
        }
        assertThat(expected).hasSize(7);
        assertThat(expected.get(0)[1]).contains("\t", "\n", "\r", "\\", "\b", "\f", "\u000b", "\u0001");
        assertThat(expected.get(1)[1]).isEqualTo("\\N");
        assertThat(expected.get(2)[1]).isNull();
        for (int r = 0; r < expected.size(); r++) {
            assertThat(copied.get(r)).as("row %d: %s", r + 1, Arrays.toString(expected.get(r)))
                    .containsExactly(expected.get(r));
        }
    }

    @Test
    void rowsLeftUnreadAreDiscardedAndTheConnectionStaysUsable() throws Exception {
        try (Connection c = PG.connect()) {
            try (CopyOutRows copy = new CopyOutRows(c, "SELECT g, g::text FROM generate_series(1, 100000) g", 2)) {
                assertThat(copy.next()).containsExactly("1", "1");
            }
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 42")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }
}
