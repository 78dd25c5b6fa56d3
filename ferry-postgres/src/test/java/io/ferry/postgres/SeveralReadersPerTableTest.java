package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One table read by several connections at once ({@code source.snapshot-parallelism}): each key range goes to
 * whichever reader is idle, and the chunks are handed over in key order, so every row arrives once, in the order of
 * its key, with a progress that names exactly the rows and the last key handed over; a stop mid-table resumes at
 * the chunk it was in, re-reading no more than that chunk. Text keys hold a quote and a backslash.
 */
class SeveralReadersPerTableTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "several_readers_slot";
    private static final int ROWS = 20_000;
    private static final int CHUNK = 500;
    private static final TableId TABLE = new TableId("public", "sr_big");

    @Test
    void fourReadersHandEveryRowOverOnceInKeyOrderAndAStopResumesAtItsChunk() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("DROP TABLE IF EXISTS sr_big",
                "CREATE TABLE sr_big (a int, b text, v int, PRIMARY KEY (a, b))",
                // A quote and a backslash in every text key: ranges are bounded by key literals in the reader's COPY.
                "INSERT INTO sr_big SELECT g % 13, 'k''\\' || g, g FROM generate_series(1, " + ROWS + ") g");
        List<String> keyOrder = keyOrder();
        SourceConfig config = PG.sourceConfig(List.of("sr_big"), SnapshotMode.INITIAL).withSnapshotChunkRows(CHUNK)
                .withSnapshotParallelism(4);
        try {
            PostgresSource first = new PostgresSource(config, SLOT);
            StoppingHandler stop = new StoppingHandler(first, e -> e.op() == Operation.READ, 3_210, false);
            first.prepare();
            first.run(Map.of(), stop);
            first.close();
            List<ChangeEvent> before = stop.recorded.changesOf("sr_big");
            assertThat(before.size()).isBetween(3_210, ROWS - 1);
            assertThat(keysOf(before)).isEqualTo(keyOrder.subList(0, before.size()));
            assertExactProgress(before, keyOrder);

            // The last Kafka transaction committed with the 3,210th event, inside the 7th chunk.
            ChangeEvent committed = before.get(3_209);
            SnapshotProgress.Table at = ((PgPosition) committed.position()).snapshotProgress.of(TABLE);
            assertThat(at).isEqualTo(new SnapshotProgress.Table(3_000, 6, Backfill.keyText(key(keyOrder, 2_999)),
                    false));
            PostgresSource second = new PostgresSource(config, SLOT);
            second.prepare();
            try (Capture c = Capture.start(second, RecordingHandler.describe(committed.position()), true,
                    stop.recorded.schemas)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> c.handler.calls.contains("flush")
                        || c.failure() != null);
                assertThat(c.failure()).isNull();
                List<ChangeEvent> after = c.handler.changesOf("sr_big");
                // The 7th chunk again (210 rows of it were handed over before), then the rest: once each, in order.
                assertThat(keysOf(after)).isEqualTo(keyOrder.subList(3_000, ROWS));
                assertThat(after).allMatch(e -> e.op() == Operation.READ);
                SourceStatus.TableProgress done = second.status().tables().get(0);
                // 40 full ranges, then an empty tail ends the table.
                assertThat(done.rowsDone()).isEqualTo(ROWS);
                assertThat(done.chunksDone()).isEqualTo(ROWS / CHUNK + 1);
                assertThat(done.chunkRows()).isEqualTo(CHUNK);
                assertThat(done.done()).isTrue();
            }
        } finally {
            PG.dropSlot(SLOT);
            PG.execute("DROP TABLE sr_big");
        }
    }

    /** A chunk's events carry the progress before it, its last event the progress after it: rows and last key. */
    private static void assertExactProgress(List<ChangeEvent> events, List<String> keyOrder) {
        for (int i = 0; i < events.size(); i++) {
            SnapshotProgress.Table p = ((PgPosition) events.get(i).position()).snapshotProgress.of(TABLE);
            int handed = (i + 1) % CHUNK == 0 ? i + 1 : i / CHUNK * CHUNK;
            if (handed == 0) {
                assertThat(p).isNull();
            } else {
                assertThat(p).as("progress at event %d", i).isEqualTo(new SnapshotProgress.Table(handed,
                        handed / CHUNK, Backfill.keyText(key(keyOrder, handed - 1)), false));
            }
        }
    }

    private static String[] key(List<String> keyOrder, int index) {
        return keyOrder.get(index).split("/");
    }

    private static List<String> keysOf(List<ChangeEvent> events) {
        return events.stream().map(e -> e.after()[0] + "/" + e.after()[1]).toList();
    }

    /** The table's keys in the server's key order. */
    private static List<String> keyOrder() throws Exception {
        List<String> keys = new ArrayList<>(ROWS);
        try (Connection c = PG.connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT a, b FROM sr_big ORDER BY a, b")) {
            while (rs.next()) {
                keys.add(rs.getInt(1) + "/" + rs.getString(2));
            }
        }
        return keys;
    }
}
