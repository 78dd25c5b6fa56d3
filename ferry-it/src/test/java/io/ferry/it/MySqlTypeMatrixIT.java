package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.TableId;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.kafka.TopicNames;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every MySQL/MariaDB type Ferry captures, over its whole value range (integer extremes signed and unsigned,
 * decimal(65,30), float and double extremes, bit(1) and bit(64), year, date and time extremes, zero dates under a
 * permissive sql_mode, TIME durations, 4-byte UTF-8 in utf8mb4 beside utf8mb3 text, binary data, enum and set, JSON,
 * geometry, generated and invisible columns, MariaDB's uuid, inet4 and inet6, NULLs), from the snapshot and from
 * streamed inserts, updates, a key change and deletes, through Kafka into a PostgreSQL target and into the other
 * MySQL-family server: the real {@code ferry verify} exits 0 and the hardest cells read back by SQL as docs/types.md
 * says. MariaDB's TIME fractions beyond MySQL 8's {@code ±838:59:59} sit in a table of their own: a MySQL 8 target
 * refuses them, dead-lettered naming table, key and column. MySQL 8 (and on request MariaDB) also goes into ClickHouse
 * 18.16, with dates inside its {@code Date} range (1970 to 2105; PostgresTypeMatrixIT has the refusals of the others),
 * and both sources into Iceberg, read back with Iceberg's generic reader; MariaDB's (uuid, inet6) keys there are
 * updated and deleted in later commits, which once left the old row visible beside the new one.
 */
@ParameterizedClass
@MethodSource("pairs")
class MySqlTypeMatrixIT {

    /** MariaDB into ClickHouse (passed, about 40 s) runs with {@code -Dferry.it.matrix.mariadb-clickhouse=true}. */
    private static final boolean MARIADB_CLICKHOUSE = Boolean.getBoolean("ferry.it.matrix.mariadb-clickhouse");

    static Stream<Arguments> pairs() {
        return Stream.concat(Stream.of(Arguments.of(Flavor.MARIADB, MatrixTarget.POSTGRES),
                Arguments.of(Flavor.MARIADB, MatrixTarget.MYSQL),
                Arguments.of(Flavor.MYSQL, MatrixTarget.POSTGRES),
                Arguments.of(Flavor.MYSQL, MatrixTarget.MARIADB),
                Arguments.of(Flavor.MYSQL, MatrixTarget.CLICKHOUSE),
                Arguments.of(Flavor.MARIADB, MatrixTarget.ICEBERG),
                Arguments.of(Flavor.MYSQL, MatrixTarget.ICEBERG)),
                MARIADB_CLICKHOUSE ? Stream.of(Arguments.of(Flavor.MARIADB, MatrixTarget.CLICKHOUSE)) : Stream.empty());
    }

    private static final String PERMISSIVE = "SET SESSION sql_mode = ''";
    private static final String UTC = "SET time_zone = '+00:00'";
    private static final String NINES = "99999999999999999999999999999999999.999999999999999999999999999999";
    private static final String JSON = "'{\"a\": {\"b\": [1, -2.5, 18446744073709551615, -9223372036854775808, 1.5e300,"
            + " true, null, {}]}, \"ü😀\": \"x\\\\ny \\\\\"q\\\\\"\", \"e\": \"\"}'";

    /**
     * Column, MySQL type, then rows 1 (maxima), 2 (minima), 3 (special values: zero dates) and 5 (empty values) as
     * SQL expressions; {@code null} values mark a generated column. Row 4 is NULL in every column.
     */
    private static final String[][] COMMON = {
            {"ti", "tinyint", "127", "-128", "-1", "0"},
            {"tiu", "tinyint unsigned", "255", "0", "1", "0"},
            {"si", "smallint", "32767", "-32768", "-1", "0"},
            {"siu", "smallint unsigned", "65535", "0", "1", "0"},
            {"mi", "mediumint", "8388607", "-8388608", "-1", "0"},
            {"miu", "mediumint unsigned", "16777215", "0", "1", "0"},
            {"i", "int", "2147483647", "-2147483648", "-1", "0"},
            {"iu", "int unsigned", "4294967295", "0", "1", "0"},
            {"bi", "bigint", "9223372036854775807", "-9223372036854775808", "-1", "0"},
            {"biu", "bigint unsigned", "18446744073709551615", "0", "9223372036854775808", "0"},
            {"dec", "decimal(65,30)", NINES, "-" + NINES, "-0.000000000000000000000000000001", "0"},
            {"dec0", "decimal(65,0) unsigned", "9".repeat(65), "0", "1", "0"},
            {"f", "float", "3.40282e38", "-3.40282e38", "1.17549e-38", "0"},
            {"dbl", "double", "1.7976931348623157e308", "-1.7976931348623157e308", "2.2250738585072014e-308", "-0.0"},
            {"b1", "bit(1)", "b'1'", "b'0'", "b'1'", "b'0'"},
            {"b64", "bit(64)", "b'" + "1".repeat(64) + "'", "b'0'", "b'1" + "0".repeat(62) + "1'", "b'0'"},
            {"y", "year", "2155", "1901", "0", "2000"},
            {"d", "date", "'9999-12-31'", "'1000-01-01'", "'0000-00-00'", "'2024-02-29'"},
            {"dz", "date", "'2024-02-29'", "'0001-01-01'", "'2024-00-15'", "'1970-01-01'"},
            {"dtm", "datetime(6)", "'9999-12-31 23:59:59.999999'", "'1000-01-01 00:00:00'", "'0000-00-00 00:00:00'",
                    "'2024-02-29 12:34:56.000001'"},
            {"ts", "timestamp(6) NULL", "'2038-01-19 03:14:07.999999'", "'1970-01-01 00:00:01'",
                    "'0000-00-00 00:00:00'", "'2024-02-29 12:34:56.5'"},
            {"tm", "time(6)", "'838:59:59'", "'-838:59:59'", "'-00:00:00.000001'", "'00:00:00'"},
            {"tm0", "time", "'24:00:00'", "'-24:00:00'", "'100:00:01'", "'00:00:00'"},
            {"c", "char(5)", "'😀😀😀😀😀'", "''", "'a'", "' '"},
            {"c3", "varchar(10) CHARACTER SET utf8mb3", "'ünï ✓ ä€'", "''", "'NULL'", "' '"},
            {"vc", "varchar(20)", "'😀 𝄞 emoji'", "''", "'quo''te \\\\ back'", "'tab\\tnl\\n'"},
            {"tx", "text", "REPEAT('😀', 16383)", "''", "'x'", "''"},
            {"ltx", "longtext", "REPEAT('ü😀', 10000)", "''", "'NULL'", "''"},
            {"bin", "binary(4)", "x'ffffffff'", "x'00000000'", "x'01'", "x''"},
            {"vb", "varbinary(10)", "x'00ff00ff00ff00ff00ff'", "x''", "x'00'", "x''"},
            {"bl", "blob", "x'00ff'", "x''", "REPEAT(x'ff', 1000)", "x''"},
            {"e", "enum('','small','large ☺')", "'large ☺'", "''", "'small'", "''"},
            {"st", "set('a','b c','ü')", "'a,b c,ü'", "''", "'ü'", "''"},
            {"j", "json", JSON, "'[]'", "'null'", "'\"\"'"},
            {"g", "geometry", "ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 0))')", "ST_GeomFromText('POINT(0 0)')",
                    "ST_GeomFromText('LINESTRING(-1.5 2, 1e300 -1e-300)')", "ST_GeomFromText('MULTIPOINT(1 1, 2 2)')"},
            {"gen_s", "bigint AS (i * 2) STORED", null, null, null, null},
            {"gen_v", "varchar(30) AS (concat(vc, '!')) VIRTUAL", null, null, null, null},
            {"inv", "int INVISIBLE", "1", "-1", "0", "0"},
    };

    /** MariaDB's own types, and its TIME, which holds fractions at its extremes. */
    private static final String[][] MARIADB_ONLY = {
            {"u", "uuid", "'ffffffff-ffff-4fff-bfff-ffffffffffff'", "'00000000-0000-0000-0000-000000000000'",
                    "'6ccd780c-baba-1026-9564-5b8c656024db'", "'01890a5d-ac96-774b-bcce-b302099a8057'"},
            {"i4", "inet4", "'255.255.255.255'", "'0.0.0.0'", "'10.0.0.1'", "'127.0.0.1'"},
            {"i6", "inet6", "'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'", "'::'", "'::ffff:1.2.3.4'", "'1:0:2:0:0:3::'"},
            {"tmf", "time(6)", "'838:59:59.999999'", "'-838:59:59.999999'", "'-00:00:00.000001'", "'00:00:00'"},
    };

    private static TestServers servers;

    @TempDir
    Path dir;

    private final MySqlDatabases mysql;
    private final MatrixTarget.Bound target;
    private final String[][] matrix;
    /** MariaDB's TIME beyond MySQL 8's range, into MySQL 8: refused, each value in a row of its own. */
    private final boolean unholdable;

    MySqlTypeMatrixIT(Flavor source, MatrixTarget target) {
        this.mysql = new MySqlDatabases(source);
        this.target = target.on(servers);
        this.unholdable = source == Flavor.MARIADB && target == MatrixTarget.MYSQL;
        List<String[]> columns = new ArrayList<>(List.of(COMMON));
        if (source == Flavor.MARIADB) {
            Stream.of(MARIADB_ONLY).filter(c -> !(unholdable && c[0].equals("tmf"))).forEach(columns::add);
        }
        if (target == MatrixTarget.CLICKHOUSE) {
            // ClickHouse 18's Date holds 1970-01-01 to 2105-12-31 (PostgresTypeMatrixIT has the refusals).
            columns.replaceAll(c -> switch (c[0]) {
                case "d" -> new String[] {"d", "date", "'2105-12-31'", "'1970-01-01'", "'0000-00-00'", "'2024-02-29'"};
                case "dz" -> new String[] {"dz", "date", "'2024-02-29'", "'1970-01-01'", "'2024-00-15'", "'1970-01-01'"};
                default -> c;
            });
        }
        this.matrix = columns.toArray(String[][]::new);
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
    void everyValueOfEveryTypeArrivesExactly() throws Exception {
        String pair = mysql.type() + "_to_" + target.kind().label();
        String source = mysql.create("mtx_src_" + pair);
        String db = target.create("mtx_dst_" + pair);
        mysql.execute(source, createSource());
        String name = "mtx-" + pair.replace('_', '-');
        String tables = "[" + source + ".matrix, " + source + ".text_keys" + (isMariaDb() ? ", " + source + ".own_keys" : "");
        Path pipeline = Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n" + mysql.section(source)
                + "  tables: " + tables + (unholdable ? ", " + source + ".unholdable]" : "]") + "\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + servers.bootstrapServers() + "\n"
                + target.sinkYaml(db, "on-error: dead-letter"));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            // The snapshot is in the target before the stream changes those rows.
            await().atMost(Duration.ofSeconds(90)).until(() -> runner.failureMessage() != null
                    || target.count(db, "matrix") == 5);
            assertThat(runner.failureMessage()).isNull();

            mysql.execute(source, streamChanges());

            Path verified = unholdable ? Files.writeString(dir.resolve("verify.yaml"), Files.readString(pipeline)
                    .replace(", " + source + ".unholdable]", "]")) : pipeline;
            FerryProcess.Result verify = FerryInProcess.run("verify", verified.toString(), "--timeout", "PT90S");
            System.out.println(verify.output());
            assertThat(runner.failureMessage()).isNull();
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).contains(source + ".matrix: match (8 rows")
                    .contains(source + ".text_keys: match (7 rows");
            // The nullable ADD COLUMN read no rows again: the topic holds the snapshot's six r events only.
            long reads = TopicWatcher.drain(servers.bootstrapServers(),
                            List.of(TopicNames.table(name, new TableId(source, "text_keys")))).stream()
                    .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"op\":\"r\"")).count();
            assertThat(reads).isEqualTo(6);
            if (isMariaDb()) {
                assertThat(verify.output()).contains(source + ".own_keys: match (5 rows");
            }
            List<String> dead = MatrixTarget.deadLetterReasons(servers.bootstrapServers(), name + ".ferry-dlq");
            System.out.println("dead-lettered:\n  " + String.join("\n  ", dead));
            if (unholdable) {
                assertTimesBeyondMySqlWereRefusedByName(db, dead);
            } else {
                assertThat(dead).isEmpty();
            }
        }
        if (target.kind() == MatrixTarget.CLICKHOUSE) {
            assertClickHouseTypesAndCells(db);
        } else if (target.kind() == MatrixTarget.ICEBERG) {
            assertIcebergTypesAndCells(db);
        } else {
            assertHardestCells(source, db);
        }
    }

    /**
     * docs/types.md: the ClickHouse 18.16 table's types (unsigned bigint as Decimal(20, 0), decimal(65,30) as exact
     * text, TIME durations as signed µs, datetimes as fixed-width text) and those cells as the server gives them.
     */
    private void assertClickHouseTypesAndCells(String db) {
        assertThat(target.query(db, "SELECT name, type FROM system.columns WHERE database = '" + db + "' AND table ="
                + " 'matrix' AND name IN ('biu', 'dec', 'f', 'dbl', 'bin', 'd', 'dtm', 'ts', 'tm', 'e', 'st', 'j')"
                + " ORDER BY name")).containsExactly(List.of("bin", "Nullable(String)"),
                List.of("biu", "Nullable(Decimal(20, 0))"), List.of("d", "Nullable(Date)"),
                List.of("dbl", "Nullable(Float64)"), List.of("dec", "Nullable(String)"),
                List.of("dtm", "Nullable(String)"), List.of("e", "Nullable(String)"), List.of("f", "Nullable(Float32)"),
                List.of("j", "Nullable(String)"), List.of("st", "Nullable(String)"), List.of("tm", "Nullable(Int64)"),
                List.of("ts", "Nullable(String)"));
        // 18.x prints 1970-01-01 as 0000-00-00.
        assertThat(target.query(db, "SELECT id, biu, dec, d, dtm, ts, tm, e, st FROM " + db + ".matrix FINAL"
                + " WHERE _ferry_deleted = 0 AND id IN (1, 2, 200) ORDER BY id")).containsExactly(
                List.of("1", "18446744073709551615", NINES, "2105-12-31", "9999-12-31T23:59:59.999999",
                        "2038-01-19T03:14:07.999999Z", "3020399000000", "large ☺", "a,b c,ü"),
                List.of("2", "0", "-" + NINES, "0000-00-00", "1000-01-01T00:00:00.000000",
                        "1970-01-01T00:00:01.000000Z", "-3020399000000", "", ""),
                Arrays.asList("200", "9223372036854775808", "-0.000000000000000000000000000001", null, null, null,
                        "-1", "small", "ü"));
    }

    /**
     * docs/types.md: the Iceberg table's types (unsigned bigint as decimal(20, 0), decimal(65,30) as exact text, TIME
     * durations as signed µs, datetime and timestamp as timestamps without and with zone, MariaDB's uuid as uuid)
     * and those cells read back with Iceberg's generic reader; MariaDB's (uuid, inet6) keys hold each key once, with
     * its last value.
     */
    private void assertIcebergTypesAndCells(String warehouse) {
        String ns = MatrixTarget.LAKE_NAMESPACE;
        org.apache.iceberg.Schema schema = target.lake(warehouse).table(ns, "matrix").schema();
        List<String> columns = new ArrayList<>(List.of("biu", "dec", "f", "dbl", "b64", "y", "d", "dtm", "ts", "tm",
                "e", "st", "j", "g"));
        if (isMariaDb()) {
            columns.addAll(List.of("u", "i4", "i6", "tmf"));
        }
        List<String> types = columns.stream().map(c -> c + " " + schema.findField(c).type()).toList();
        List<String> expected = new ArrayList<>(List.of("biu decimal(20, 0)", "dec string", "f float", "dbl double",
                "b64 binary", "y int", "d date", "dtm timestamp", "ts timestamptz", "tm long", "e string", "st string",
                "j string", "g binary"));
        if (isMariaDb()) {
            expected.addAll(List.of("u uuid", "i4 string", "i6 string", "tmf long"));
        }
        assertThat(types).containsExactlyElementsOf(expected);

        List<String> cells = new ArrayList<>(List.of("id", "biu", "dec", "d", "dtm", "ts", "tm", "tm0", "e", "st"));
        if (isMariaDb()) {
            cells.addAll(List.of("u", "i6", "tmf"));
        }
        List<List<String>> rows = target.lake(warehouse).rows(ns, "matrix", cells.toArray(String[]::new)).stream()
                .filter(r -> List.of(1, 2, 200).contains(r.get(0)))
                .map(r -> r.stream().map(String::valueOf).toList()).toList();
        List<List<String>> want = new ArrayList<>(List.of(
                new ArrayList<>(List.of("1", "18446744073709551615", NINES, "9999-12-31", "9999-12-31T23:59:59.999999",
                        "2038-01-19T03:14:07.999999Z", "3020399000000", "86400000000", "large ☺", "a,b c,ü")),
                new ArrayList<>(List.of("2", "0", "-" + NINES, "1000-01-01", "1000-01-01T00:00",
                        "1970-01-01T00:00:01Z", "-3020399000000", "-86400000000", "", "")),
                // Row 3 moved to key 200 by the stream: zero dates are null.
                new ArrayList<>(List.of("200", "9223372036854775808", "-0.000000000000000000000000000001", "null",
                        "null", "null", "-1", "360001000000", "small", "ü"))));
        if (isMariaDb()) {
            want.get(0).addAll(List.of("ffffffff-ffff-4fff-bfff-ffffffffffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                    "3020399999999"));
            want.get(1).addAll(List.of("00000000-0000-0000-0000-000000000000", "::", "-3020399999999"));
            want.get(2).addAll(List.of("6ccd780c-baba-1026-9564-5b8c656024db", "::ffff:1.2.3.4", "-1"));
        }
        assertThat(rows).containsExactlyElementsOf(want);

        if (isMariaDb()) {
            UUID one = UUID.fromString("00000000-0000-0000-0000-000000000001");
            UUID two = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
            assertThat(target.lake(warehouse).rows(ns, "own_keys", "u", "a", "n")).containsExactlyInAnyOrder(
                    List.of(one, "::ffff:1.2.3.4", 1), List.of(one, "a::1", 2), List.of(two, "2001:db8::1", 3),
                    List.of(two, "::", -4), List.of(UUID.fromString("ffffffff-ffff-4fff-bfff-ffffffffffff"), "ffff::", 5));
        }
    }

    private boolean isMariaDb() {
        return mysql.flavor() == Flavor.MARIADB;
    }

    private String[] createSource() {
        List<String> sql = new ArrayList<>(List.of(PERMISSIVE, UTC,
                "CREATE TABLE matrix (id int PRIMARY KEY, "
                        + Stream.of(matrix).map(c -> "`" + c[0] + "` " + c[1]).collect(Collectors.joining(", ")) + ")"));
        String columns = insertedColumns();
        for (int row = 0; row < 4; row++) {
            int value = row + 2;
            int id = row == 3 ? 5 : row + 1;
            sql.add("INSERT INTO matrix (id, " + columns + ") VALUES (" + id + ", " + Stream.of(matrix)
                    .filter(c -> c[2] != null).map(c -> c[value]).collect(Collectors.joining(", ")) + ")");
        }
        sql.add("INSERT INTO matrix (id) VALUES (4)");
        // Text keys in code point order differ from most collations' order; 4-byte UTF-8 among them.
        sql.add("CREATE TABLE text_keys (k varchar(20) PRIMARY KEY, n int)");
        sql.add("INSERT INTO text_keys VALUES ('a', 1), ('B', 2), ('😀', 3), ('ä', 4), ('', 5), ('Z', 6)");
        if (isMariaDb()) {
            // Ordered by their bytes in MariaDB, by their text in verify.
            sql.add("CREATE TABLE own_keys (u uuid, a inet6, n int, PRIMARY KEY (u, a))");
            sql.add("INSERT INTO own_keys VALUES ('00000000-0000-0000-0000-000000000001', '::ffff:1.2.3.4', 1),"
                    + " ('00000000-0000-0000-0000-000000000001', 'a::1', 2),"
                    + " ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2001:db8::1', 3),"
                    + " ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '::', 4)");
        }
        if (unholdable) {
            sql.add("CREATE TABLE unholdable (id int PRIMARY KEY, tm time(6))");
            sql.add("INSERT INTO unholdable VALUES (1, '838:59:59.999999'), (2, '-838:59:59.999999'),"
                    + " (3, '838:59:59.000001'), (100, '838:59:59')");
        }
        return sql.toArray(String[]::new);
    }

    private String insertedColumns() {
        return Stream.of(matrix).filter(c -> c[2] != null).map(c -> "`" + c[0] + "`").collect(Collectors.joining(", "));
    }

    private String[] streamChanges() {
        String columns = insertedColumns();
        List<String> sql = new ArrayList<>(List.of(PERMISSIVE, UTC,
                // Every value again, from the binlog (one transaction), then updates, a key change and deletes.
                "INSERT INTO matrix (id, " + columns + ") SELECT id + 10, " + columns + " FROM matrix",
                "UPDATE matrix SET biu = 18446744073709551614, `dec` = -0.000000000000000000000000000001,"
                        + " dbl = -2.2250738585072014e-308, b64 = b'0', tm = '-838:59:59', vc = '𝄞 changed',"
                        + " e = 'small', st = 'a,ü', j = '{\"n\": -1e-300}', d = '0000-00-00' WHERE id = 11",
                "UPDATE matrix SET " + Stream.of(matrix).filter(c -> c[2] != null).map(c -> "`" + c[0] + "` = NULL")
                        .collect(Collectors.joining(", ")) + " WHERE id = 12",
                "UPDATE matrix SET id = 200 WHERE id = 13",
                "DELETE FROM matrix WHERE id IN (14, 3)",
                "INSERT INTO text_keys VALUES ('A', 7)",
                "DELETE FROM text_keys WHERE k = 'B'",
                // Existing rows hold NULL in the new column, as the target's new column does: no backfill.
                "ALTER TABLE text_keys ADD COLUMN note varchar(10)",
                "INSERT INTO text_keys VALUES ('new', 8, 'n ✓')"));
        if (isMariaDb()) {
            sql.add("INSERT INTO own_keys VALUES ('ffffffff-ffff-4fff-bfff-ffffffffffff', 'ffff::', 5)");
            sql.add("UPDATE own_keys SET n = -n WHERE a = '::'");
        }
        if (unholdable) {
            sql.add("INSERT INTO unholdable VALUES (101, '-838:59:59.5')");
            sql.add("UPDATE unholdable SET tm = '838:59:59.999999' WHERE id = 100");
        }
        return sql.toArray(String[]::new);
    }

    /**
     * docs/types.md: MySQL 8's time ends at ±838:59:59, so each such event is dead-lettered naming the table, the
     * key and the column, in order, and the one row it holds keeps its value when its update is refused.
     */
    private void assertTimesBeyondMySqlWereRefusedByName(String db, List<String> dead) {
        List<String> keys = List.of("(op r) on table " + db + ".unholdable, key {id=1}",
                "(op r) on table " + db + ".unholdable, key {id=2}", "(op r) on table " + db + ".unholdable, key {id=3}",
                "(op c) on table " + db + ".unholdable, key {id=101}",
                "(op u) on table " + db + ".unholdable, key {id=100}");
        assertThat(dead).hasSize(keys.size());
        for (int i = 0; i < dead.size(); i++) {
            assertThat(dead.get(i)).contains(keys.get(i)).containsPattern("column .*[`']tm[`']");
        }
        assertThat(target.query(db, "SELECT id, tm FROM unholdable")).containsExactly(List.of("100", "838:59:59.000000"));
    }

    /** docs/types.md: what the hardest cells become in this target, read by SQL. */
    private void assertHardestCells(String sourceDb, String db) {
        boolean pg = !target.kind().isMySql();
        String sql = pg
                ? "SELECT id, biu::text, \"dec\"::text, dec0::text, f::text, dbl::text, encode(b64, 'hex'), y::text,"
                        + " d::text, dz::text, dtm::text, ts AT TIME ZONE 'UTC', tm::text, c, c3, encode(bin, 'hex'), e,"
                        + " st, gen_s::text, gen_v, inv::text FROM matrix WHERE id IN (1, 2, 11, 15) ORDER BY id"
                : "SELECT id, CAST(biu AS CHAR), CAST(`dec` AS CHAR), CAST(dec0 AS CHAR), CAST(f AS CHAR), CAST(dbl AS CHAR),"
                        + " lpad(hex(b64), 16, '0'), CAST(y AS CHAR), CAST(d AS CHAR), CAST(dz AS CHAR), CAST(dtm AS CHAR),"
                        + " CAST(ts AS CHAR), CAST(tm AS CHAR), c, c3, hex(bin), e, st, CAST(gen_s AS CHAR), gen_v,"
                        + " CAST(inv AS CHAR) FROM matrix WHERE id IN (1, 2, 11, 15) ORDER BY id";
        List<List<String>> cells = target.query(db, sql);
        // Whether -0.0 stays negative is the source's business; the target keeps what the source holds.
        String negativeZero = mysql.query(sourceDb,
                "SELECT CAST(dbl AS CHAR) FROM matrix WHERE id = 15").get(0).get(0);
        String max = pg ? "838:59:59" : "838:59:59.000000";
        String min = pg ? "-838:59:59" : "-838:59:59.000000";
        String lowest = pg ? "-00:00:00.000001" : "-00:00:00.000001";
        String zero = pg ? "00:00:00" : "00:00:00.000000";
        assertThat(cells).containsExactly(
                List.of("1", "18446744073709551615", NINES, "9".repeat(65), pg ? "3.40282e+38" : "3.40282e38",
                        pg ? "1.7976931348623157e+308" : "1.7976931348623157e308", pg ? "ffffffffffffffff"
                                : "FFFFFFFFFFFFFFFF", "2155", "9999-12-31", "2024-02-29", "9999-12-31 23:59:59.999999",
                        pg ? "2038-01-19 03:14:07.999999" : "2038-01-19 03:14:07.999999", max, "😀😀😀😀😀", "ünï ✓ ä€",
                        pg ? "ffffffff" : "FFFFFFFF", "large ☺", "a,b c,ü", "4294967294", "😀 𝄞 emoji!", "1"),
                List.of("2", "0", "-" + NINES, "0", pg ? "-3.40282e+38" : "-3.40282e38",
                        pg ? "-1.7976931348623157e+308" : "-1.7976931348623157e308", pg ? "0000000000000000"
                                : "0000000000000000", "1901", "1000-01-01", "0001-01-01",
                        pg ? "1000-01-01 00:00:00" : "1000-01-01 00:00:00.000000",
                        pg ? "1970-01-01 00:00:01" : "1970-01-01 00:00:01.000000", min, "", "",
                        pg ? "00000000" : "00000000", "", "", "-4294967296", "!", "-1"),
                // Row 3's copy, changed by the stream: zero dates are NULL.
                Arrays.asList("11", "18446744073709551614", "-0.000000000000000000000000000001", "9".repeat(65),
                        pg ? "3.40282e+38" : "3.40282e38", "-2.2250738585072014e-308", pg ? "0000000000000000"
                                : "0000000000000000", "2155", null, "2024-02-29", "9999-12-31 23:59:59.999999",
                        pg ? "2038-01-19 03:14:07.999999" : "2038-01-19 03:14:07.999999", min, "😀😀😀😀😀", "ünï ✓ ä€",
                        pg ? "ffffffff" : "FFFFFFFF", "small", "a,ü", "4294967294", "𝄞 changed!", "1"),
                Arrays.asList("15", "0", "0.000000000000000000000000000000", "0", "0", negativeZero,
                        "0000000000000000", "2000", "2024-02-29", "1970-01-01",
                        pg ? "2024-02-29 12:34:56.000001" : "2024-02-29 12:34:56.000001",
                        pg ? "2024-02-29 12:34:56.5" : "2024-02-29 12:34:56.500000", zero, "", " ",
                        pg ? "00000000" : "00000000", "", "", "0", "tab\tnl\n!", "0"));
        List<List<String>> special = target.query(db, pg
                ? "SELECT id, d::text, dz::text, dtm::text, ts::text, tm::text, y::text, encode(bin, 'hex') FROM matrix"
                        + " WHERE id = 200"
                : "SELECT id, d, dz, dtm, ts, CAST(tm AS CHAR), CAST(y AS CHAR), hex(bin) FROM matrix WHERE id = 200");
        // Row 3 (id 13, moved to 200): every zero date, zero in the day or month too, arrives as NULL.
        assertThat(special).containsExactly(Arrays.asList("200", null, null, null, null, lowest, pg ? "0" : "0000",
                pg ? "01000000" : "01000000"));
        if (isMariaDb()) {
            List<List<String>> own = target.query(db, pg
                    ? "SELECT id, u::text, i4, i6, tmf::text FROM matrix WHERE id IN (1, 2, 15) ORDER BY id"
                    : "SELECT id, u, i4, i6" + (unholdable ? "" : ", CAST(tmf AS CHAR)")
                            + " FROM matrix WHERE id IN (1, 2, 15) ORDER BY id");
            List<String> tmf = unholdable ? null : List.of("838:59:59.999999", "-838:59:59.999999", "00:00:00");
            assertThat(own).hasSize(3);
            assertThat(own.get(0).subList(0, 4)).containsExactly("1", "ffffffff-ffff-4fff-bfff-ffffffffffff",
                    "255.255.255.255", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
            assertThat(own.get(1).subList(0, 4)).containsExactly("2", "00000000-0000-0000-0000-000000000000",
                    "0.0.0.0", "::");
            assertThat(own.get(2).subList(0, 4)).containsExactly("15", "01890a5d-ac96-774b-bcce-b302099a8057",
                    "127.0.0.1", "1:0:2::3:0:0");
            if (tmf != null) {
                assertThat(own).extracting(r -> r.get(4)).containsExactlyElementsOf(tmf);
            }
        }
    }
}
