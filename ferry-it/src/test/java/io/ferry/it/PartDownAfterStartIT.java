package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After start, the status line names the part that is down, since when and when the next try is, and never says
 * "running" meanwhile; a stop nobody asked for exits non-zero with one line and no stack trace on the terminal (the
 * trace is in the log file).
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
    void aSinkRefusingConnectionsIsNamedWithItsRetryAndAVanishedDatabaseExits1() throws Exception {
        try (PostgresTestServer target = PostgresTestServer.start(Map.of())) {
            try (Connection c = target.admin("postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE vanishing OWNER " + PostgresTestServer.USER);
            }
            servers.createDatabase("down_sink");
            servers.execute("down_sink", "CREATE TABLE items (id int PRIMARY KEY)", "INSERT INTO items VALUES (1)");
            String sink = "sink:\n  type: postgres\n  host: 127.0.0.1\n  port: " + target.port() + "\n"
                    + "  database: vanishing\n  user: " + PostgresTestServer.USER + "\n  password: "
                    + PostgresTestServer.PASSWORD + "\n";
            Path file = servers.pipeline(dir, "downsink", "down_sink", "[public.items]", sink);
            try (FerryProcess run = FerryProcess.start(dir.resolve("s.out"), "384m", "run", file.toString(),
                    "--status-interval", "PT1S")) {
                awaitOutput(run, "applied 1 ");
                // The target stops taking this login's connections (a transient refusal), and drops the one it had.
                adminOf(target, "ALTER ROLE " + PostgresTestServer.USER + " CONNECTION LIMIT 0",
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"
                                + PostgresTestServer.USER + "'");
                servers.execute("down_sink", "INSERT INTO items VALUES (2)");
                String down = "sink postgres at 127.0.0.1:" + target.port() + "/vanishing: ";
                // First the lost session is named, then the refused reconnection.
                Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> statusLines(run, 0).stream()
                        .anyMatch(l -> l.contains(down) && l.contains("too many connections")));
                String lineDown = run.output().lines().filter(l -> l.contains(down) && l.contains("too many connections"))
                        .findFirst().orElseThrow();
                assertThat(lineDown).contains("] capture running | apply waiting")
                        .containsPattern("retry in \\d+ s \\(down \\d+ s\\)");

                adminOf(target, "ALTER ROLE " + PostgresTestServer.USER + " CONNECTION LIMIT -1");
                awaitOutput(run, "applied 2 ");

                adminOf(target, "DROP DATABASE vanishing WITH (FORCE)");
                servers.execute("down_sink", "INSERT INTO items VALUES (3)");
                assertThat(run.process().waitFor(90, TimeUnit.SECONDS)).as(run.output()).isTrue();

                assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
                List<String> errors = run.output().lines().filter(l -> l.startsWith("ferry: ")).toList();
                assertThat(errors).as(run.output()).hasSize(1);
                assertThat(errors.get(0)).contains("has no database vanishing");
                assertThat(run.output()).as("no stack trace on the terminal").doesNotContain("\tat ")
                        .doesNotContain("] stopped");
                assertThat(run.log()).as("the trace is in the log file").contains("\tat ");
            }
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
