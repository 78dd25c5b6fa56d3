package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One table read by several connections at once ({@code source.snapshot-parallelism}), all inside consistent-snapshot
 * transactions opened under one global read lock: each key range goes to whichever reader is idle, and the chunks
 * are handed over in key order, so every row arrives once, in the order of its key, with a progress that names
 * exactly the rows, chunks and last key handed over; a crash mid-table resumes at the chunk it was in, re-reading no
 * more than that chunk.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class SeveralReadersPerTableTest {

    private static final int ROWS = 12_000;
    private static final int CHUNK = 500;
    private static final String TABLE = MySqlTestServer.DATABASE + ".spr_big";

    private final MySqlTestServer db;

    SeveralReadersPerTableTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void fourReadersHandEveryRowOverOnceInKeyOrderAndACrashResumesAtItsChunk() throws Exception {
        db.execute("DROP TABLE IF EXISTS spr_big",
                "CREATE TABLE spr_big (a int, b varchar(12), v int, PRIMARY KEY (a, b))",
                db.allowRecursion(ROWS + 1),
                "INSERT INTO spr_big WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < " + ROWS
                        + ") SELECT i % 13, CONCAT('k', i), i FROM g");
        List<String> keyOrder = keyOrder();
        SourceConfig config = db.sourceConfig(List.of("spr_big"), SnapshotMode.INITIAL).withSnapshotParallelism(4);
        List<ChangeEvent> all;
        List<TableSchema> schemas;
        MySqlSource first = new MySqlSource(config, 241, CHUNK);
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> first.status().phase().equals("streaming")
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            all = List.copyOf(c.handler.changesOf("spr_big"));
            schemas = List.copyOf(c.handler.schemas);
            // 24 ranges of 500 rows; the empty tail that ends the table counts no chunk.
            SourceStatus.TableProgress done = first.status().tables().get(0);
            assertThat(done.rowsDone()).isEqualTo(ROWS);
            assertThat(done.chunksDone()).isEqualTo(ROWS / CHUNK);
            assertThat(done.done()).isTrue();
        }
        assertThat(all).allMatch(e -> e.op() == Operation.READ);
        assertThat(keysOf(all)).isEqualTo(keyOrder);
        for (int i = 0; i < all.size() - 1; i++) {
            int handed = (i + 1) % CHUNK == 0 ? i + 1 : i / CHUNK * CHUNK;
            SnapshotProgress.Table p = progressOf(all.get(i));
            if (handed == 0) {
                assertThat(p).isNull();
            } else {
                assertThat(p).as("progress at event %d", i).isEqualTo(new SnapshotProgress.Table(handed,
                        handed / CHUNK, false, Arrays.asList(keyOrder.get(handed - 1).split("/"))));
            }
        }

        // The crash: the last Kafka transaction committed with the 3,210th row, inside the 7th chunk.
        Map<String, Object> crashedAt = RecordingHandler.describe(all.get(3_209).position());
        assertThat(progressOf(all.get(3_209))).isEqualTo(new SnapshotProgress.Table(3_000, 6, false,
                Arrays.asList(keyOrder.get(2_999).split("/"))));
        MySqlSource second = new MySqlSource(config, 241, CHUNK);
        RecordingHandler handler = new RecordingHandler(second);
        schemas.forEach(s -> handler.earlierRuns.put(s.table(), s));
        try (Capture c = Capture.start(second, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> second.status().phase().equals("streaming")
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> again = c.handler.changesOf("spr_big");
            // The 7th chunk again (210 of its rows were committed before), then the rest: once each, in key order.
            assertThat(again).allMatch(e -> e.op() == Operation.READ);
            assertThat(keysOf(again)).isEqualTo(keyOrder.subList(3_000, ROWS));
            assertThat(second.status().tables().get(0).chunksDone()).isEqualTo(ROWS / CHUNK);
        } finally {
            db.execute("DROP TABLE spr_big");
        }
    }

    private static SnapshotProgress.Table progressOf(ChangeEvent e) {
        String text = (String) RecordingHandler.describe(e.position()).get(MySqlPosition.SNAPSHOT_PROGRESS);
        return SnapshotProgress.decode(text).of(TABLE);
    }

    private static List<String> keysOf(List<ChangeEvent> events) {
        return events.stream().map(e -> e.after()[0] + "/" + e.after()[1]).toList();
    }

    /** The table's keys in the server's key order. */
    private List<String> keyOrder() throws Exception {
        List<String> keys = new ArrayList<>(ROWS);
        try (Connection c = db.connect();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT a, b FROM spr_big ORDER BY a, b")) {
            while (rs.next()) {
                keys.add(rs.getInt(1) + "/" + rs.getString(2));
            }
        }
        return keys;
    }
}
