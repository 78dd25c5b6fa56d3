package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every PostgreSQL type Ferry captures, over its whole value range (extremes, negatives, NaN and ±Infinity, empty
 * arrays, NULL inside arrays, multi-dimensional arrays, 4-byte UTF-8), from the snapshot and from streamed inserts,
 * updates, a key change and deletes, through Kafka into each target kind: the real {@code ferry verify} exits 0 and
 * the hardest cells read back by SQL as docs/types.md says. Values a MySQL/MariaDB target cannot hold (NaN and
 * infinite floats, NaN for a bounded numeric, dates outside years 1 to 9999, arrays whose lower bounds are not 1) sit
 * in their own table, one per row: there each such event is dead-lettered naming table, key and value, and never
 * stored as something else. A PostgreSQL target keeps those arrays' bounds, and verify fails when only bounds differ.
 * ClickHouse 18.16 and Iceberg get the same matrix, except for the values they cannot hold (ClickHouse 18's dates
 * outside 1970 to 2105, infinite timestamps; for Iceberg also 24:00:00 and arrays of more dimensions than the
 * declared type), which move to the unholdable table: there each is dead-lettered by name, and their column types and
 * hardest cells are asserted as they read back (ClickHouseMatrix, IcebergMatrix).
 */
@ParameterizedClass
@EnumSource(MatrixTarget.class)
class PostgresTypeMatrixIT {

    /**
     * The matrix: column, PostgreSQL type, then the values of rows 1 (maxima), 2 (minima), 3 (special values) and
     * 5 (empty values) as SQL expressions. Row 4 is NULL in every column.
     */
    private static final String[][] MATRIX = {
            {"i2", "smallint", "32767", "-32768", "0", "0"},
            {"i4", "integer", "2147483647", "-2147483648", "-1", "0"},
            {"i8", "bigint", "9223372036854775807", "-9223372036854775808", "-1", "0"},
            {"num", "numeric(40,20)", "'99999999999999999999.99999999999999999999'",
                    "'-99999999999999999999.99999999999999999999'", "'-0.00000000000000000001'", "0"},
            {"num_any", "numeric", "(repeat('9', 400) || '.' || repeat('9', 400))::numeric",
                    "('-0.' || repeat('0', 999) || '1')::numeric", "'NaN'", "'Infinity'"},
            {"f4", "real", "'3.4028235e38'", "'-3.4028235e38'", "'1.4e-45'", "'-0'"},
            {"f8", "double precision", "'1.7976931348623157e308'", "'-1.7976931348623157e308'", "'4.9e-324'",
                    "'-0'"},
            {"b", "boolean", "true", "false", "true", "false"},
            {"t", "text", "'emoji 😀 𝄞 ünïcode'", "''", "'NULL'", "'tab' || chr(9) || 'line' || chr(10) || '\\'"},
            {"vc", "varchar(10)", "'😀😀😀😀😀😀😀😀😀😀'", "''", "'x'", "' '"},
            {"c", "char(5)", "'ab'", "''", "'😀'", "'abcde'"},
            {"qc", "\"char\"", "'~'", "'a'", "'0'", "' '"},
            {"nm", "name", "'name 😀'", "''", "'x'", "'y'"},
            {"ci", "citext", "'CamelCase 😀'", "'lower'", "'ÄÖÜ'", "''"},
            {"by", "bytea", "'\\x00ff0001'::bytea", "''::bytea", "'\\xdeadbeef'::bytea", "'\\x00'::bytea"},
            {"d", "date", "'9999-12-31'", "'0001-01-01'", "'2024-02-29'", "'1970-01-01'"},
            {"tm", "time", "'24:00:00'", "'00:00:00'", "'23:59:59.999999'", "'12:00:00.000001'"},
            {"ttz", "timetz", "'24:00:00+05:30'", "'00:00:00-15:59'", "'23:59:59.999999+15:59'", "'00:00:00+00'"},
            {"ts", "timestamp", "'9999-12-31 23:59:59.999999'", "'0001-01-01 00:00:00'",
                    "'2024-02-29 12:34:56.789012'", "'1970-01-01 00:00:00'"},
            {"tstz", "timestamptz", "'9999-12-31 23:59:59.999999+00'", "'0001-01-01 00:00:00+00'",
                    "'2024-02-29 12:34:56.789012+05:30'", "'1970-01-01 00:00:00+00'"},
            {"iv", "interval", "'178000000 years 11 mons 2147483647 days 2562047788:00:54.775807'",
                    "'-178000000 years -11 mons -2147483648 days -2562047788:00:54.775807'",
                    "'1 year 2 months -3 days 04:05:06.000007'", "'0'"},
            {"u", "uuid", "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'00000000-0000-0000-0000-000000000000'",
                    "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'"},
            {"j", "json", "'{\"k\": \"värde 😀\", \"n\": [1, 2.50, -1e300]}'", "'[]'", "'null'", "'\"\"'"},
            {"jb", "jsonb", "'{\"b\": 1, \"a\": \"😀\", \"z\": [true, null]}'", "'{}'", "'-0.5'", "'\"\"'"},
            {"m", "mood", "'happy 😀'", "'sad'", "'sad'", "'happy 😀'"},
            {"dom_i", "posint", "2147483647", "1", "1", "1"},
            {"dom_t", "label", "'label 😀'", "''", "'NULL'", "''"},
            {"dom_n", "price", "'9999999999.99'", "'-9999999999.99'", "'0.01'", "0"},
            {"dom_arr", "posint[]", "'{1,NULL,2147483647}'", "'{1}'", "'{NULL}'", "'{}'"},
            {"comp", "pair", "ROW(2147483647, 'a \"b\", c 😀')::pair", "ROW(-2147483648, '')::pair",
                    "ROW(NULL, NULL)::pair", "ROW(0, 'NULL')::pair"},
            {"r4", "int4range", "'[-2147483648,2147483647)'", "'empty'", "'(,)'", "'[1,2)'"},
            {"r8", "int8range", "'[-9223372036854775808,9223372036854775807)'", "'empty'", "'(,0)'", "'[0,)'"},
            {"rn", "numrange", "'[-1e-20,99999999999999999999.5]'", "'empty'", "'(,)'", "'(0,1)'"},
            {"rts", "tsrange", "'[-infinity,infinity]'", "'empty'", "'[\"4713-01-01 00:00:00 BC\",)'",
                    "'[2024-02-29 12:34:56.789012,2024-03-01)'"},
            {"rtz", "tstzrange", "'[-infinity,infinity]'", "'empty'", "'(,)'",
                    "'[2024-02-29 12:34:56.789012+05:30,2024-03-01 00:00:00+00)'"},
            {"rd", "daterange", "'[4713-01-01 BC,infinity)'", "'empty'", "'(,)'", "'[2024-02-29,2024-03-01)'"},
            {"mr", "int4multirange", "'{[1,3),[5,7)}'", "'{}'", "'{(,)}'", "'{[-2147483648,-2147483647)}'"},
            {"mrn", "nummultirange", "'{(,0),[1.5,2.5]}'", "'{}'", "'{[0,0]}'", "'{}'"},
            {"mo", "money", "'92233720368547758.07'", "'-92233720368547758.08'", "'0.01'", "0"},
            {"bt", "bit(8)", "B'11111111'", "B'00000000'", "B'10100101'", "B'00000001'"},
            {"vb", "bit varying(64)", "repeat('1', 64)::varbit", "''::varbit", "B'0'", "B'101'"},
            {"x", "xml", "'<a b=\"1\">😀 &amp; text</a>'", "'plain text'", "'<e/>'", "''"},
            {"hs", "hstore", "'\"a\"=>\"1\", \"b c\"=>NULL, \"😀\"=>\"ü\"'", "''", "'\"NULL\"=>\"\"'", "''"},
            {"ip", "inet", "'255.255.255.255'", "'::/0'", "'192.168.0.1/24'", "'::1'"},
            {"cd", "cidr", "'10.0.0.0/8'", "'::/0'", "'2001:db8::/32'", "'0.0.0.0/0'"},
            {"mac", "macaddr", "'ff:ff:ff:ff:ff:ff'", "'00:00:00:00:00:00'", "'08:00:2b:01:02:03'", "'01:02:03:04:05:06'"},
            {"pt", "point", "'(1.7976931348623157e308,-Infinity)'", "'(-0,0)'", "'(NaN,1.5)'", "'(0,0)'"},
            {"tv", "tsvector", "'a:1 😀:2 fat:3'", "''", "'''NULL'''", "''"},
            {"lsn", "pg_lsn", "'FFFFFFFF/FFFFFFFF'", "'0/0'", "'16/B374D848'", "'0/1'"},
            {"arr_i", "integer[]", "'{-2147483648,NULL,2147483647}'", "'{}'", "'{NULL}'", "'{0}'"},
            {"arr_t", "text[]", "ARRAY['😀', NULL, '', 'NULL', 'quo\"te', 'back\\slash', '{x,y}']", "'{}'", "'{NULL}'",
                    "'{\"\"}'"},
            {"arr_n", "numeric[]", "'{NaN,Infinity,-Infinity,0.00000000000000000001,-99999999999999999999,NULL}'",
                    "'{}'", "'{NULL}'", "'{0}'"},
            {"arr_f8", "double precision[]", "'{NaN,Infinity,-Infinity,-0,4.9e-324,1.7976931348623157e308,NULL}'",
                    "'{}'", "'{NULL}'", "'{0}'"},
            {"arr_u", "uuid[]", "ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, NULL]", "'{}'", "'{NULL}'",
                    "ARRAY['00000000-0000-0000-0000-000000000000'::uuid]"},
            {"arr_jb", "jsonb[]", "ARRAY['{\"a\": \"😀\"}'::jsonb, 'null', NULL, '[]']", "'{}'", "'{NULL}'",
                    "ARRAY['{}'::jsonb]"},
            {"arr_m", "mood[]", "ARRAY['happy 😀', NULL, 'sad']::mood[]", "'{}'", "'{NULL}'", "'{sad}'"},
            {"arr_comp", "pair[]", "ARRAY[ROW(1, 'x 😀')::pair, NULL, ROW(NULL, NULL)::pair]", "'{}'", "'{NULL}'",
                    "ARRAY[ROW(0, '')::pair]"},
            {"arr_d", "date[]", "'{infinity,-infinity,\"4713-01-01 BC\",9999-12-31,NULL}'", "'{}'", "'{NULL}'",
                    "'{2024-02-29}'"},
            {"arr_tstz", "timestamptz[]", "'{infinity,-infinity,\"2024-02-29 12:34:56.789012+05:30\"}'", "'{}'",
                    "'{NULL}'", "'{\"1970-01-01 00:00:00+00\"}'"},
            {"md", "integer[][]", "'{{1,2},{3,NULL}}'", "'{}'", "'{{{1}},{{NULL}}}'", "'{{0}}'"},
            {"md_t", "text[][]", "ARRAY[ARRAY['😀', NULL], ARRAY['', 'NULL']]", "'{}'", "'{{NULL}}'", "'{{\"\"}}'"},
    };

    /** Values a MySQL/MariaDB target has no way to hold, one per row: column, type, then the rows' values. */
    private static final String[][] UNHOLDABLE = {
            {"f4", "real", "'NaN'", "'Infinity'", "'-Infinity'"},
            {"f8", "double precision", "'NaN'", "'Infinity'", "'-Infinity'"},
            {"n", "numeric(10,2)", "'NaN'"},
            {"d", "date", "'infinity'", "'-infinity'", "'0044-03-15 BC'", "'5874897-12-31'"},
            {"ts", "timestamp", "'infinity'", "'-infinity'", "'4713-01-01 00:00:00 BC'", "'294247-01-10 04:00:54.775806'"},
            {"tstz", "timestamptz", "'infinity'", "'-infinity'", "'0001-12-31 23:59:59.999999+00 BC'",
                    "'294276-12-31 23:59:59.999999+00'"},
            // Arrays whose lower bounds are not 1: a PostgreSQL target keeps the bounds, MySQL's JSON cannot.
            {"ba", "integer[]", "'[0:1]={1,2}'", "'[-2:-1][3:4]={{1,NULL},{3,4}}'"},
            {"bt", "text[]", "'[5:6]={\"a,b\",NULL}'"},
    };

    private static final String COLUMNS = Stream.of(MATRIX).map(c -> c[0]).collect(Collectors.joining(", "));

    private static TestServers servers;

    @TempDir
    Path dir;

    private final MatrixTarget.Bound target;
    /** MATRIX, less the values this target cannot hold, which join the unholdable table's. */
    private final String[][] matrix;
    private final String[][] unholdable;
    private final String earliestDate;
    private final String streamedMd;
    private final String streamedTime;

    PostgresTypeMatrixIT(MatrixTarget kind) {
        this.target = kind.on(servers);
        String[][] m = MATRIX;
        String[][] u = UNHOLDABLE;
        if (kind == MatrixTarget.CLICKHOUSE || kind == MatrixTarget.ICEBERG) {
            // A timestamp beyond years 0 to 9999 (ClickHouse) or 1970 ± 2^63 µs (Iceberg): infinity, even in a list.
            m = replace(m, new String[] {"arr_tstz", "timestamptz[]", "'{\"2024-02-29 12:34:56.789012+05:30\"}'", "'{}'",
                    "'{NULL}'", "'{\"1970-01-01 00:00:00+00\"}'"});
            u = append(u, new String[] {"arr_tstz", "timestamptz[]", "'{infinity}'", "'{-infinity}'"});
        }
        if (kind == MatrixTarget.ICEBERG) {
            // PostgreSQL does not declare an array's dimensions: integer[][] is a list<int>, which holds one.
            m = replace(m, new String[] {"md", "integer[][]", "'{1,2,3,NULL}'", "'{}'", "'{NULL}'", "'{0}'"});
            m = replace(m, new String[] {"md_t", "text[][]", "ARRAY['😀', NULL, '', 'NULL']", "'{}'", "'{NULL}'",
                    "'{\"\"}'"});
            u = append(u, new String[] {"md_n", "integer[][]", "'{{1,2},{3,NULL}}'", "'{{{1}},{{NULL}}}'"});
            u = append(u, new String[] {"md_nt", "text[][]", "'{{a},{NULL}}'"});
            // Iceberg's time ends at 23:59:59.999999.
            m = replace(m, new String[] {"tm", "time", "'23:59:59.999999'", "'00:00:00'", "'23:59:59.999999'",
                    "'12:00:00.000001'"});
            // Iceberg's date is int days from 1970: infinity has none.
            m = replace(m, new String[] {"arr_d", "date[]", "'{\"4713-01-01 BC\",9999-12-31,NULL}'", "'{}'", "'{NULL}'",
                    "'{2024-02-29}'"});
            u = append(u, new String[] {"arr_d", "date[]", "'{infinity}'", "'{-infinity}'"});
            u = append(u, new String[] {"tm", "time", "'24:00:00'"});
        }
        if (kind == MatrixTarget.CLICKHOUSE) {
            // ClickHouse 18's Date holds 1970-01-01 to 2105-12-31: the matrix holds those, the source's extremes
            // go to the unholdable table.
            m = replace(m, new String[] {"d", "date", "'2105-12-31'", "'1970-01-01'", "'2024-02-29'", "'1970-01-01'"});
            u = replace(u, new String[] {"d", "date", "'infinity'", "'-infinity'", "'0044-03-15 BC'",
                    "'5874897-12-31'", "'9999-12-31'", "'0001-01-01'", "'1969-12-31'", "'2106-01-01'"});
        }
        this.matrix = m;
        this.unholdable = u;
        this.earliestDate = kind == MatrixTarget.CLICKHOUSE ? "'1970-01-01'" : "'0001-01-01'";
        this.streamedMd = kind == MatrixTarget.ICEBERG ? "'{1,NULL,NULL,2}'" : "'{{{1,NULL}},{{NULL,2}}}'";
        this.streamedTime = kind == MatrixTarget.ICEBERG ? "'00:00:00.000001'" : "'24:00:00'";
    }

    private static String[][] append(String[][] base, String[] column) {
        return Stream.concat(Stream.of(base), Stream.<String[]>of(column)).toArray(String[][]::new);
    }

    /** {@code base} with the column named like {@code column}'s first cell replaced by it. */
    private static String[][] replace(String[][] base, String[] column) {
        return Stream.of(base).map(c -> c[0].equals(column[0]) ? column : c).toArray(String[][]::new);
    }

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void everyValueOfEveryTypeArrivesExactlyOrIsRefusedByName() throws Exception {
        String label = target.kind().label();
        String source = servers.createDatabase("matrix_source_" + label);
        String db = target.create("matrix_target_" + label);
        createSource(source);
        String name = "matrix-" + label;
        String sink = target.sinkYaml(db, "on-error: dead-letter");
        boolean postgres = target.kind() == MatrixTarget.POSTGRES;
        String identifiers = postgres ? ", '\"public\".\"Émoji 😀 table\"'" : "";
        Path pipeline = servers.pipeline(dir, name, source, "[public.matrix, public.unholdable" + identifiers + "]",
                sink);

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            // The snapshot is in the target before the stream changes those rows.
            await().atMost(Duration.ofSeconds(90)).until(() -> runner.failureMessage() != null
                    || target.count(db, "matrix") == 5);
            assertThat(runner.failureMessage()).isNull();

            streamChanges(source);

            // Only PostgreSQL holds the unholdable table's rows: elsewhere the tables the target can hold verify alone.
            Path verified = postgres ? pipeline : Files.writeString(dir.resolve("verify.yaml"),
                    Files.readString(pipeline).replace("[public.matrix, public.unholdable]", "[public.matrix]"));
            FerryProcess.Result verify = FerryProcess.run(dir, "verify", verified.toString(), "--timeout", "PT90S");
            System.out.println(verify.output());
            assertThat(runner.failureMessage()).isNull();
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).contains("public.matrix: match (8 rows");
            if (postgres) {
                assertThat(verify.output()).contains("public.unholdable: match (" + (unholdableRows() + 4) + " rows")
                        .contains("Émoji 😀 table: match (2 rows");
                assertBoundsAreKeptAndABoundsOnlyDifferenceFailsVerify(db, verified);
            }

            List<String> dead = MatrixTarget.deadLetterReasons(servers.bootstrapServers(), name + ".ferry-dlq");
            System.out.println("dead-lettered:\n  " + String.join("\n  ", dead));
            switch (target.kind()) {
                case POSTGRES -> assertThat(dead).isEmpty();
                case MARIADB, MYSQL -> assertUnholdableValuesWereRefusedByName(db, dead);
                case CLICKHOUSE -> ClickHouseMatrix.assertRefusals(target, db, dead);
                case ICEBERG -> IcebergMatrix.assertRefusals(target, db, dead);
            }
        }
        switch (target.kind()) {
            case CLICKHOUSE -> ClickHouseMatrix.assertTypesAndHardestCells(target, db);
            case ICEBERG -> IcebergMatrix.assertTypesAndHardestCells(target, db);
            default -> assertHardestCells(db);
        }
    }

    private void createSource(String db) {
        List<String> sql = new ArrayList<>(List.of(
                "CREATE EXTENSION hstore",
                "CREATE EXTENSION citext",
                "CREATE TYPE mood AS ENUM ('sad', 'happy 😀')",
                "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
                "CREATE DOMAIN label AS text",
                "CREATE DOMAIN price AS numeric(12,2)",
                "CREATE TYPE pair AS (n integer, s text)",
                "CREATE TABLE matrix (id integer PRIMARY KEY, "
                        + Stream.of(matrix).map(c -> c[0] + " " + c[1]).collect(Collectors.joining(", ")) + ")"));
        for (int row = 0; row < 4; row++) {
            int column = row + 2;
            int id = row == 3 ? 5 : row + 1;
            sql.add("INSERT INTO matrix (id, " + COLUMNS + ") VALUES (" + id + ", "
                    + Stream.of(matrix).map(c -> c[column]).collect(Collectors.joining(", ")) + ")");
        }
        sql.add("INSERT INTO matrix (id) VALUES (4)");
        sql.add("CREATE TABLE unholdable (id integer PRIMARY KEY, "
                + Stream.of(unholdable).map(c -> c[0] + " " + c[1]).collect(Collectors.joining(", ")) + ")");
        int id = 1;
        for (String[] c : unholdable) {
            for (int v = 2; v < c.length; v++) {
                sql.add("INSERT INTO unholdable (id, " + c[0] + ") VALUES (" + id++ + ", " + c[v] + ")");
            }
        }
        // A row every target holds, which a streamed update then gives a value a MySQL target cannot hold.
        sql.add("INSERT INTO unholdable (id, f4, n, d) VALUES (100, 1, 1, '2024-02-29')");
        sql.add("CREATE TABLE \"Émoji 😀 table\" (\"ключ 🔑\" text PRIMARY KEY, \"值 💡\" text)");
        sql.add("INSERT INTO \"Émoji 😀 table\" VALUES ('😀', '𝄞')");
        servers.execute(db, sql.toArray(String[]::new));
    }

    private int unholdableRows() {
        return Stream.of(unholdable).mapToInt(c -> c.length - 2).sum();
    }

    private void streamChanges(String db) {
        servers.execute(db,
                // Every value again, from the stream (one transaction), then updates, a key change and deletes.
                "INSERT INTO matrix (id, " + COLUMNS + ") SELECT id + 10, " + COLUMNS + " FROM matrix",
                "UPDATE matrix SET i8 = -9223372036854775808, num_any = '-Infinity', f8 = '-4.9e-324', arr_n = '{}',"
                        + " t = '𝄞 changed', ttz = '24:00:00-15:59', tm = " + streamedTime + ", comp = ROW(-1, '😀 \"q\"')::pair,"
                        + " hs = hs || '\"new 😀\"=>\"✓\"'::hstore, md = " + streamedMd + ", d = " + earliestDate
                        + " WHERE id = 11",
                "UPDATE matrix SET " + Stream.of(MATRIX).map(c -> c[0] + " = NULL").collect(Collectors.joining(", "))
                        + " WHERE id = 12",
                "UPDATE matrix SET id = 200 WHERE id = 13",
                "DELETE FROM matrix WHERE id IN (14, 3)",
                "INSERT INTO unholdable (id, f8, d) VALUES (101, 'NaN', NULL), (102, NULL, 'infinity')",
                "UPDATE unholdable SET f4 = '-Infinity' WHERE id = 100",
                "INSERT INTO unholdable (id, ba, bt) VALUES (103, '[0:2]={7,NULL,9}', '[-1:-1]={\"😀\"}')",
                "INSERT INTO \"Émoji 😀 table\" VALUES ('🔑', NULL)");
    }

    /**
     * docs/types.md: such an event is rejected naming table, key and value (here: dead-lettered, in order), and the
     * target row keeps what it had.
     */
    private void assertUnholdableValuesWereRefusedByName(String db, List<String> dead) {
        List<String> values = List.of("FLOAT32 value NaN", "FLOAT32 value Infinity", "FLOAT32 value -Infinity",
                "FLOAT64 value NaN", "FLOAT64 value Infinity", "FLOAT64 value -Infinity", "Incorrect decimal value: 'NaN'",
                "DATE value +999999999-12-31", "DATE value -999999999-01-01", "DATE value -0043-03-15",
                "DATE value +5874897-12-31", "TIMESTAMP value +999999999-12-31", "TIMESTAMP value -999999999-01-01",
                "TIMESTAMP value -4712-01-01", "TIMESTAMP value +294247-01-10",
                "TIMESTAMPTZ value +1000000000-12-31T23:59:59.999999999Z",
                "TIMESTAMPTZ value -1000000000-01-01T00:00:00Z", "TIMESTAMPTZ value 0000-12-31T23:59:59.999999Z",
                "TIMESTAMPTZ value +294276-12-31T23:59:59.999999Z", "ARRAY value [0:1]=[1, 2]",
                "ARRAY value [-2:-1][3:4]=[[1, null], [3, 4]]", "ARRAY value [5:6]=[a,b, null]",
                "FLOAT64 value NaN", "DATE value +999999999-12-31", "FLOAT32 value -Infinity",
                "ARRAY value [0:2]=[7, null, 9]");
        List<String> keys = new ArrayList<>();
        for (int id = 1; id <= unholdableRows(); id++) {
            keys.add("(op r) on table " + db + ".unholdable, key {id=" + id + "}");
        }
        keys.addAll(List.of("(op c) on table " + db + ".unholdable, key {id=101}",
                "(op c) on table " + db + ".unholdable, key {id=102}", "(op u) on table " + db + ".unholdable, key {id=100}",
                "(op c) on table " + db + ".unholdable, key {id=103}"));
        assertThat(dead).hasSize(keys.size());
        for (int i = 0; i < dead.size(); i++) {
            assertThat(dead.get(i)).contains(keys.get(i)).contains(values.get(i));
        }
        // Only the row every target holds arrived, and it kept its value when the update was refused.
        assertThat(target.query(db, "SELECT id, f4, n, d FROM unholdable"))
                .containsExactly(List.of("100", "1", "1.00", "2024-02-29"));
    }

    /**
     * docs/types.md: a PostgreSQL target's arrays have the source's lower bounds, from the snapshot and the stream; an
     * array that differs from the source only in its bounds makes {@code ferry verify} exit 1 naming the row.
     */
    private void assertBoundsAreKeptAndABoundsOnlyDifferenceFailsVerify(String db, Path pipeline) throws Exception {
        int first = unholdableRows() - 2;
        assertThat(target.query(db, "SELECT id, ba::text, bt::text, array_lower(ba, 1), array_upper(ba, 1)"
                + " FROM unholdable WHERE ba IS NOT NULL OR bt IS NOT NULL ORDER BY id")).containsExactly(
                Arrays.asList(String.valueOf(first), "[0:1]={1,2}", null, "0", "1"),
                Arrays.asList(String.valueOf(first + 1), "[-2:-1][3:4]={{1,NULL},{3,4}}", null, "-2", "-1"),
                Arrays.asList(String.valueOf(first + 2), null, "[5:6]={\"a,b\",NULL}", null, null),
                Arrays.asList("103", "[0:2]={7,NULL,9}", "[-1:-1]={😀}", "0", "2"));
        servers.execute(db, "UPDATE unholdable SET ba = '{1,2}' WHERE id = " + first);
        // The pipeline has caught up (the previous verify waited for it) and the change is the target's alone.
        FerryProcess.Result differs = FerryProcess.run(dir, "verify", pipeline.toString(), "--no-wait");
        System.out.println(differs.output());
        assertThat(differs.exitCode()).as(differs.output()).isEqualTo(1);
        assertThat(differs.output()).contains("public.unholdable: DIFFERENT").contains("key (" + first + ")")
                .contains("[0:1]={1,2}");
    }

    /** docs/types.md: what each of the hardest cells becomes in this target, read by SQL. */
    private void assertHardestCells(String db) {
        String huge = "9".repeat(400) + "." + "9".repeat(400);
        String tiny = "-0." + "0".repeat(999) + "1";
        String hstore = "\"a\"=>\"1\", \"b c\"=>NULL, \"😀\"=>\"ü\"";
        List<List<String>> cells;
        if (target.kind().isMySql()) {
            cells = target.query(db, "SELECT id, i8, num_any, f4, f8, tm, ttz, d, iv, mo, comp, mr, hs, arr_f8, md"
                    + " FROM matrix WHERE id IN (1, 2, 11) ORDER BY id");
            // Unbounded numerics as their plain digits or words, floats and -0 exact, 24:00:00 kept, intervals as
            // ISO 8601, composites, ranges, money and hstore as PostgreSQL's text, arrays as JSON arrays.
            String f8s = target.kind() == MatrixTarget.MARIADB
                    ? "[\"NaN\", \"Infinity\", \"-Infinity\", -0.0, 4.9E-324, 1.7976931348623157E308, null]"
                    : "[\"NaN\", \"Infinity\", \"-Infinity\", -0.0, 5e-324, 1.7976931348623157e308, null]";
            assertThat(cells).containsExactly(
                    List.of("1", "9223372036854775807", huge, "3.40282e38", "1.7976931348623157e308", "24:00:00.000000",
                            "24:00:00.000000+05:30", "9999-12-31", "P178000000Y11M2147483647DT2562047788H54.775807S",
                            "$92,233,720,368,547,758.07", "(2147483647,\"a \"\"b\"\", c 😀\")", "{[1,3),[5,7)}", hstore,
                            f8s, "[[1, 2], [3, null]]"),
                    List.of("2", "-9223372036854775808", tiny, "-3.40282e38", "-1.7976931348623157e308",
                            "00:00:00.000000", "00:00:00.000000-15:59", "0001-01-01",
                            "P-178000000Y-11M-2147483648DT-2562047788H-54.775807S", "-$92,233,720,368,547,758.08",
                            "(-2147483648,\"\")", "{}", "", "[]", "[]"),
                    List.of("11", "-9223372036854775808", "-Infinity", "3.40282e38", "-5e-324", "24:00:00.000000",
                            "24:00:00.000000-15:59", "0001-01-01", "P178000000Y11M2147483647DT2562047788H54.775807S",
                            "$92,233,720,368,547,758.07", "(-1,\"😀 \"\"q\"\"\")", "{[1,3),[5,7)}",
                            hstore + ", \"new 😀\"=>\"✓\"", f8s, "[[[1, null]], [[null, 2]]]"));
        } else {
            cells = target.query(db, "SELECT id, i8, num_any::text, f4::text, f8::text, tm::text, ttz::text, d::text,"
                    + " iv::text, mo, comp, mr, hs, arr_f8::text, md::text FROM matrix WHERE id IN (1, 2, 11) ORDER BY id");
            String f8s = "{NaN,Infinity,-Infinity,-0,5e-324,1.7976931348623157e+308,NULL}";
            assertThat(cells).containsExactly(
                    List.of("1", "9223372036854775807", huge, "3.4028235e+38", "1.7976931348623157e+308", "24:00:00",
                            "24:00:00+05:30", "9999-12-31", "178000000 years 11 mons 2147483647 days 2562047788:00:54.775807",
                            "$92,233,720,368,547,758.07", "(2147483647,\"a \"\"b\"\", c 😀\")", "{[1,3),[5,7)}", hstore,
                            f8s, "{{1,2},{3,NULL}}"),
                    List.of("2", "-9223372036854775808", tiny, "-3.4028235e+38", "-1.7976931348623157e+308", "00:00:00",
                            "00:00:00-15:59", "0001-01-01",
                            "-178000000 years -11 mons -2147483648 days -2562047788:00:54.775807",
                            "-$92,233,720,368,547,758.08", "(-2147483648,\"\")", "{}", "", "{}", "{}"),
                    List.of("11", "-9223372036854775808", "-Infinity", "3.4028235e+38", "-5e-324", "24:00:00",
                            "24:00:00-15:59", "0001-01-01", "178000000 years 11 mons 2147483647 days 2562047788:00:54.775807",
                            "$92,233,720,368,547,758.07", "(-1,\"😀 \"\"q\"\"\")", "{[1,3),[5,7)}",
                            hstore + ", \"new 😀\"=>\"✓\"", f8s, "{{{1,NULL}},{{NULL,2}}}"));
            // Values only PostgreSQL holds, and identifiers with 4-byte UTF-8.
            assertThat(target.query(db, "SELECT f4::text, f8::text, n::text, d::text, ts::text, tstz::text"
                    + " FROM unholdable WHERE id IN (1, 6, 7, 10, 14, 16) ORDER BY id")).containsExactly(
                    Arrays.asList("NaN", null, null, null, null, null),
                    Arrays.asList(null, "-Infinity", null, null, null, null),
                    Arrays.asList(null, null, "NaN", null, null, null),
                    Arrays.asList(null, null, null, "0044-03-15 BC", null, null),
                    Arrays.asList(null, null, null, null, "4713-01-01 00:00:00 BC", null),
                    Arrays.asList(null, null, null, null, null, "infinity"));
            assertThat(target.query(db, "SELECT \"ключ 🔑\", \"值 💡\" FROM \"Émoji 😀 table\""))
                    .containsExactlyInAnyOrder(Arrays.asList("😀", "𝄞"), Arrays.asList("🔑", null));
        }
    }
}
