package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.clickhouse.ClickHouseTestServer;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A change the target refuses (a CHECK constraint that exists only in the target): with
 * {@code on-error: dead-letter} it goes to {@code <prefix>.ferry-dlq} with the reason in its headers and
 * every other change keeps applying; with {@code on-error: stop} the pipeline stops naming table, key and
 * offset, and nothing after it is skipped: once the target accepts the change, a restart applies it. The same into
 * ClickHouse (Debian's 18.16), where the refusal is the sink's own (a date outside the server's {@code Date}): dead-
 * lettered by name with the rest applied, or a stop naming table, key, offset and value that skips nothing.
 */
class DeadLetterIT {

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
    void aRefusedChangeGoesToTheDeadLetterTopicAndTheOthersKeepApplying() throws Exception {
        String source = servers.createDatabase("dlq_source");
        String target = servers.createDatabase("dlq_target");
        createOrders(source);
        Path pipeline = servers.pipeline(dir, "dlq", source, "[public.orders]",
                servers.sinkYaml(target, "on-error: dead-letter"));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            awaitRows(target, "SELECT count(*) FROM orders", 3, runner);
            servers.execute(target, "ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0)");

            servers.execute(source,
                    "INSERT INTO orders VALUES (4, 4, 'fine'), (5, -1, 'refused'), (6, 6, 'fine')",
                    "UPDATE orders SET note = 'after the refused one' WHERE id = 2");
            awaitRows(target, "SELECT count(*) FROM orders WHERE id IN (4, 6)"
                    + " OR id = 2 AND note = 'after the refused one'", 3, runner);

            List<ConsumerRecord<byte[], byte[]>> dead = TopicWatcher.drain(servers.bootstrapServers(),
                    List.of("dlq.ferry-dlq"));
            assertThat(dead).hasSize(1);
            ConsumerRecord<byte[], byte[]> r = dead.get(0);
            String reason = header(r, "ferry.error.reason");
            System.out.println("dead-lettered: key " + new String(r.key(), StandardCharsets.UTF_8) + ", reason: "
                    + reason);
            assertThat(new ObjectMapper().readTree(r.value()).get("after").get("id").asInt()).isEqualTo(5);
            assertThat(reason).contains("orders").contains("id=5").contains("qty_positive");
            assertThat(header(r, "ferry.source.topic")).isEqualTo("dlq.public.orders");
            assertThat(header(r, "ferry.source.offset")).matches("\\d+");
            assertThat(servers.queryLong(target, "SELECT count(*) FROM orders WHERE id = 5")).isZero();
            assertThat(runner.failureMessage()).isNull();

            // The dead-lettered row is a difference verify reports, not something it hides.
            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            assertThat(verify.exitCode()).as(verify.output()).isEqualTo(1);
            assertThat(verify.output()).contains("key (5): source (5,-1,refused), target (missing)");
        }
    }

    @Test
    void withStopTheRefusedChangeStopsThePipelineAndIsAppliedAfterTheFix() throws Exception {
        String source = servers.createDatabase("dlqstop_source");
        String target = servers.createDatabase("dlqstop_target");
        createOrders(source);
        Path pipeline = servers.pipeline(dir, "dlqstop", source, "[public.orders]",
                servers.sinkYaml(target, "on-error: stop"));
        Path log = dir.resolve("ferry.log");

        try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !ferry.isAlive()
                    || servers.queryLong(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'orders'") == 1
                    && servers.queryLong(target, "SELECT count(*) FROM orders") == 3);
            assertThat(ferry.isAlive()).as(ferry.output()).isTrue();
            servers.execute(target, "ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0)");
            servers.execute(source, "INSERT INTO orders VALUES (5, -1, 'refused')",
                    "INSERT INTO orders VALUES (6, 6, 'after the refused one')");
            await().atMost(Duration.ofSeconds(60)).until(() -> !ferry.isAlive());
            String output = ferry.output();
            System.out.println(output.lines().filter(l -> l.startsWith("ferry:")).findFirst().orElse(output));
            assertThat(ferry.exitCode()).as(output).isEqualTo(1);
            assertThat(output).containsPattern("ferry: cannot apply public\\.orders key \\{\"id\":5\\}"
                    + " at dlqstop\\.public\\.orders-0@\\d+: .*qty_positive");
        }
        assertThat(servers.queryLong(target, "SELECT count(*) FROM orders WHERE id >= 5")).isZero();

        servers.execute(target, "ALTER TABLE orders DROP CONSTRAINT qty_positive");
        try (FerryProcess ferry = FerryProcess.start(log, "256m", "run", pipeline.toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !ferry.isAlive()
                    || servers.queryLong(target, "SELECT count(*) FROM orders WHERE id >= 5") == 2);
            assertThat(ferry.isAlive()).as(ferry.output()).isTrue();
            ferry.terminate();
        }
        assertThat(servers.queryLong(target, "SELECT qty FROM orders WHERE id = 5")).isEqualTo(-1);
    }

    @Test
    void aValueClickHouseCannotHoldIsDeadLetteredAndTheOthersKeepApplying() throws Exception {
        ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
        String source = servers.createDatabase("dlqch_source");
        String target = clickhouse.freshDatabase();
        createShipments(source);
        Path pipeline = servers.pipeline(dir, "dlqch", source, "[public.shipments]",
                clickHouseSink(clickhouse, target, "dead-letter"));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || shipments(clickhouse, target).size() == 3);
            servers.execute(source,
                    "INSERT INTO shipments VALUES (4, '2024-02-29'), (5, '1969-12-31'), (6, '2105-12-31')",
                    "UPDATE shipments SET due = '2106-01-01' WHERE id = 1",
                    "UPDATE shipments SET due = '1970-01-02' WHERE id = 2");
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || shipments(clickhouse, target).size() == 5
                    && shipments(clickhouse, target).contains(List.of("2", "1970-01-02")));
            assertThat(runner.failureMessage()).isNull();
            // Row 1 keeps its date: its refused update is not stored as another day.
            assertThat(shipments(clickhouse, target)).containsExactly(List.of("1", "2024-01-01"),
                    List.of("2", "1970-01-02"), List.of("3", "2024-01-03"), List.of("4", "2024-02-29"),
                    List.of("6", "2105-12-31"));

            List<ConsumerRecord<byte[], byte[]>> dead = TopicWatcher.drain(servers.bootstrapServers(),
                    List.of("dlqch.ferry-dlq"));
            List<String> reasons = dead.stream().map(r -> header(r, "ferry.error.reason")).toList();
            System.out.println("dead-lettered:\n  " + String.join("\n  ", reasons));
            assertThat(reasons).hasSize(2);
            assertThat(reasons.get(0)).contains("shipments").contains("id=5").contains("1969-12-31");
            assertThat(reasons.get(1)).contains("shipments").contains("id=1").contains("2106-01-01");
            assertThat(dead).allSatisfy(r -> assertThat(header(r, "ferry.source.topic"))
                    .isEqualTo("dlqch.public.shipments"));
        }
    }

    @Test
    void withStopAValueClickHouseCannotHoldStopsThePipelineAndNothingAfterItIsSkipped() throws Exception {
        ClickHouseTestServer clickhouse = ClickHouseTestServer.shared();
        String source = servers.createDatabase("dlqchstop_source");
        String target = clickhouse.freshDatabase();
        createShipments(source);
        Path pipeline = servers.pipeline(dir, "dlqchstop", source, "[public.shipments]",
                clickHouseSink(clickhouse, target, "stop"));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || shipments(clickhouse, target).size() == 3);
            servers.execute(source, "INSERT INTO shipments VALUES (4, '2024-02-29')",
                    "INSERT INTO shipments VALUES (5, '1969-12-31')",
                    "INSERT INTO shipments VALUES (6, '2105-12-31')");
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null);
            System.out.println("stopped: " + runner.failureMessage());
            assertThat(runner.failureMessage()).containsPattern("cannot apply public\\.shipments key \\{\"id\":5\\}"
                    + " at dlqchstop\\.public\\.shipments-0@\\d+: .*1969-12-31");
        }
        // The refused change's batch wrote nothing (row 4 may have shared it), and nothing after it was applied.
        assertThat(shipments(clickhouse, target)).extracting(r -> r.get(0)).startsWith("1", "2", "3")
                .doesNotContain("5", "6");

        // Nothing after the refused change was skipped: run again with dead-letter, and it is set aside, 6 applied.
        Path again = Files.writeString(pipeline, Files.readString(pipeline).replace("on-error: stop",
                "on-error: dead-letter"));
        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(again),
                Duration.ofSeconds(30))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || shipments(clickhouse, target).size() == 5);
            assertThat(runner.failureMessage()).isNull();
        }
        assertThat(shipments(clickhouse, target)).extracting(r -> r.get(0)).containsExactly("1", "2", "3", "4", "6");
        assertThat(TopicWatcher.drain(servers.bootstrapServers(), List.of("dlqchstop.ferry-dlq"))).hasSize(1);
    }

    private static void createShipments(String db) {
        servers.execute(db, "CREATE TABLE shipments (id int PRIMARY KEY, due date)",
                "INSERT INTO shipments VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, '2024-01-03')");
    }

    private static String clickHouseSink(ClickHouseTestServer clickhouse, String database, String onError) {
        return "sink:\n  type: clickhouse\n  host: " + ClickHouseTestServer.HOST + "\n  port: " + clickhouse.httpPort()
                + "\n  database: " + database + "\n  user: " + ClickHouseTestServer.USER + "\n  password: "
                + ClickHouseTestServer.PASSWORD + "\n  on-error: " + onError + "\n";
    }

    /** The {@code FINAL}, non-deleted rows (id, due) ordered by id; none while the table does not exist. */
    private static List<List<String>> shipments(ClickHouseTestServer clickhouse, String database) {
        try {
            return clickhouse.query("SELECT toString(id), toString(due) FROM " + database
                    + ".shipments FINAL WHERE _ferry_deleted = 0 ORDER BY id");
        } catch (IllegalStateException e) {
            return List.of();
        }
    }

    private static void createOrders(String db) {
        servers.execute(db, "CREATE TABLE orders (id int PRIMARY KEY, qty int, note text)",
                "INSERT INTO orders VALUES (1, 1, 'one'), (2, 2, 'two'), (3, 3, 'three')");
    }

    private static void awaitRows(String db, String countSql, long rows, PipelineRunner runner) {
        await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                || servers.queryLong(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'orders'") == 1
                && servers.queryLong(db, countSql) == rows);
        assertThat(runner.failureMessage()).isNull();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
