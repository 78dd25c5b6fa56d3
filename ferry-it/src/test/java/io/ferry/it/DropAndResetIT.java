package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry drop} removes everything a pipeline keeps (slot, publication, topics, consumer group, its rows in the
 * target's bookkeeping tables) and refuses while the pipeline runs; {@code ferry reset} makes the next run take a
 * new snapshot into emptied target tables, after which {@code ferry verify} finds source and target equal even though
 * rows changed while the pipeline was stopped.
 */
class DropAndResetIT {

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
    void dropLeavesNoSlotPublicationTopicOrGroupAndRefusesWhileRunning() throws Exception {
        Path file = pipeline("dropme", "drop_src", "drop_dst");
        runUntilApplied(file, "drop_dst", 10, () -> {
            FerryProcess.Result running = FerryInProcess.run("drop", file.toString(), "--yes");
            assertThat(running.exitCode()).as(running.output()).isEqualTo(2);
            assertThat(running.output()).contains("the pipeline is running: replication slot ferry_dropme");
        });
        Owned before = owned("dropme", "drop_dst");
        assertThat(before.slot()).isTrue();
        assertThat(before.publication()).isTrue();
        assertThat(before.topics()).containsExactlyInAnyOrder("dropme.public.items", "dropme.ferry-offsets",
                "dropme.ferry-schemas");
        assertThat(before.group()).isTrue();
        assertThat(before.offsetRows()).isEqualTo(1);
        assertThat(before.schemaRows()).isEqualTo(1);

        FerryProcess.Result declined = FerryInProcess.runWithInput("n\n", "drop", file.toString());
        assertThat(declined.exitCode()).as(declined.output()).isEqualTo(1);
        assertThat(declined.output()).contains("source: replication slot ferry_dropme", "Kafka: topic dropme.public.items",
                "Kafka: consumer group ferry-dropme-sink", "sink: 1 row(s) of public.ferry_offsets",
                "Drop all of this? [y/N]", "nothing removed");
        assertThat(owned("dropme", "drop_dst")).isEqualTo(before);

        FerryProcess.Result dropped = FerryInProcess.run("drop", file.toString(), "--yes");
        assertThat(dropped.exitCode()).as(dropped.output()).isZero();
        assertThat(owned("dropme", "drop_dst")).isEqualTo(new Owned(false, false, List.of(), false, 0, 0));
        assertThat(servers.queryLong("drop_dst", "SELECT count(*) FROM items")).as("the target's data stays")
                .isEqualTo(10);

        FerryProcess.Result again = FerryInProcess.run("drop", file.toString(), "--yes");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains("pipeline dropme keeps nothing to remove");
    }

    @Test
    void resetTakesANewSnapshotIntoEmptiedTablesAndVerifyPasses() throws Exception {
        Path file = pipeline("resetme", "reset_src", "reset_dst");
        runUntilApplied(file, "reset_dst", 10, () -> { });
        // While it is stopped: changes the old slot holds, which a reset throws away with it.
        servers.execute("reset_src", "DELETE FROM items WHERE id <= 3", "UPDATE items SET v = 'changed' WHERE id = 4",
                "INSERT INTO items SELECT g, 'new' FROM generate_series(11, 15) g");

        FerryProcess.Result reset = FerryInProcess.run("reset", file.toString(), "--yes");
        assertThat(reset.exitCode()).as(reset.output()).isZero();
        assertThat(reset.output()).contains("sink: the 10 row(s) of table public.items",
                "the next `ferry run` takes a new snapshot");
        assertThat(servers.queryLong("reset_dst", "SELECT count(*) FROM items")).isZero();
        assertThat(owned("resetme", "reset_dst").slot()).isFalse();

        runUntilApplied(file, "reset_dst", 12, () -> {
            FerryProcess.Result verify = FerryInProcess.run("verify", file.toString(), "--timeout", "PT60S");
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output()).contains("public.items: match (12 rows");
        });
        assertThat(servers.queryLong("reset_dst", "SELECT count(*) FROM items WHERE id <= 3")).isZero();
    }

    private Path pipeline(String name, String source, String target) {
        servers.createDatabase(source);
        servers.createDatabase(target);
        servers.execute(source, "CREATE TABLE items (id int PRIMARY KEY, v text)",
                "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 10) g");
        return servers.pipeline(dir, name, source, "[public.items]", servers.sinkYaml(target));
    }

    /** Runs the pipeline until the target holds {@code rows} rows, does {@code meanwhile}, then stops it cleanly. */
    private void runUntilApplied(Path file, String target, long rows, ThrowingRunnable meanwhile) throws Exception {
        try (FerryProcess run = FerryProcess.start(dir.resolve("run.out"), "384m", "run", file.toString(),
                "--status-interval", "PT1S")) {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> !run.isAlive() || servers.queryLong(target, "SELECT count(*) FROM"
                            + " (SELECT 1 FROM pg_tables WHERE tablename = 'items') t") == 1
                            && servers.queryLong(target, "SELECT count(*) FROM items") == rows);
            assertThat(run.isAlive()).as(run.output()).isTrue();
            meanwhile.run();
            run.terminate();
        }
    }

    /** What the pipeline keeps: listed from PostgreSQL and Kafka directly, not through Ferry. */
    private Owned owned(String name, String target) throws Exception {
        String slot = "ferry_" + name;
        boolean hasSlot = servers.queryLong(PostgresTestServer.DATABASE,
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'") == 1;
        String source = name.equals("dropme") ? "drop_src" : "reset_src";
        boolean hasPublication = servers.queryLong(source,
                "SELECT count(*) FROM pg_publication WHERE pubname = '" + slot + "'") == 1;
        List<String> topics;
        boolean group;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers.bootstrapServers()))) {
            topics = new TreeSet<>(admin.listTopics().names().get()).stream()
                    .filter(t -> t.startsWith(name + ".")).toList();
            group = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId)
                    .anyMatch(("ferry-" + name + "-sink")::equals);
        }
        long offsetRows = servers.queryLong(target, "SELECT count(*) FROM ferry_offsets WHERE topic LIKE '" + name
                + ".%'");
        long schemaRows = servers.queryLong(target, "SELECT count(*) FROM ferry_schemas WHERE table_name = 'items'");
        return new Owned(hasSlot, hasPublication, topics, group, offsetRows, schemaRows);
    }

    private record Owned(boolean slot, boolean publication, List<String> topics, boolean group, long offsetRows,
                         long schemaRows) {
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
