package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.clickhouse.ClickHouseTestServer;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.core.health.Part;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL → Kafka → ClickHouse (Debian's 18.16 server): a table of every type family, snapshot then streamed
 * inserts, updates, a key change, deletes, an unchanged TOASTed value, a column added with a volatile default, a
 * rename and a drop, a truncated table and a keyless one. The real {@code ferry verify} compares the {@code FINAL},
 * non-deleted state and exits 0; the raw table keeps one row per key and the deletes as hidden tombstones. A login
 * the server refuses after start (a rotated password) is waited for, and nothing is lost or applied twice.
 */
class PostgresToClickHouseIT {

    private static TestServers servers;
    private static ClickHouseTestServer clickhouse;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
        clickhouse = ClickHouseTestServer.shared();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void theFinalStateEqualsTheSourceThroughUpdatesDeletesAndSchemaChanges() throws Exception {
        String source = servers.createDatabase("pg_to_clickhouse");
        String db = clickhouse.freshDatabase();
        servers.execute(source,
                "CREATE TYPE mood AS ENUM ('sad', 'happy 😀')",
                "CREATE TABLE everything (id int PRIMARY KEY, i2 smallint, i8 bigint, num numeric(20,6), num_any numeric,"
                        + " f4 real, f8 double precision, b boolean, t text, vc varchar(10), by bytea, d date, tm time,"
                        + " ttz timetz, ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb, m mood,"
                        + " arr_i integer[], arr_t text[], md integer[][], ip inet, big text)",
                "INSERT INTO everything SELECT g, g, g * 1000000000000, g * 1.000001, g * 1e30, g / 3.0, g / 7.0,"
                        + " g % 2 = 0, 'row ' || g || ' 😀 tab' || chr(9), 'v' || g, decode('00ff' || lpad(g::text, 4,"
                        + " '0'), 'hex'), date '2024-02-29' + g, time '12:34:56.789012', timetz '23:59:59.999999+05:30',"
                        + " timestamp '2024-02-29 12:34:56.789012' + g * interval '1 day', timestamptz"
                        + " '1999-12-31 23:59:59.999999+00' + g * interval '1 second', interval '1 year 2 months -3 days"
                        + " 04:05:06.000007', md5(g::text)::uuid, '{\"k\": [1, 2.50]}', '{\"b\": 1, \"a\": \"😀\"}',"
                        + " 'happy 😀', ARRAY[g, NULL, -g], ARRAY['😀', NULL, ''], '{{1,2},{3,NULL}}', '10.0.0.1/8',"
                        + " (SELECT string_agg(md5(g::text || s::text), '') FROM generate_series(1, 400) s)"
                        + " FROM generate_series(1, 200) g",
                "INSERT INTO everything (id) VALUES (1000)",
                "CREATE TABLE words (w text PRIMARY KEY, n int)",
                "INSERT INTO words VALUES ('a', 1), ('A', 2), ('a ', 3), ('ü', 4)",
                "CREATE TABLE log (n int, note text)",
                "ALTER TABLE log REPLICA IDENTITY FULL",
                "INSERT INTO log VALUES (1, 'x'), (1, 'x'), (2, 'y')");
        Path pipeline = servers.pipeline(dir, "pg-clickhouse", source, "[public.everything, public.words, public.log]",
                "sink:\n  type: clickhouse\n  host: " + ClickHouseTestServer.HOST + "\n  port: " + clickhouse.httpPort()
                        + "\n  database: " + db + "\n  user: " + ClickHouseTestServer.USER + "\n  password: "
                        + ClickHouseTestServer.PASSWORD + "\n");

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> runner.failureMessage() != null
                    || count(db, "everything") == 201);
            assertThat(runner.failureMessage()).isNull();

            servers.execute(source,
                    "UPDATE everything SET t = 'updated ' || id, num = -num WHERE id % 3 = 0",
                    // big is TOASTed: these updates carry it as unchanged
                    "UPDATE everything SET i2 = -i2 WHERE id <= 20",
                    "UPDATE everything SET id = 5000 WHERE id = 7",
                    "DELETE FROM everything WHERE id % 10 = 0",
                    "INSERT INTO everything (id, t, tstz) VALUES (10, 'deleted then back', '2105-12-31 23:59:59+00')",
                    "ALTER TABLE everything ADD COLUMN created timestamptz DEFAULT clock_timestamp()",
                    "ALTER TABLE everything RENAME COLUMN vc TO code",
                    "ALTER TABLE everything DROP COLUMN ip",
                    "UPDATE everything SET code = 'renamed' WHERE id = 11",
                    "DELETE FROM words WHERE w = 'A'",
                    "INSERT INTO words VALUES ('B', 5)",
                    "TRUNCATE words",
                    "INSERT INTO words VALUES ('after', 6)",
                    "DELETE FROM log WHERE ctid = (SELECT ctid FROM log WHERE n = 1 LIMIT 1)",
                    "UPDATE log SET note = 'z' WHERE n = 2",
                    "INSERT INTO log VALUES (3, NULL)");

            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            System.out.println(verify.output());
            assertThat(runner.failureMessage()).isNull();
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).contains("public.everything: match (180 rows")
                    .contains("public.words: match (1 rows").contains("public.log: match (3 rows");
        }

        assertThat(clickhouse.query("SELECT count(), uniqExact(id), sum(_ferry_deleted) FROM " + db
                + ".everything FINAL")).containsExactly(List.of("202", "202", "22"));
        assertThat(clickhouse.query("SELECT code, length(big) FROM " + db + ".everything FINAL WHERE id = 11"))
                .containsExactly(List.of("renamed", "12800"));
        assertThat(clickhouse.query("SELECT name FROM system.columns WHERE database = '" + db
                + "' AND table = 'everything' AND name IN ('vc', 'code', 'ip', 'created') ORDER BY name"))
                .containsExactly(List.of("code"), List.of("created"), List.of("ip"));
    }

    @Test
    void aLoginRefusedAfterStartIsRetriedUntilClickHouseTakesItAgain() throws Exception {
        String user = "ferry_rot";
        String password = "ch-pw-7170";
        String rotated = "ch-rotated-7171";
        clickhouse.setPassword(user, password);
        await().atMost(Duration.ofSeconds(30)).until(() -> clickhouse.accepts(user, password));
        String source = servers.createDatabase("pg_to_clickhouse_login");
        String db = clickhouse.freshDatabase();
        servers.execute(source, "CREATE TABLE items (id int PRIMARY KEY)", "INSERT INTO items VALUES (1)");
        Path pipeline = servers.pipeline(dir, "pg-clickhouse-login", source, "[public.items]",
                "sink:\n  type: clickhouse\n  host: " + ClickHouseTestServer.HOST + "\n  port: " + clickhouse.httpPort()
                        + "\n  database: " + db + "\n  user: " + user + "\n  password: " + password + "\n");

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || count(db, "items") == 1);

            // The password is rotated while Ferry runs: each request after it is refused, and retried, not fatal.
            clickhouse.setPassword(user, rotated);
            await().atMost(Duration.ofSeconds(30)).until(() -> !clickhouse.accepts(user, password));
            servers.execute(source, "INSERT INTO items VALUES (2)");
            String refused = "login refused for user " + user + " at " + ClickHouseTestServer.HOST + ":"
                    + clickhouse.httpPort() + ": code ";
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(runner.failureMessage()).isNull();
                assertThat(runner.health().down()).singleElement().satisfies(p -> {
                    assertThat(p.part()).isEqualTo(Part.SINK);
                    assertThat(p.reason()).startsWith(refused).doesNotContain(password).doesNotContain(rotated);
                    assertThat(p.failedAttempts()).isPositive();
                });
            });
            servers.execute(source, "INSERT INTO items VALUES (3)");

            clickhouse.setPassword(user, password);
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || count(db, "items") == 3);
            assertThat(runner.failureMessage()).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> runner.health().down().isEmpty());
        }
        // Without FINAL: a change applied twice would be a second row of its key (merges only ever remove rows).
        assertThat(clickhouse.query("SELECT count(), uniqExact(id) FROM " + db + ".items"))
                .containsExactly(List.of("3", "3"));
    }

    private static long count(String db, String table) {
        try {
            return Long.parseLong(clickhouse.query("SELECT count() FROM " + db + "." + table + " FINAL WHERE"
                    + " _ferry_deleted = 0").get(0).get(0));
        } catch (IllegalStateException e) {
            return -1;
        }
    }
}
