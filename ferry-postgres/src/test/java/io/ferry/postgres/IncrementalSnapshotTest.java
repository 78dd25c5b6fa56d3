package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourcePosition;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code snapshot: incremental} streams from the start and copies every table in chunks alongside the stream: each
 * row is read once, no position claims a snapshot transaction, and the slot is acknowledged further while the copy
 * runs, so a long copy does not hold WAL back.
 */
class IncrementalSnapshotTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "incremental_slot";
    private static final int ROWS = 40_000;
    private static final List<String> TABLES = List.of("inc_big", "inc_log");

    @Test
    void everyRowIsCopiedOnceWhileTheStreamGoesOnAndTheSlotMovesOn() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("DROP TABLE IF EXISTS inc_big, inc_log",
                "CREATE TABLE inc_big (id int PRIMARY KEY, v text)",
                "INSERT INTO inc_big SELECT g, 'v' || g FROM generate_series(1, " + ROWS + ") g",
                "CREATE TABLE inc_log (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())");
        PostgresSource source = new PostgresSource(PG.sourceConfig(TABLES, SnapshotMode.INCREMENTAL)
                .withSnapshotChunkRows(1_000), SLOT);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Exception> writeFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = PG.connect(); Statement st = c.createStatement()) {
                while (writing.get()) {
                    st.execute("INSERT INTO inc_log DEFAULT VALUES");
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                writeFailure.set(e);
            }
        });
        try (Capture c = Capture.start(source, Map.of(), true)) {
            writer.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> c.failure() != null || writeFailure.get() != null
                    || (reads(c).size() >= ROWS && source.status().copies().isEmpty()));
            writing.set(false);
            writer.join(10_000);
            assertThat(c.failure()).isNull();
            assertThat(writeFailure.get()).isNull();

            Set<Object> keys = new HashSet<>();
            for (ChangeEvent e : reads(c)) {
                assertThat(keys.add(e.after()[0])).as("row %s read twice", e.after()[0]).isTrue();
                assertThat(e.after()[1]).isEqualTo("v" + e.after()[0]);
            }
            assertThat(keys).hasSize(ROWS);
            assertThat(c.handler.changesOf("inc_log")).isNotEmpty();
            // Streamed while the copy ran, and acknowledged: the slot released WAL during the copy.
            long firstAck = Long.MAX_VALUE;
            long lastAck = 0;
            for (SourcePosition p : c.handler.boundaries) {
                Map<String, Object> d = RecordingHandler.describe(p);
                assertThat(d.get(PgPosition.SNAPSHOT)).isEqualTo(false);
                if (d.containsKey(PgPosition.BACKFILL) && d.containsKey(PgPosition.END_LSN)) {
                    long ack = ((Number) d.get(PgPosition.END_LSN)).longValue();
                    firstAck = Math.min(firstAck, ack);
                    lastAck = Math.max(lastAck, ack);
                }
            }
            assertThat(lastAck).as("acknowledged positions handed over during the copy").isGreaterThan(firstAck);
            long acked = lastAck;
            await().atMost(Duration.ofSeconds(10)).until(() -> PG.confirmedFlushLsn(SLOT) >= acked);
        } finally {
            writing.set(false);
            writer.join(10_000);
            source.close();
            PG.dropSlot(SLOT);
        }
    }

    private static List<ChangeEvent> reads(Capture c) {
        return c.handler.changesOf("inc_big").stream().filter(e -> e.op() == Operation.READ).toList();
    }
}
