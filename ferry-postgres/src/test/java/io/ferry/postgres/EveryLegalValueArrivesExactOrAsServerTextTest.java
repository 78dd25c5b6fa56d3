package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ColumnType;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The type matrix beyond the built-in scalars: domains, composites, ranges, multiranges, money, bit strings, xml,
 * hstore, citext, arrays of every kind of element, timetz at 24:00, 4-byte UTF-8 and the infinities. Each value
 * arrives identically from snapshot and stream, either exact in its kind or, for the types without a portable
 * kind, as the server's own text form (kind UNKNOWN, the type's name in sourceName). None stops the capture.
 */
class EveryLegalValueArrivesExactOrAsServerTextTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "matrix_slot";

    /** Column, type, literal of row 1, and the kind the column is published as. */
    private static final Object[][] COLUMNS = {
        {"dom_text", "short_text", "'domain ✓'", TypeKind.TEXT},
        {"dom_num", "price", "'-12345.678'", TypeKind.DECIMAL},
        {"dom_arr", "int_list", "'{1,2,3}'", TypeKind.ARRAY},
        {"dom_ts", "moment", "'2024-01-01 00:00:00+00'", TypeKind.TIMESTAMPTZ},
        {"comp", "pair", "ROW(1, 'a \"b\", c')", TypeKind.UNKNOWN},
        {"rng", "int4range", "'[1,10)'", TypeKind.UNKNOWN},
        {"nrng", "numrange", "'(,5.5]'", TypeKind.UNKNOWN},
        {"trng", "tstzrange", "'[2024-01-01 00:00:00+00,infinity)'", TypeKind.UNKNOWN},
        {"mrng", "int4multirange", "'{[1,3), [5,7)}'", TypeKind.UNKNOWN},
        {"mon", "money", "'-92233720368547758.08'", TypeKind.UNKNOWN},
        {"bits", "bit(4)", "B'1010'", TypeKind.UNKNOWN},
        {"vbits", "bit varying(70)", "B'1' || repeat('0', 68)::varbit || B'1'", TypeKind.UNKNOWN},
        {"doc", "xml", "'<a b=\"1\">x &amp; ☃</a>'", TypeKind.UNKNOWN},
        {"hs", "hstore", "'a=>1, \"b c\"=>NULL'", TypeKind.UNKNOWN},
        {"ci", "citext", "'MiXeD 😀'", TypeKind.TEXT},
        {"arr_dom", "price[]", "'{1.5,NULL,-2}'", TypeKind.ARRAY},
        {"arr_enum", "feeling[]", "'{ok,\"not ok\",NULL}'", TypeKind.ARRAY},
        {"arr_comp", "pair[]", "ARRAY[ROW(1, 'x')::pair, ROW(NULL, NULL)::pair, NULL]", TypeKind.ARRAY},
        {"arr_empty", "int[]", "'{}'", TypeKind.ARRAY},
        {"arr_nulls", "text[]", "ARRAY[NULL, 'NULL', '', NULL]", TypeKind.ARRAY},
        {"arr_3d", "int[]", "'{{{1,2},{3,4}},{{5,6},{7,NULL}}}'", TypeKind.ARRAY},
        {"arr_box", "box[]", "ARRAY['(1,1),(0,0)'::box, '(3,3),(2,2)'::box]", TypeKind.ARRAY},
        {"arr_utf", "text[]", "ARRAY['𝄞', '😀 \"q\"']", TypeKind.ARRAY},
        {"ttz_24", "timetz", "'24:00:00+00'", TypeKind.TIMETZ},
        {"ttz_far", "timetz", "'00:00:00.000001-15:59'", TypeKind.TIMETZ},
        {"utf4", "text", "'𝄞 😀 𠜎'", TypeKind.TEXT},
        {"num_nan", "numeric", "'NaN'", TypeKind.DECIMAL},
        {"num_inf", "numeric", "'Infinity'", TypeKind.DECIMAL},
        {"num_ninf", "numeric", "'-Infinity'", TypeKind.DECIMAL},
        {"f8_nan", "double precision", "'NaN'", TypeKind.FLOAT64},
        {"f4_ninf", "real", "'-Infinity'", TypeKind.FLOAT32},
        {"date_inf", "date", "'infinity'", TypeKind.DATE},
        {"date_far", "date", "'5874897-12-31'", TypeKind.DATE},
        {"ts_ninf", "timestamp", "'-infinity'", TypeKind.TIMESTAMP},
        {"ts_bc", "timestamp", "'4713-01-01 00:00:00 BC'", TypeKind.TIMESTAMP},
        {"tstz_far", "timestamptz", "'294276-12-31 23:59:59.999999+00'", TypeKind.TIMESTAMPTZ},
    };

    private static final Map<String, Object> EXACT = new LinkedHashMap<>();

    static {
        EXACT.put("dom_text", "domain ✓");
        EXACT.put("dom_num", new BigDecimal("-12345.678"));
        EXACT.put("dom_arr", List.of(1, 2, 3));
        EXACT.put("dom_ts", Instant.parse("2024-01-01T00:00:00Z"));
        EXACT.put("ci", "MiXeD 😀");
        EXACT.put("arr_dom", Arrays.asList(new BigDecimal("1.500"), null, new BigDecimal("-2.000")));
        EXACT.put("arr_enum", Arrays.asList("ok", "not ok", null));
        EXACT.put("arr_comp", Arrays.asList("(1,x)", "(,)", null));
        EXACT.put("arr_empty", List.of());
        EXACT.put("arr_nulls", Arrays.asList(null, "NULL", "", null));
        EXACT.put("arr_3d", List.of(List.of(List.of(1, 2), List.of(3, 4)),
                List.of(List.of(5, 6), Arrays.asList(7, null))));
        EXACT.put("arr_box", List.of("(1,1),(0,0)", "(3,3),(2,2)"));
        EXACT.put("arr_utf", List.of("𝄞", "😀 \"q\""));
        EXACT.put("ttz_24", OffsetTime.of(LocalTime.MAX, ZoneOffset.UTC));
        EXACT.put("ttz_far", OffsetTime.of(0, 0, 0, 1000, ZoneOffset.ofHoursMinutes(-15, -59)));
        EXACT.put("utf4", "𝄞 😀 𠜎");
        EXACT.put("num_nan", "NaN");
        EXACT.put("num_inf", "Infinity");
        EXACT.put("num_ninf", "-Infinity");
        EXACT.put("f8_nan", Double.NaN);
        EXACT.put("f4_ninf", Float.NEGATIVE_INFINITY);
        EXACT.put("date_inf", LocalDate.MAX);
        EXACT.put("date_far", LocalDate.of(5874897, 12, 31));
        EXACT.put("ts_ninf", LocalDateTime.MIN);
        EXACT.put("ts_bc", LocalDateTime.of(-4712, 1, 1, 0, 0));
        EXACT.put("tstz_far", Instant.parse("+294276-12-31T23:59:59.999999Z"));
    }

    @BeforeAll
    static void createTable() throws Exception {
        try (Connection c = PG.admin(PostgresTestServer.DATABASE); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS hstore");
            st.execute("CREATE EXTENSION IF NOT EXISTS citext");
        }
        StringBuilder columns = new StringBuilder("id int PRIMARY KEY");
        StringBuilder names = new StringBuilder("id");
        StringBuilder values = new StringBuilder("1");
        for (Object[] col : COLUMNS) {
            columns.append(", ").append(col[0]).append(' ').append(col[1]);
            names.append(", ").append(col[0]);
            values.append(", ").append(col[2]);
        }
        PG.execute("CREATE DOMAIN short_text AS varchar(20) CHECK (VALUE <> 'bad')",
                "CREATE DOMAIN price AS numeric(12,3)", "CREATE DOMAIN int_list AS int[]",
                "CREATE DOMAIN moment AS timestamptz", "CREATE TYPE pair AS (x int, y text)",
                "CREATE TYPE feeling AS ENUM ('ok', 'not ok')",
                "CREATE TABLE matrix (" + columns + ")",
                "INSERT INTO matrix (" + names + ") VALUES (" + values + ")", "INSERT INTO matrix (id) VALUES (2)");
    }

    @AfterAll
    static void dropSlot() {
        PG.dropSlot(SLOT);
    }

    @Test
    void snapshotAndStreamDeliverEachValueExactlyOrAsTheServersText() throws Exception {
        Map<String, String> serverText = serverText();
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("matrix"), SnapshotMode.INITIAL),
                SLOT), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 2 || c.failure() != null);
            PG.execute("INSERT INTO matrix SELECT id + 10, " + String.join(", ", names()) + " FROM matrix");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 4 || c.failure() != null);
            assertThat(c.failure()).isNull();
            TableSchema schema = c.handler.schemas.get(0);
            for (Object[] col : COLUMNS) {
                ColumnType type = schema.columns().get(schema.indexOf((String) col[0])).type();
                assertThat(type.kind()).as("kind of %s", col[0]).isEqualTo(col[3]);
            }
            assertThat(type(schema, "comp").sourceName()).isEqualTo("pair");
            assertThat(type(schema, "hs").sourceName()).isEqualTo("hstore");
            assertThat(type(schema, "dom_num").sourceName()).isEqualTo("price");
            assertThat(type(schema, "arr_dom").element().kind()).isEqualTo(TypeKind.DECIMAL);
            assertThat(type(schema, "arr_enum").element().kind()).isEqualTo(TypeKind.ENUM);
            assertThat(type(schema, "dom_arr").element().kind()).isEqualTo(TypeKind.INT32);

            for (ChangeEvent e : c.handler.changes) {
                boolean full = (Integer) e.after()[0] % 10 == 1;
                assertThat(e.op()).isIn(Operation.READ, Operation.CREATE);
                for (Object[] col : COLUMNS) {
                    String name = (String) col[0];
                    Object expected = !full ? null
                            : EXACT.containsKey(name) ? EXACT.get(name) : serverText.get(name);
                    assertThat(e.after()[schema.indexOf(name)]).as("%s of row %s (%s)", name, e.after()[0], e.op())
                            .isEqualTo(expected);
                }
            }
        }
    }

    private static ColumnType type(TableSchema schema, String column) {
        return schema.columns().get(schema.indexOf(column)).type();
    }

    private static List<String> names() {
        return Arrays.stream(COLUMNS).map(col -> (String) col[0]).toList();
    }

    /** Row 1's text forms, read under the capture's session settings. */
    private static Map<String, String> serverText() throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        PgConnections connections = new PgConnections(PG.sourceConfig(List.of("matrix"), SnapshotMode.NEVER));
        try (Connection c = connections.regular(); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT " + String.join(", ", names()) + " FROM matrix WHERE id = 1")) {
            rs.next();
            for (String name : names()) {
                out.put(name, rs.getString(name));
            }
        }
        assertThat(out.get("mon")).isEqualTo("-$92,233,720,368,547,758.08");
        assertThat(out.get("hs")).isEqualTo("\"a\"=>\"1\", \"b c\"=>NULL");
        return out;
    }
}
