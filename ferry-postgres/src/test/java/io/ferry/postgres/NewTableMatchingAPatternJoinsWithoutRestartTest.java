package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.ChangeHandler;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A table created while the capture runs, whose name a {@code source.tables} pattern matches, joins the publication
 * and is captured from its first row: rows written before it joined arrive as a backfill, later ones from the stream.
 */
class NewTableMatchingAPatternJoinsWithoutRestartTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "joining_slot";

    @Test
    void rowsWrittenBeforeAndAfterTheTableJoinedAllArrive() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("CREATE TABLE joining_a (id int PRIMARY KEY)", "INSERT INTO joining_a VALUES (1)");
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("joining_*"), SnapshotMode.INITIAL),
                SLOT), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            // In one transaction: when the capture first sees the table, its rows are already there.
            PG.execute("BEGIN; CREATE TABLE joining_b (id int PRIMARY KEY, v text);"
                    + " INSERT INTO joining_b SELECT g, 'early ' || g FROM generate_series(1, 3) g; COMMIT");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("joining_b").size() == 3
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(publicationTables()).contains("joining_b");
            PG.execute("INSERT INTO joining_b VALUES (4, 'late')", "UPDATE joining_b SET v = 'changed' WHERE id = 1");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("joining_b").size() == 5
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> b = c.handler.changesOf("joining_b");
            assertThat(b).extracting(ChangeEvent::op).containsExactly(Operation.READ, Operation.READ, Operation.READ,
                    Operation.CREATE, Operation.UPDATE);
            assertThat(b).extracting(e -> List.of(e.after())).containsExactly(List.of(1, "early 1"),
                    List.of(2, "early 2"), List.of(3, "early 3"), List.of(4, "late"), List.of(1, "changed"));
            assertThat(c.handler.calls.indexOf(b.get(0).schema())).isLessThan(c.handler.calls.indexOf(b.get(0)));
            assertThat(b.get(0).schema().columnNames()).containsExactly("id", "v");
        } finally {
            PG.dropSlot(SLOT);
        }
    }

    /**
     * A source written as fast as capture hands its changes on leaves the stream no idle moment: the new table is
     * still seen between transactions, and its rows arrive while the other table's changes keep streaming.
     */
    @Test
    void aTableCreatedWhileTheStreamNeverIdlesJoinsWithinSeconds() throws Exception {
        String slot = "busy_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE busy_a (id int PRIMARY KEY)", "INSERT INTO busy_a VALUES (0)");
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of("busy_*"), SnapshotMode.INITIAL), slot);
        RecordingHandler recorder = new RecordingHandler(source);
        SlowOnTable slow = new SlowOnTable(recorder, "busy_a");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (Connection c = PG.connect(); Statement st = c.createStatement()) {
                // Keeps 1,000 to 2,000 changes ahead of capture: always more to stream, never a backlog that grows.
                for (int from = 1; writing.get(); ) {
                    if (from - slow.seen.get() > 2_000) {
                        LockSupport.parkNanos(1_000_000);
                        continue;
                    }
                    st.execute("INSERT INTO busy_a SELECT g FROM generate_series(" + from + ", " + (from + 49) + ") g");
                    from += 50;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "busy-writer");
        try (Capture c = Capture.start(source, Map.of(), slow, recorder)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> slow.seen.get() == 1 || c.failure() != null);
            writer.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> slow.seen.get() > 1_000 || c.failure() != null);
            PG.execute("BEGIN; CREATE TABLE busy_b (id int PRIMARY KEY); INSERT INTO busy_b VALUES (1), (2); COMMIT");
            slow.countIdle = true;
            await().atMost(Duration.ofSeconds(20)).until(() -> recorder.changesOf("busy_b").size() == 2
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(recorder.changesOf("busy_b")).extracting(ChangeEvent::op)
                    .containsExactly(Operation.READ, Operation.READ);
            // Capture never caught up with the writer meanwhile: the new table did not wait for an idle moment.
            assertThat(slow.idleWhileWriting.get()).isZero();
            assertThat(writer.isAlive()).isTrue();
        } finally {
            writing.set(false);
            writer.join();
            PG.dropSlot(slot);
        }
    }

    /**
     * Hands on everything, but takes at least 200 µs for each change of one table, which the writer keeps ahead of,
     * and counts them instead of keeping them.
     */
    private static final class SlowOnTable implements ChangeHandler {
        final RecordingHandler recorder;
        final String table;
        final AtomicLong seen = new AtomicLong();
        final AtomicLong idleWhileWriting = new AtomicLong();
        volatile boolean countIdle;

        SlowOnTable(RecordingHandler recorder, String table) {
            this.recorder = recorder;
            this.table = table;
        }

        @Override
        public Optional<TableSchema> published(TableId t) {
            return recorder.published(t);
        }

        @Override
        public void schema(TableSchema schema) {
            recorder.schema(schema);
        }

        @Override
        public void change(ChangeEvent event) {
            if (event.table().table().equals(table)) {
                seen.incrementAndGet();
                LockSupport.parkNanos(200_000);
            } else {
                recorder.change(event);
            }
        }

        @Override
        public void boundary(SourcePosition position) {
            recorder.boundary(position);
        }

        @Override
        public void flush() {
            recorder.flush();
        }

        @Override
        public void idle() {
            if (countIdle) {
                idleWhileWriting.incrementAndGet();
            }
            recorder.idle();
        }
    }

    @Test
    void aTableRenamedAwayFromThePatternStopsBeingCapturedAndOneRenamedIntoItJoins() throws Exception {
        String slot = "renaming_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE moving_a (id int PRIMARY KEY)", "INSERT INTO moving_a VALUES (1)",
                "CREATE TABLE elsewhere (id int PRIMARY KEY)", "INSERT INTO elsewhere VALUES (7)");
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("moving_*"), SnapshotMode.INITIAL),
                slot), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            PG.execute("ALTER TABLE moving_a RENAME TO gone_a", "INSERT INTO gone_a VALUES (2)",
                    "ALTER TABLE elsewhere RENAME TO moving_b");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("moving_b").size() == 1
                    || c.failure() != null);
            PG.execute("INSERT INTO gone_a VALUES (3)", "INSERT INTO moving_b VALUES (8)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("moving_b").size() == 2
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changesOf("moving_b")).extracting(e -> e.after()[0]).containsExactly(7, 8);
            assertThat(c.handler.changes).extracting(e -> e.table().table()).doesNotContain("gone_a");
            assertThat(c.handler.changesOf("moving_a")).hasSize(1);
            assertThat(publicationTables(slot)).containsExactly("moving_b");
        } finally {
            PG.dropSlot(slot);
        }
    }

    private static List<String> publicationTables() throws Exception {
        return publicationTables(SLOT);
    }

    private static List<String> publicationTables(String publication) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = '" + publication + "' ORDER BY 1")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
