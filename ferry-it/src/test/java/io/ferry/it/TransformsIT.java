package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.TableId;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.kafka.TopicNames;
import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.postgres.PostgresTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One pipeline per source/target pair (PostgreSQL → PostgreSQL, MySQL 8 → PostgreSQL, PostgreSQL → MySQL 8) with
 * the transforms people ask for together: eight shard tables merged into one target table (the source table
 * joins the key: every shard has the same ids), a hidden tenant filtered out at capture, an e-mail hashed at
 * capture, computed columns and soft deletes; rows cross the filter both ways while streaming; PostgreSQL → PostgreSQL
 * also truncates a column at apply time. No Kafka record
 * holds a clear e-mail or a hidden row; the real {@code ferry verify} exits 0, and 1 once a target row is edited.
 */
class TransformsIT {

    private static final int SHARDS = 8;

    private static TestServers servers;
    private static MySqlDatabases mysql;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
        mysql = new MySqlDatabases(Flavor.MYSQL);
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    private static String transforms() {
        return """
                transforms:
                  - tables: "orders_*"
                    filter: "row.tenant != 'hidden'"
                    mask: {email: hash}
                    salt: pepper
                    compute:
                      note_length: "has(row.note) ? size(row.note) : 0"
                      big: "has(row.amount) && row.amount >= 100.0"
                    deletes: soft
                    route: {to: orders_all}
                """;
    }

    /** A database the test writes SQL to. */
    private record Db(String name, BiConsumer<String, String[]> sql, BiFunction<String, String, Long> query,
                      boolean postgres) {
        void execute(String... statements) {
            sql.accept(name, statements);
        }

        long queryLong(String select) {
            return query.apply(name, select);
        }

        /** 0 while the table does not exist yet. */
        long queryLongOrZero(String select) {
            try {
                return queryLong(select);
            } catch (RuntimeException e) {
                return 0;
            }
        }
    }

    private static Db postgres(String name) {
        return new Db(servers.createDatabase(name), servers::execute, servers::queryLong, true);
    }

    private static Db mysql(String name) {
        return new Db(mysql.create(name), mysql::execute,
                (db, select) -> Long.parseLong(mysql.query(db, select).get(0).get(0)), false);
    }

    private static String pgSection(String database) {
        return "  type: postgres\n  host: " + servers.postgres().host() + "\n  port: " + servers.postgres().port()
                + "\n  database: " + database + "\n  user: " + PostgresTestServer.USER + "\n  password: "
                + PostgresTestServer.PASSWORD + "\n";
    }

    private static void createShards(Db source) {
        List<String> sql = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            String t = "orders_" + s;
            sql.add("CREATE TABLE " + t + " (id int PRIMARY KEY, tenant varchar(20) NOT NULL, email varchar(100),"
                    + " amount decimal(10,2), note varchar(100))");
            if (source.postgres()) {
                // A deleted row's whole before image lets the filter see a hidden row's delete.
                sql.add("ALTER TABLE " + t + " REPLICA IDENTITY FULL");
            }
            for (int id = 1; id <= 5; id++) {
                sql.add("INSERT INTO " + t + " VALUES (" + id + ", '" + (id == 5 ? "hidden" : "acme") + "', 'user"
                        + s + "_" + id + "@example.org', " + (id * 50.25) + ", 'note " + id + "')");
            }
        }
        source.execute(sql.toArray(String[]::new));
    }

    private static void streamChanges(Db source) {
        source.execute(
                "INSERT INTO orders_3 VALUES (6, 'acme', 'new@example.org', 10.00, 'n6'),"
                        + " (7, 'hidden', 'secret@example.org', 1.00, 'n7')",
                "UPDATE orders_1 SET tenant = 'hidden' WHERE id = 1",
                "UPDATE orders_2 SET tenant = 'acme' WHERE id = 5",
                "DELETE FROM orders_4 WHERE id = 2",
                "DELETE FROM orders_5 WHERE id = 5",
                "UPDATE orders_0 SET note = 'changed note' WHERE id = 3");
    }

    private Path pipeline(String name, String sourceSection, String sinkSection) throws Exception {
        return Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n" + sourceSection + "  tables: [\"orders_*\"]\n"
                + "kafka:\n  bootstrap-servers: " + servers.bootstrapServers() + "\n"
                + "sink:\n" + sinkSection
                + transforms());
    }

    /** Runs the pipeline through snapshot and stream, then checks Kafka, the target and verify. */
    private void run(String name, Db source, String sourceSchema, Path pipeline, Db target) throws Exception {
        String topic = TopicNames.table(name, new TableId(sourceSchema, "orders_all"));
        long reads;
        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            // The snapshot first, so the changes below travel the log and cross the filter as events.
            await().atMost(Duration.ofSeconds(90)).until(() -> runner.failureMessage() != null
                    || target.queryLongOrZero("SELECT count(*) FROM orders_all") == 8 * 4);
            assertThat(runner.failureMessage()).isNull();
            streamChanges(source);
            FerryProcess.Result synced = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            assertThat(synced.exitCode()).as(synced.output()).isZero();
            // 8 x 4 visible rows, + 1 inserted, - 1 that left the filter, + 1 that entered it, - 1 soft-deleted.
            assertThat(synced.output()).contains("orders_all: match (32 rows");
            assertThat(runner.failureMessage()).isNull();

            List<ConsumerRecord<byte[], byte[]>> records = TopicWatcher.drain(servers.bootstrapServers(),
                    List.of(topic));
            // 32 snapshot rows, then an insert, a delete (left the filter), an insert (entered it), a soft delete
            // and an update; the hidden rows' insert, update and delete never got here.
            assertThat(records).hasSizeGreaterThanOrEqualTo(37);
            for (ConsumerRecord<byte[], byte[]> r : records) {
                String value = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
                String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                assertThat(value + key).doesNotContain("@example.org").doesNotContain("hidden");
            }

            reads = reads(records);
        }

        // Restarted, capture reads no table again: the source compares its shape with the one recorded beside the
        // transformed schema, not with the transformed one in Kafka.
        try (PipelineRunner restarted = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            restarted.start();
            source.execute("UPDATE orders_6 SET note = 'after restart' WHERE id = 1");
            FerryProcess.Result synced = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            assertThat(synced.exitCode()).as(synced.output()).isZero();
            assertThat(reads(TopicWatcher.drain(servers.bootstrapServers(), List.of(topic))))
                    .as("snapshot reads in %s after a restart", topic).isEqualTo(reads);

            target.execute("UPDATE orders_all SET amount = 999.99 WHERE id = 2 AND _source_table = '"
                    + sourceSchema + ".orders_0'");
            FerryProcess.Result tampered = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            assertThat(tampered.exitCode()).as(tampered.output()).isEqualTo(1);
            assertThat(tampered.output()).contains("orders_all: DIFFERENT")
                    .contains("key ('" + sourceSchema + ".orders_0', 2)").contains("999.99");
            assertThat(restarted.failureMessage()).isNull();
        }
    }

    private static long reads(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().filter(r -> r.value() != null
                && new String(r.value(), StandardCharsets.UTF_8).contains("\"op\":\"r\"")).count();
    }

    @Test
    void postgresToPostgres() throws Exception {
        Db source = postgres("tf_pp_source");
        Db target = postgres("tf_pp_target");
        createShards(source);
        // Apply-side too: the target keeps only the first 4 characters of a note; Kafka has all of it.
        Path pipeline = pipeline("tf-pp", pgSection(source.name()), pgSection(target.name())
                + "  transforms:\n    - tables: orders_all\n      mask: {note: truncate(4)}\n");
        run("tf-pp", source, "public", pipeline, target);
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE length(note) > 4")).isZero();
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE note = 'chan'")).isEqualTo(1);
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE _deleted")).isEqualTo(1);
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE _deleted"
                + " AND _source_table = 'public.orders_4' AND id = 2 AND _deleted_at IS NOT NULL")).isEqualTo(1);
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE _source_table ="
                + " 'public.orders_1' AND id = 1")).as("left the filter: deleted").isZero();
        assertThat(servers.queryLong(target.name(), "SELECT note_length FROM orders_all WHERE _source_table ="
                + " 'public.orders_0' AND id = 3")).isEqualTo("changed note".length());
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE big")).isEqualTo(8 * 3 + 1);
    }

    @Test
    void mysqlToPostgres() throws Exception {
        Db source = mysql("tf_mp_source");
        Db target = postgres("tf_mp_target");
        createShards(source);
        Path pipeline = pipeline("tf-mp", mysql.section(source.name()), pgSection(target.name()));
        run("tf-mp", source, source.name(), pipeline, target);
        assertThat(servers.queryLong(target.name(), "SELECT count(*) FROM orders_all WHERE _deleted")).isEqualTo(1);
    }

    @Test
    void postgresToMySql() throws Exception {
        Db source = postgres("tf_pm_source");
        Db target = mysql("tf_pm_target");
        createShards(source);
        Path pipeline = pipeline("tf-pm", pgSection(source.name()), mysql.section(target.name()));
        run("tf-pm", source, "public", pipeline, target);
        assertThat(mysql.query(target.name(), "SELECT count(*) FROM orders_all WHERE _deleted"))
                .containsExactly(List.of("1"));
    }

    @Test
    void badTransformsStopFerryRunWithExit2AndOneLine() throws Exception {
        Db source = postgres("tf_bad_source");
        createShards(source);
        String[][] cases = {
                {"filter: \"row.tenant != 'hidden'\"", "filter: \"row.tenantt != 'hidden'\"",
                        "transforms[0].filter", "undefined field 'tenantt'"},
                {"filter: \"row.tenant != 'hidden'\"", "filter: \"row.tenant !=\"", "transforms[0].filter",
                        "syntax error"},
                {"mask: {email: hash}", "mask: {phone: hash}", "transforms[0].mask.phone", "has no column phone"}};
        for (String[] c : cases) {
            Path file = pipeline("tf-bad", pgSection(source.name()), servers.sinkYaml("postgres").substring(6));
            Files.writeString(file, Files.readString(file).replace(c[0], c[1]));
            FerryProcess.Result result = FerryProcess.run(dir, "run", file.toString(), "--startup-timeout", "PT0S");
            assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
            String[] lines = result.output().strip().split("\\R");
            assertThat(lines).as(result.output()).hasSize(1);
            assertThat(lines[0]).startsWith("ferry: ").contains("tf-bad.yaml:").contains(c[2]).contains(c[3]);
        }
    }
}
