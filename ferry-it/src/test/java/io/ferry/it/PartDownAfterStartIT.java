package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.core.health.Part;
import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After start, the status line, the API and the metrics name the part that is down, since when, after how many failed
 * attempts and when the next try is, and never say "running" meanwhile; a target that refuses connections, a rotated
 * password or a dropped database is waited for, not fatal, and nothing is lost or applied twice. No stack trace or
 * password reaches the terminal (traces are in the log file). The same holds for a source whose login is refused
 * after start (PostgreSQL and MariaDB): capture waits for it and resumes from the offsets topic.
 */
class PartDownAfterStartIT {

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

    @Test
    void kafkaGoneIsNamedInTheStatusLineUntilItIsBack() throws Exception {
        try (KafkaTestCluster kafka = KafkaTestCluster.start(1)) {
            String bootstrap = kafka.bootstrapServers();
            servers.createDatabase("down_kafka");
            servers.execute("down_kafka", "CREATE TABLE items (id int PRIMARY KEY)", "INSERT INTO items VALUES (1)");
            Path file = Files.writeString(dir.resolve("k.yaml"), Files.readString(servers.pipeline(dir, "downkafka",
                    "down_kafka", "[public.items]")).replace(servers.bootstrapServers(), bootstrap));
            try (FerryProcess run = FerryProcess.start(dir.resolve("k.out"), "384m", "run", file.toString(),
                    "--status-interval", "PT1S")) {
                awaitOutput(run, "] capture running");
                int before = run.output().length();

                kafka.kafka().stopBroker(1);
                String down = "waiting for Kafka at " + bootstrap + ": connection refused";
                awaitOutput(run, down);
                int firstDown = run.output().indexOf(down, before);
                // Three more status lines while it is down: each says so, none says running.
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> statusLines(run, firstDown).size() >= 3);
                assertThat(statusLines(run, firstDown)).allSatisfy(l -> assertThat(l)
                        .contains("] capture waiting", down).containsPattern("\\(down \\d+ s\\)")
                        .doesNotContain("capture running"));

                kafka.kafka().restartBroker(1);
                int restarted = run.output().length();
                Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> statusLines(run, restarted).stream()
                        .anyMatch(l -> l.contains("] capture running") && !l.contains("waiting for")));
                run.terminate();
            }
        }
    }

    @Test
    void aSinkRefusingConnectionsOrItsLoginIsRetriedUntilItTakesThemAgain() throws Exception {
        String rotated = "rotated-pw-4711";
        try (PostgresTestServer target = PostgresTestServer.start(Map.of())) {
            try (Connection c = target.admin("postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE vanishing OWNER " + PostgresTestServer.USER);
            }
            // Every write to the target's row is witnessed: a change applied twice leaves two.
            try (Connection c = target.admin("vanishing"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE items (id int PRIMARY KEY)");
                s.execute("CREATE TABLE writes (id int)");
                s.execute("CREATE FUNCTION witness() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " INSERT INTO writes VALUES (NEW.id); RETURN NEW; END $$");
                s.execute("CREATE TRIGGER witness AFTER INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION witness()");
                s.execute("ALTER TABLE items OWNER TO " + PostgresTestServer.USER);
                s.execute("ALTER TABLE writes OWNER TO " + PostgresTestServer.USER);
            }
            servers.createDatabase("down_sink");
            servers.execute("down_sink", "CREATE TABLE items (id int PRIMARY KEY)", "INSERT INTO items VALUES (1)");
            int httpPort = PostgresTestServer.freePort();
            String sink = "sink:\n  type: postgres\n  host: 127.0.0.1\n  port: " + target.port() + "\n"
                    + "  database: vanishing\n  user: " + PostgresTestServer.USER + "\n  password: "
                    + PostgresTestServer.PASSWORD + "\nhttp:\n  port: " + httpPort + "\n";
            Path file = servers.pipeline(dir, "downsink", "down_sink", "[public.items]", sink);
            OpsApi api = new OpsApi("http://127.0.0.1:" + httpPort, null);
            try (FerryProcess run = FerryProcess.start(dir.resolve("s.out"), "384m", "run", file.toString(),
                    "--status-interval", "PT1S")) {
                awaitOutput(run, "applied 1 ");
                // The target stops taking this login's connections (a transient refusal), and drops the one it had.
                adminOf(target, "ALTER ROLE " + PostgresTestServer.USER + " CONNECTION LIMIT 0",
                        terminate(PostgresTestServer.USER));
                servers.execute("down_sink", "INSERT INTO items VALUES (2)");
                String down = "sink postgres at 127.0.0.1:" + target.port() + "/vanishing: ";
                // First the lost session is named, then the refused reconnection.
                Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> statusLines(run, 0).stream()
                        .anyMatch(l -> l.contains(down) && l.contains("too many connections")));
                String lineDown = run.output().lines().filter(l -> l.contains(down) && l.contains("too many connections"))
                        .findFirst().orElseThrow();
                assertThat(lineDown).contains("] capture running | apply waiting")
                        .containsPattern("\\d+ failed attempts?, retry in \\d+ s \\(down \\d+ s\\)");

                adminOf(target, "ALTER ROLE " + PostgresTestServer.USER + " CONNECTION LIMIT -1");
                awaitOutput(run, "applied 2 ");

                // The password is rotated while Ferry runs: its next login is refused, and retried, not fatal.
                adminOf(target, "ALTER ROLE " + PostgresTestServer.USER + " PASSWORD '" + rotated + "'",
                        terminate(PostgresTestServer.USER));
                servers.execute("down_sink", "INSERT INTO items VALUES (3)");
                String refused = "login refused for user " + PostgresTestServer.USER + " at 127.0.0.1:" + target.port()
                        + ": FATAL: password authentication failed";
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> statusLines(run, 0).stream()
                        .anyMatch(l -> l.contains(down + refused) && l.contains("] capture running | apply waiting")));
                Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonNode status = api.json("/pipelines/downsink/status");
                    assertThat(status.path("state").asText()).isEqualTo("DEGRADED");
                    assertThat(status.path("apply").path("state").asText()).startsWith("retrying (attempt ")
                            .containsPattern("failed, next in \\d+ s\\): " + java.util.regex.Pattern.quote(refused));
                    JsonNode sinkPart = status.path("parts").get(2);
                    assertThat(sinkPart.path("up").asBoolean()).isFalse();
                    assertThat(sinkPart.path("failed_attempts").asInt()).isPositive();
                    assertThat(status.path("conditions").toString()).contains("\"sink_down\"", refused);
                    assertThat(api.get("/metrics").body()).contains("ferry_part_down{part=\"sink\"} 1.0");
                });
                for (String path : new String[] {"/pipelines/downsink", "/pipelines/downsink/status", "/metrics"}) {
                    assertThat(api.get(path).body()).doesNotContain(PostgresTestServer.PASSWORD).doesNotContain(rotated);
                }
                assertThat(run.isAlive()).isTrue();

                adminOf(target, "ALTER ROLE " + PostgresTestServer.USER + " PASSWORD '" + PostgresTestServer.PASSWORD
                        + "'");
                awaitOutput(run, "applied 3 ");
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> api.json("/pipelines/downsink/status")
                        .path("state").asText().equals("RUNNING"));
                assertThat(api.get("/metrics").body()).contains("ferry_part_down{part=\"sink\"} 0.0");
                assertThat(query(target, "SELECT string_agg(id::text, ',' ORDER BY id) FROM items")).isEqualTo("1,2,3");
                assertThat(query(target, "SELECT string_agg(id::text, ',' ORDER BY id) FROM writes"))
                        .as("every row written once").isEqualTo("1,2,3");

                // The target database is dropped while Ferry runs, and created again: Ferry waits, then fills it.
                adminOf(target, "DROP DATABASE vanishing WITH (FORCE)");
                servers.execute("down_sink", "INSERT INTO items VALUES (4)");
                awaitOutput(run, "login refused for user " + PostgresTestServer.USER + " at 127.0.0.1:" + target.port()
                        + ": no database vanishing");
                adminOf(target, "CREATE DATABASE vanishing OWNER " + PostgresTestServer.USER);
                Awaitility.await().atMost(Duration.ofSeconds(90)).until(() ->
                        "1,2,3,4".equals(query(target, "SELECT string_agg(id::text, ',' ORDER BY id) FROM items")));

                run.terminate();
                assertThat(run.output()).as("no stack trace on the terminal").doesNotContain("\tat ");
                assertThat(run.output().lines().filter(l -> l.startsWith("ferry: "))).as("no fatal line").isEmpty();
                assertThat(run.log()).as("each retry is in the log file").contains(refused);
                for (String secret : new String[] {PostgresTestServer.PASSWORD, rotated}) {
                    assertThat(run.output()).doesNotContain(secret);
                    assertThat(run.log()).doesNotContain(secret);
                }
            }
        }
    }

    @Test
    void aSourceRefusingItsLoginAfterStartIsRetriedUntilItTakesItAgain() throws Exception {
        String role = "capture_rot";
        String password = "capture-pw-5150";
        String rotated = "capture-rotated-5151";
        PostgresTestServer pg = servers.postgres();
        servers.createDatabase("down_source");
        servers.createDatabase("down_source_copy");
        // Capture logs in as a role of its own: rotating the shared test role would trip the tests running beside.
        adminOf(pg, "CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD '" + password + "'");
        pg.requirePassword(role);
        try (Connection c = pg.admin("down_source"); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY)");
            s.execute("INSERT INTO items VALUES (1)");
            s.execute("ALTER TABLE items OWNER TO " + role);
            s.execute("ALTER DATABASE down_source OWNER TO " + role);
        }
        servers.execute("down_source_copy", "CREATE TABLE items (id int PRIMARY KEY)", "CREATE TABLE writes (id int)",
                "CREATE FUNCTION witness() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " INSERT INTO writes VALUES (NEW.id); RETURN NEW; END $$",
                "CREATE TRIGGER witness AFTER INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION witness()");
        int httpPort = PostgresTestServer.freePort();
        Path file = servers.pipeline(dir, "downsource", "down_source", "[public.items]",
                servers.sinkYaml("down_source_copy") + "http:\n  port: " + httpPort + "\n");
        String login = "  user: " + PostgresTestServer.USER + "\n  password: " + PostgresTestServer.PASSWORD + "\n";
        Files.writeString(file, Files.readString(file).replaceFirst(java.util.regex.Pattern.quote(login),
                "  user: " + role + "\n  password: " + password + "\n"));
        OpsApi api = new OpsApi("http://127.0.0.1:" + httpPort, null);
        try (FerryProcess run = FerryProcess.start(dir.resolve("src.out"), "384m", "run", file.toString(),
                "--status-interval", "PT1S")) {
            awaitOutput(run, "applied 1 ");

            // The password is rotated while Ferry runs and its sessions are ended: each new login is refused.
            adminOf(pg, "ALTER ROLE " + role + " PASSWORD '" + rotated + "'", terminate(role));
            insert(pg, 2);
            String down = "source postgres at " + pg.host() + ":" + pg.port() + "/down_source: ";
            String refused = "login refused for user " + role + " at " + pg.host() + ":" + pg.port()
                    + ": FATAL: password authentication failed";
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> statusLines(run, 0).stream()
                    .anyMatch(l -> l.contains(down + refused) && l.contains("] capture waiting")));
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode status = api.json("/pipelines/downsource/status");
                assertThat(status.path("capture").path("state").asText()).startsWith("retrying (attempt ")
                        .containsPattern("failed, next in \\d+ s\\): " + java.util.regex.Pattern.quote(refused));
                JsonNode sourcePart = status.path("parts").get(0);
                assertThat(sourcePart.path("part").asText()).isEqualTo("source");
                assertThat(sourcePart.path("up").asBoolean()).isFalse();
                assertThat(sourcePart.path("failed_attempts").asInt()).isPositive();
                assertThat(status.path("conditions").toString()).contains("\"source_down\"", refused);
                assertThat(api.get("/metrics").body()).contains("ferry_part_down{part=\"source\"} 1.0");
            });
            for (String path : new String[] {"/pipelines/downsource", "/pipelines/downsource/status", "/metrics"}) {
                assertThat(api.get(path).body()).doesNotContain(password).doesNotContain(rotated);
            }
            // Writes go on while capture waits; the slot keeps them.
            insert(pg, 3);
            assertThat(run.isAlive()).isTrue();

            adminOf(pg, "ALTER ROLE " + role + " PASSWORD '" + password + "'");
            awaitOutput(run, "applied 3 ");
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> api.json("/pipelines/downsource/status")
                    .path("state").asText().equals("RUNNING"));
            assertThat(api.get("/metrics").body()).contains("ferry_part_down{part=\"source\"} 0.0");
            assertThat(servers.queryLong("down_source_copy", "SELECT count(*) FROM items")).isEqualTo(3);
            assertThat(servers.queryLong("down_source_copy", "SELECT count(*) FROM writes"))
                    .as("every row written once").isEqualTo(3);
            assertThat(servers.queryLong("down_source_copy", "SELECT count(DISTINCT id) FROM writes")).isEqualTo(3);

            run.terminate();
            assertThat(run.output()).as("no stack trace on the terminal").doesNotContain("\tat ");
            assertThat(run.output().lines().filter(l -> l.startsWith("ferry: "))).as("no fatal line").isEmpty();
            assertThat(run.log()).as("each retry is in the log file").contains(refused);
            for (String secret : new String[] {password, rotated}) {
                assertThat(run.output()).doesNotContain(secret);
                assertThat(run.log()).doesNotContain(secret);
            }
        }
    }

    @Test
    void aMariaDbSourceRefusingItsLoginAfterStartIsRetriedUntilItTakesItAgain() throws Exception {
        String user = "binlog_rot";
        String password = "binlog-pw-6160";
        String rotated = "binlog-rotated-6161";
        MySqlDatabases mysql = new MySqlDatabases(Flavor.MARIADB);
        MySqlTestServer server = mysql.server();
        mysql.create("down_binlog");
        server.createUser(user, password, server.capturePrivileges());
        server.grantAllOn("down_binlog", user);
        mysql.execute("down_binlog", "CREATE TABLE items (id int PRIMARY KEY)", "INSERT INTO items VALUES (1)");
        String target = servers.createDatabase("down_binlog_copy");
        servers.execute(target, "CREATE TABLE items (id int PRIMARY KEY)", "CREATE TABLE writes (id int)",
                "CREATE FUNCTION witness() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " INSERT INTO writes VALUES (NEW.id); RETURN NEW; END $$",
                "CREATE TRIGGER witness AFTER INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION witness()");
        Path file = Files.writeString(dir.resolve("binlog.yaml"), "name: downbinlog\nsource:\n"
                + mysql.section("down_binlog").replace("  user: " + MySqlTestServer.USER + "\n  password: "
                        + MySqlTestServer.PASSWORD + "\n", "  user: " + user + "\n  password: " + password + "\n")
                + "  tables: [down_binlog.items]\nkafka:\n  bootstrap-servers: " + servers.bootstrapServers() + "\n"
                + servers.sinkYaml(target));
        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(file), Duration.ofSeconds(10))) {
            runner.start();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || servers.queryLong(target, "SELECT count(*) FROM items") == 1);

            server.alterPassword(user, rotated);
            server.killSessions(user);
            mysql.execute("down_binlog", "INSERT INTO items VALUES (2)");
            String refused = "login refused for user " + user + " at " + server.host() + ":" + server.port() + ": ";
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(runner.failureMessage()).isNull();
                assertThat(runner.health().down()).singleElement().satisfies(p -> {
                    assertThat(p.part()).isEqualTo(Part.SOURCE);
                    assertThat(p.reason()).startsWith(refused).contains("Access denied");
                    assertThat(p.failedAttempts()).isPositive();
                });
            });
            assertThat(runner.health().down().get(0).describe(runner.health().now()))
                    .doesNotContain(password).doesNotContain(rotated);
            mysql.execute("down_binlog", "INSERT INTO items VALUES (3)");

            server.alterPassword(user, password);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || servers.queryLong(target, "SELECT count(*) FROM items") == 3);
            assertThat(runner.failureMessage()).isNull();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runner.health().down().isEmpty());
            assertThat(servers.queryLong(target, "SELECT count(*) FROM writes")).as("every row written once")
                    .isEqualTo(3);
            assertThat(servers.queryLong(target, "SELECT count(DISTINCT id) FROM writes")).isEqualTo(3);
        }
    }

    private static void insert(PostgresTestServer pg, int id) throws Exception {
        try (Connection c = pg.admin("down_source"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO items VALUES (" + id + ")");
        }
    }

    private static String terminate(String user) {
        return "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + user + "'";
    }

    /** The first column of the first row in the target's database {@code vanishing}, or null when it has none. */
    private static String query(PostgresTestServer server, String sql) {
        try (Connection c = server.admin("vanishing"); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (java.sql.SQLException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    /** The status lines the process printed after {@code from} (an offset into its output), whole lines only. */
    private static List<String> statusLines(FerryProcess run, int from) throws java.io.IOException {
        String out = run.output();
        int start = out.indexOf('\n', from) + 1;
        return out.substring(start, out.lastIndexOf('\n') + 1).lines().filter(l -> l.contains("] capture ")).toList();
    }

    private static void adminOf(PostgresTestServer server, String... sql) throws Exception {
        try (Connection c = server.admin("postgres"); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static void awaitOutput(FerryProcess run, String text) {
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> !run.isAlive() || run.output().contains(text));
        try {
            assertThat(run.output()).contains(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
