package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PostgreSQL → Kafka → MariaDB or MySQL 8 with the PostgreSQL types the MySQL sink maps (docs/types.md), from the
 * snapshot and the stream, with an ADD COLUMN between row changes: the real {@code ferry verify} exits 0 and exact
 * values read from the target agree. Then a target row is edited, one deleted and one added behind Ferry's back:
 * verify exits 1 naming each key with both rows.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class PostgresToMySqlIT {

    private static final String TARGET = "p2m_target";

    private static final String COLUMNS = "i2, i4, i8, num, num_any, f4, f8, b, t, vc, c, by, d, tm, ttz, ts, tstz,"
            + " iv, u, j, jb, m, ip, arr_t, arr_i, arr_num";

    private static final String ROW_MAX = "32767, 2147483647, 9223372036854775807,"
            + " '123456789012345678901234567890.12345678901234567890',"
            + " '-98765432109876543210987654321098765432109876543210.0000000000000000000000000000000000000001',"
            + " '3.4028235e38', '-0.0', true, 'emoji 😀 ünïcode', 'short', 'ab', '\\x00ff0001'::bytea, '2024-02-29',"
            + " '23:59:59.999999', '13:45:06.123456+05:30', '2024-02-29 12:34:56.789012',"
            + " '2024-02-29 12:34:56.789012+05:30', '1 year 2 months 3 days 04:05:06.000007',"
            + " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": \"värde ☃\", \"n\": [1, 2.50]}',"
            + " '{\"b\": 1, \"a\": \"x\"}', 'happy ☺', '192.168.0.1/24',"
            + " ARRAY['a b', NULL, 'quo\"te', 'back\\slash', 'NULL', ''], '{{1,2},{3,NULL}}', '{1.50,NaN,NULL}'";

    private static final String ROW_MIN = "-32768, -2147483648, -9223372036854775808, '-0.00000000000000000001',"
            + " 'NaN', '1e-30', '-1.7976931348623157e308', false, '', '', '', ''::bytea, '0001-01-01', '00:00:00',"
            + " '00:00:00-03', '0001-01-01 00:00:00', '1970-01-01 00:00:00+00', '-1 days -00:00:01',"
            + " '00000000-0000-0000-0000-000000000000', 'null', '[]', 'sad', '::1', '{}', '{}', '{}'";

    private static TestServers servers;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private final MySqlDatabases mysql;

    PostgresToMySqlIT(Flavor flavor) {
        mysql = new MySqlDatabases(flavor);
    }

    @Test
    void postgresTypesArriveInMySqlAndVerifyNamesEveryTamperedKey() throws Exception {
        String source = servers.createDatabase("p2m_source");
        mysql.create(TARGET);
        servers.execute(source,
                "CREATE TYPE mood AS ENUM ('sad', 'happy ☺')",
                "CREATE TABLE types_t (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, num numeric(50,20),"
                        + " num_any numeric, f4 real, f8 double precision, b boolean, t text, vc varchar(10),"
                        + " c char(5), by bytea, d date, tm time, ttz timetz, ts timestamp, tstz timestamptz,"
                        + " iv interval, u uuid, j json, jb jsonb, m mood, ip inet, arr_t text[], arr_i int[],"
                        + " arr_num numeric[])",
                "INSERT INTO types_t (id, " + COLUMNS + ") VALUES (1, " + ROW_MAX + "), (2, " + ROW_MIN + ")",
                "INSERT INTO types_t (id) VALUES (3)",
                // A composite key with a text part, over two verify chunks.
                "CREATE TABLE accounts (region text, id int, balance numeric(12,2), owner text,"
                        + " PRIMARY KEY (region, id))",
                "INSERT INTO accounts SELECT (ARRAY['EU', 'us', 'Ärea', 'ap'])[g % 4 + 1], g, g * 1.25, 'owner ' || g"
                        + " FROM generate_series(1, 12000) g");
        Path pipeline = servers.pipeline(dir, "p2m-" + mysql.type(), source, "[public.types_t, public.accounts]",
                "sink:\n" + mysql.section(TARGET));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(10))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || "3".equals(mysql.queryStringOrNull(TARGET, "SELECT count(*) FROM types_t")));
            assertThat(runner.failureMessage()).isNull();

            servers.execute(source,
                    "INSERT INTO types_t (id, " + COLUMNS + ") SELECT id + 10, " + COLUMNS + " FROM types_t",
                    "UPDATE types_t SET t = 'changed ✓', num_any = '0.000000000000000000000000000000000000000000001',"
                            + " m = 'sad', tstz = '2001-02-03 04:05:06.000001-07', jb = '{\"z\": [true, null]}'"
                            + " WHERE id = 1",
                    "DELETE FROM types_t WHERE id = 3",
                    "ALTER TABLE types_t ADD COLUMN added_note text, ADD COLUMN \"Added At\" timestamptz",
                    "UPDATE types_t SET added_note = 'after alter', \"Added At\" = '2024-06-01 00:00:00.5+02'"
                            + " WHERE id = 11",
                    "INSERT INTO types_t (id, i4, added_note) VALUES (50, 50, 'new row, new column')",
                    "UPDATE accounts SET owner = 'streamed' WHERE id % 1000 = 0",
                    "DELETE FROM accounts WHERE id = 7");

            FerryProcess.Result synced = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            assertThat(runner.failureMessage()).isNull();
            assertThat(synced.exitCode()).as(synced.output()).isZero();
            assertThat(synced.output())
                    .contains("public.types_t: match (6 rows")
                    .contains("public.accounts: match (11,999 rows, 2 chunks)");

            assertThat(mysql.query(TARGET, "SELECT i8, num, num_any, f4, f8, b, t, c, hex(`by`), d, tm, ttz, ts,"
                    + " tstz, iv, u, jb, m, ip FROM types_t WHERE id = 11")).containsExactly(List.of("9223372036854775807",
                    "123456789012345678901234567890.12345678901234567890",
                    "-98765432109876543210987654321098765432109876543210.0000000000000000000000000000000000000001",
                    "3.40282e38", "-0", "1", "emoji 😀 ünïcode", "ab   ", "00FF0001", "2024-02-29", "23:59:59.999999",
                    "13:45:06.123456+05:30", "2024-02-29 12:34:56.789012", "2024-02-29 07:04:56.789012",
                    "P1Y2M3DT4H5M6.000007S", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"a\": \"x\", \"b\": 1}",
                    "happy ☺", "192.168.0.1/24"));
            assertThat(mysql.query(TARGET, "SELECT num_any, d, ts, tstz, added_note, `Added At` FROM types_t"
                    + " WHERE id IN (12, 11) ORDER BY id")).containsExactly(
                    List.of("-98765432109876543210987654321098765432109876543210.0000000000000000000000000000000000000001",
                            "2024-02-29", "2024-02-29 12:34:56.789012", "2024-02-29 07:04:56.789012", "after alter",
                            "2024-05-31 22:00:00.500000"),
                    Arrays.asList("NaN", "0001-01-01", "0001-01-01 00:00:00.000000", "1970-01-01 00:00:00.000000",
                            null, null));

            // Arrays are JSON arrays: numbers stay numbers, decimals and NaN are strings (docs/types.md).
            assertThat(mysql.query(TARGET, "SELECT arr_t, arr_i, arr_num FROM types_t WHERE id = 11"))
                    .containsExactly(List.of("[\"a b\", null, \"quo\\\"te\", \"back\\\\slash\", \"NULL\", \"\"]",
                            "[[1, 2], [3, null]]", "[\"1.50\", \"NaN\", null]"));

            mysql.execute(TARGET,
                    "UPDATE accounts SET balance = 999.99 WHERE region = 'EU' AND id = 8",
                    "DELETE FROM accounts WHERE region = 'us' AND id = 11001",
                    "INSERT INTO accounts VALUES ('zz', 1, 1.00, 'intruder')");
            FerryProcess.Result tampered = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            System.out.println(tampered.output());
            assertThat(tampered.exitCode()).as(tampered.output()).isEqualTo(1);
            assertThat(tampered.output())
                    .contains("public.types_t: match (6 rows")
                    .contains("public.accounts: DIFFERENT (source 11,999 rows, target 11,999 rows")
                    .contains("key ('EU', 8): source ('EU', 8, 10.00, 'owner 8'), target ('EU', 8, 999.99, 'owner 8')")
                    .contains("key ('us', 11001): source ('us', 11001, 13751.25, 'owner 11001'), target (missing)")
                    .contains("key ('zz', 1): source (missing), target ('zz', 1, 1.00, 'intruder')");
            assertThat(runner.failureMessage()).isNull();
        }
    }

    /**
     * docs/types.md: NaN and infinite floats, and a NaN for a bounded numeric, cannot be stored in MySQL: the event
     * is rejected (here dead-lettered) and never stored as NULL or zero; -0.0 is kept, and an unbounded numeric's
     * NaN is stored as the word.
     */
    @Test
    void nanAndInfinityAreDeadLetteredNeverStoredAsSomethingElse() throws Exception {
        String source = servers.createDatabase("p2mdlq_source");
        String target = mysql.create("p2mdlq_target");
        servers.execute(source,
                "CREATE TABLE floats (id int PRIMARY KEY, f8 double precision, r real, n numeric(10,2), na numeric)",
                "INSERT INTO floats VALUES (1, 1.5, 2.5, 3.25, 'NaN'), (2, 'NaN', 0, 0, 0), (3, 0, '-Infinity', 0, 0),"
                        + " (4, 0, 0, 'NaN', 0), (5, '-0', 0, 0, 0)");
        Path pipeline = servers.pipeline(dir, "p2mdlq-" + mysql.type(), source, "[public.floats]",
                "sink:\n" + mysql.section(target) + "  on-error: dead-letter\n");

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(10))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || "2".equals(mysql.queryStringOrNull(target, "SELECT count(*) FROM floats")));
            servers.execute(source, "INSERT INTO floats VALUES (6, 'Infinity', 0, 0, 0)",
                    "INSERT INTO floats VALUES (7, 7, 7, 7, 7)");
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || "1".equals(mysql.queryStringOrNull(target, "SELECT count(*) FROM floats WHERE id = 7")));
            assertThat(runner.failureMessage()).isNull();

            assertThat(mysql.query(target, "SELECT id, f8, r, n, na FROM floats ORDER BY id")).containsExactly(
                    List.of("1", "1.5", "2.5", "3.25", "NaN"), List.of("5", "-0", "0", "0.00", "0"),
                    List.of("7", "7", "7", "7.00", "7"));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> dead = TopicWatcher.drain(
                    servers.bootstrapServers(), List.of("p2mdlq-" + mysql.type() + ".ferry-dlq"));
            List<String> reasons = dead.stream().map(r -> new String(
                    r.headers().lastHeader("ferry.error.reason").value(), java.nio.charset.StandardCharsets.UTF_8))
                    .toList();
            System.out.println("dead-lettered: " + String.join("\n  ", reasons));
            assertThat(reasons).hasSize(4);
            assertThat(reasons.get(0)).contains("id=2").contains("NaN");
            assertThat(reasons.get(1)).contains("id=3").contains("Infinity");
            assertThat(reasons.get(2)).contains("id=4");
            assertThat(reasons.get(3)).contains("id=6").contains("Infinity");
        }
    }
}
