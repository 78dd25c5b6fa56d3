package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.charset.StandardCharsets;
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
 * offset, and nothing after it is skipped: once the target accepts the change, a restart applies it.
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
