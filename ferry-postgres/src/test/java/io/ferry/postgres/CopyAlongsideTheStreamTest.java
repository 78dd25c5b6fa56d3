package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A table copied on request is read in chunks between the stream's transactions, reconciled by watermarks: the
 * other tables' changes go on arriving while it is copied, a row updated while its chunk is read never arrives
 * older than a change of it already handed over, and the TOASTed value such an update leaves out (unchanged) is
 * filled from the chunk, since the target may not have the row yet.
 */
class CopyAlongsideTheStreamTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "copy_alongside_slot";
    private static final int ROWS = 20_000;
    private static final int CHUNK = 500;
    private static final List<String> TABLES = List.of("cs_hot", "cs_other");

    @Test
    void rowsNeverGoBackInTimeAndTheOtherTablesStreamOn() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("DROP TABLE IF EXISTS cs_hot, cs_other",
                "CREATE TABLE cs_hot (id int PRIMARY KEY, n bigint NOT NULL, big text)",
                // Stored out of line, uncompressed: an UPDATE that leaves it alone does not log it.
                "ALTER TABLE cs_hot ALTER COLUMN big SET STORAGE EXTERNAL",
                "INSERT INTO cs_hot SELECT g, 0, g || repeat('x', 2100) FROM generate_series(1, " + ROWS + ") g",
                "CREATE TABLE cs_other (id bigserial PRIMARY KEY, v int)");
        PostgresSource source = new PostgresSource(PG.sourceConfig(TABLES, SnapshotMode.NEVER)
                .withSnapshotChunkRows(CHUNK), SLOT);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Exception> writeFailure = new AtomicReference<>();
        // 4,000 transactions, each bumping 5 random counters and adding a row to the other table, about 300 a second: a
        // copy goes on only as fast as the stream reaches its chunks' watermarks, so an endless writer that a loaded
        // machine's capture falls behind would hold it back for good.
        Thread writer = new Thread(() -> {
            try (Connection c = PG.connect(); Statement st = c.createStatement()) {
                for (int i = 0; i < 4_000 && writing.get(); i++) {
                    StringBuilder ids = new StringBuilder();
                    for (int k = 0; k < 5; k++) {
                        ids.append(k == 0 ? "" : ",").append(1 + ThreadLocalRandom.current().nextInt(ROWS));
                    }
                    st.execute("UPDATE cs_hot SET n = n + 1 WHERE id IN (" + ids + ");"
                            + " INSERT INTO cs_other (v) VALUES (" + i + ")");
                    Thread.sleep(3);
                }
            } catch (Exception e) {
                writeFailure.set(e);
            }
        });
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || !c.handler.boundaries.isEmpty());
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.changesOf("cs_other").size() > 50);
            source.requestSnapshot(List.of("cs_hot"), TABLES);
            await().atMost(Duration.ofSeconds(120)).until(() -> c.failure() != null || writeFailure.get() != null
                    || (source.status().copies().isEmpty() && !reads(c).isEmpty()));
            writing.set(false);
            writer.join(10_000);
            assertThat(writeFailure.get()).isNull();
            assertThat(c.failure()).isNull();
            Map<Integer, String> expected = current();
            await().atMost(Duration.ofSeconds(30)).until(() -> fold(c.handler.changesOf("cs_hot")).equals(expected));

            List<ChangeEvent> hot = c.handler.changesOf("cs_hot");
            Map<Integer, Long> newest = new HashMap<>();
            for (ChangeEvent e : hot) {
                int id = (Integer) e.after()[0];
                long n = (Long) e.after()[1];
                Long before = newest.put(id, n);
                assertThat(before == null || before <= n)
                        .as("%s of row %d carries n=%d after n=%d was handed over", e.op(), id, n, before).isTrue();
            }
            List<ChangeEvent> all = c.handler.changes;
            int first = all.indexOf(reads(c).get(0));
            int last = all.indexOf(reads(c).get(reads(c).size() - 1));
            long othersDuringCopy = all.subList(first, last).stream()
                    .filter(e -> e.table().table().equals("cs_other")).count();
            assertThat(othersDuringCopy).as("cs_other changes handed over while cs_hot was copied").isPositive();
            // The stream carried the rows changed during a chunk's read; the chunk left them out.
            assertThat(reads(c).size()).isLessThan(ROWS).isGreaterThan(ROWS / 2);
        } finally {
            writing.set(false);
            writer.join(10_000);
            source.close();
            PG.dropSlot(SLOT);
        }
    }

    private static List<ChangeEvent> reads(Capture c) {
        return c.handler.changesOf("cs_hot").stream().filter(e -> e.op() == Operation.READ).toList();
    }

    /** Each row as the events leave it, an unchanged value keeping the one before ("missing" when none came). */
    private static Map<Integer, String> fold(List<ChangeEvent> events) {
        Map<Integer, String> out = new HashMap<>();
        for (ChangeEvent e : events) {
            Object big = e.after()[2];
            String kept = out.get((Integer) e.after()[0]);
            String bigText = big == ChangeEvent.UNCHANGED
                    ? (kept == null ? "missing" : kept.substring(kept.indexOf('/') + 1)) : (String) big;
            out.put((Integer) e.after()[0], e.after()[1] + "/" + bigText);
        }
        return out;
    }

    private static Map<Integer, String> current() throws Exception {
        Map<Integer, String> out = new HashMap<>();
        try (Connection c = PG.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, n, big FROM cs_hot")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2) + "/" + rs.getString(3));
            }
        }
        return out;
    }
}
