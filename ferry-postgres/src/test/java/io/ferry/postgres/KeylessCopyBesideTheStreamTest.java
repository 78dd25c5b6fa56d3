package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static io.ferry.core.RowCounts.assertFoldsTo;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.HoldingHandler;
import io.ferry.core.RecordingHandler;
import io.ferry.core.RequestedCopies;
import io.ferry.core.SourcePosition;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL table without a primary key (REPLICA IDENTITY FULL), every row there twice, copied on request beside
 * the stream: read under a temporary slot's exported snapshot, whose consistent point is exact, so the table's changes
 * that snapshot holds are dropped from the stream and the later ones follow the copy's last row. While the read waits
 * behind a table lock, another table streams on, and an insert, a delete of one of two equal rows and an update of
 * the table follow the copy's last row; with a writer changing it after, the events' multiset equals the table's (no
 * change applied twice). A crash in the middle of the copy, with changes made while capture was down, is copied
 * again at a new snapshot, still exact.
 */
class KeylessCopyBesideTheStreamTest {

    private static final int ROWS = 6_000;
    private static final int CHUNK = 100;
    private static final List<String> TABLES = List.of("kc_dup", "kc_other");

    private static final String SLOT = "keyless_copy_slot";

    private final PostgresTestServer db = PostgresTestServer.shared();

    @Test
    void noChangeIsAppliedTwiceAndTheOtherTableStreamsOn() throws Exception {
        db.dropSlot(SLOT);
        db.execute("DROP TABLE IF EXISTS kc_dup, kc_other",
                "CREATE TABLE kc_dup (a int NOT NULL, b text NOT NULL)", "ALTER TABLE kc_dup REPLICA IDENTITY FULL",
                "INSERT INTO kc_dup SELECT g / 2, 'v' FROM generate_series(0, " + (ROWS - 1) + ") g",
                "CREATE TABLE kc_other (id bigserial PRIMARY KEY, v int)");
        PostgresSource source = new PostgresSource(config(), SLOT);
        Writer writer = new Writer();
        List<ChangeEvent> committed;
        Map<String, Object> crashedAt;
        // Nothing acknowledged: the slot stays behind the positions this run hands over, as behind uncommitted ones.
        // Holds capture at the copy's first event (its `t`) while the read takes its snapshot and reads a few chunks
        // ahead, as far as its queue goes: the copy is then under way, and its snapshot's position is fixed.
        HoldingHandler gate = new HoldingHandler(new RecordingHandler(),
                e -> e.op() == Operation.TRUNCATE && e.table().table().equals("kc_dup"));
        try (Capture c = Capture.start(source, Map.of(), gate, gate.recorder); Connection other = db.connect();
             Statement st = other.createStatement()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().phase().equals("streaming"));
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.changesOf("kc_other").size() > 20);
            gate.hold();
            source.requestSnapshot(List.of("kc_dup"), TABLES);
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || gate.holding() && reading());
            assertThat(c.failure()).isNull();
            // Changes after the copy's snapshot: an insert, a delete of one of two equal rows, an update. The other
            // table's changes committed meanwhile stream on before the copy's last row.
            st.execute("INSERT INTO kc_dup VALUES (7, 'v')");
            st.execute("DELETE FROM kc_dup WHERE ctid = (SELECT ctid FROM kc_dup WHERE a = 8 LIMIT 1)");
            st.execute("UPDATE kc_dup SET b = 'u' WHERE ctid = (SELECT ctid FROM kc_dup WHERE a = 9 LIMIT 1)");
            gate.release();
            writer.touchCopied.set(true);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null || writer.failure.get() != null
                    || source.status().copies().isEmpty() && writer.copiedChanges.get() > 30);
            writer.stop();
            assertThat(writer.failure.get()).isNull();
            assertThat(c.failure()).isNull();
            Map<List<Object>, Integer> expected = current();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertFoldsTo(expected, c.handler.changesOf("kc_dup")));
            List<ChangeEvent> dup = c.handler.changesOf("kc_dup");
            assertThat(dup.stream().filter(e -> e.op() == Operation.READ).count()).isEqualTo(ROWS);
            int lastRead = 0;
            for (int i = 0; i < dup.size(); i++) {
                lastRead = dup.get(i).op() == Operation.READ ? i : lastRead;
            }
            assertThat(indexOf(dup, Operation.CREATE, 1)).as("the first change after the snapshot follows the last row")
                    .isGreaterThan(lastRead);
            assertThat(dup.get(indexOf(dup, Operation.CREATE, 1)).after()).containsExactly(7, "v");
            List<ChangeEvent> all = c.handler.changes;
            assertThat(all.subList(all.indexOf(dup.get(indexOf(dup, Operation.TRUNCATE, 1))), all.indexOf(dup.get(lastRead)))
                    .stream().filter(e -> e.table().table().equals("kc_other")).count())
                    .as("changes of the other table handed over during the copy").isPositive();

            // The crash: what was committed ends in the middle of a second copy of the table.
            source.requestSnapshot(List.of("kc_dup"), TABLES);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null
                    || source.status().copies().isEmpty()
                    && indexOf(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 2) >= 0);
            assertThat(c.failure()).isNull();
            int second = c.handler.changes.indexOf(indexed(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 2));
            int cut = second + ROWS / 3;
            committed = new ArrayList<>(c.handler.changes.subList(0, cut + 1));
            crashedAt = RecordingHandler.describe(committed.get(cut).position());
            assertThat(crashedAt).containsEntry(PgPosition.BACKFILL, "\"public\".\"kc_dup\"");
        }
        // Changes while capture is down: before the next copy's snapshot, which holds them, so the stream drops them.
        db.execute("INSERT INTO kc_dup VALUES (1, 'v'), (1, 'v')", "DELETE FROM kc_dup WHERE ctid = (SELECT ctid"
                + " FROM kc_dup WHERE a = 2 LIMIT 1)", "UPDATE kc_dup SET b = 'w' WHERE ctid = (SELECT ctid FROM kc_dup"
                + " WHERE a = 3 LIMIT 1)", "INSERT INTO kc_other (v) VALUES (-1)");
        PostgresSource restarted = new PostgresSource(config(), SLOT);
        try (Capture c = Capture.start(restarted, crashedAt, true, committed.stream().map(ChangeEvent::schema)
                .distinct().toList())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || restarted.status().phase().equals("streaming") && restarted.status().copies().isEmpty()
                    && c.handler.changesOf("kc_dup").stream().anyMatch(e -> e.op() == Operation.TRUNCATE));
            db.execute("DELETE FROM kc_dup WHERE ctid = (SELECT ctid FROM kc_dup WHERE a = 4 LIMIT 1)");
            Map<List<Object>, Integer> expected = current();
            List<ChangeEvent> before = List.copyOf(committed);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(c.failure()).isNull();
                assertFoldsTo(expected, "kc_dup", before, c.handler.changes);
            });
            assertThat(c.handler.changesOf("kc_other")).extracting(e -> e.after()[1]).contains(-1);
        } finally {
            writer.stop();
            db.dropSlot(SLOT);
        }
    }

    /**
     * ADD COLUMN with a default gives every row a value the WAL does not carry, so the table is read again: its copy
     * is emptied at the DDL's position X and read in one snapshot at an exact P beside the stream, which drops the
     * table's changes before P. Changes made while capture stands at X are in that snapshot and not applied again;
     * the other table streams on during the read. A requested copy of the other table running when the next backfill
     * starts yields: it is queued again (every position meanwhile carries it) and copied from its first row after the
     * backfill. A backfill seen by the catalog watch (no change follows the DDL), stopped in the middle and restarted,
     * is copied again at a new snapshot, and that copy is superseded by the backfill of a DDL made meanwhile: still
     * exact.
     */
    @Test
    void aBackfillAfterAddColumnIsExactBesideTheStreamAndAfterARestart() throws Exception {
        db.dropSlot(SLOT);
        db.execute("DROP TABLE IF EXISTS kc_dup, kc_other",
                "CREATE TABLE kc_dup (a int NOT NULL, b text NOT NULL)", "ALTER TABLE kc_dup REPLICA IDENTITY FULL",
                "INSERT INTO kc_dup SELECT g / 2, 'v' FROM generate_series(0, " + (ROWS - 1) + ") g",
                "CREATE TABLE kc_other (id bigserial PRIMARY KEY, v int)");
        PostgresSource source = new PostgresSource(config(), SLOT);
        Writer writer = new Writer();
        writer.touchCopied.set(true);
        List<ChangeEvent> committed;
        Map<String, Object> crashedAt;
        HoldingHandler gate = new HoldingHandler(new RecordingHandler(),
                e -> e.op() == Operation.TRUNCATE && e.table().table().equals("kc_dup"));
        try (Capture c = Capture.start(source, Map.of(), gate, gate.recorder)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().phase().equals("streaming"));
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.failure() != null
                    || c.handler.changesOf("kc_dup").size() > 10 && c.handler.changesOf("kc_other").size() > 10);
            gate.hold();
            db.execute("ALTER TABLE kc_dup ADD COLUMN c int DEFAULT 7");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || gate.holding());
            // Capture stands at X, in the backfill's first event, while the writer keeps changing the table.
            int atX = writer.copiedChanges.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.failure.get() != null
                    || writer.copiedChanges.get() > atX + 30);
            gate.release();
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null || writer.failure.get() != null
                    || source.status().copies().isEmpty() && writer.copiedChanges.get() > atX + 60);
            writer.stop();
            assertThat(writer.failure.get()).isNull();
            assertThat(c.failure()).isNull();
            Map<List<Object>, Integer> expected = current("a, b, c");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertFoldsTo(expected, c.handler.changesOf("kc_dup")));
            List<ChangeEvent> dup = c.handler.changesOf("kc_dup");
            ChangeEvent emptied = indexed(dup, Operation.TRUNCATE, 1);
            assertThat(emptied.schema().columnNames()).containsExactly("a", "b", "c");
            assertThat(RecordingHandler.describe(emptied.position())).containsEntry(PgPosition.BACKFILL,
                    "\"public\".\"kc_dup\"");
            int lastRead = 0;
            for (int i = 0; i < dup.size(); i++) {
                lastRead = dup.get(i).op() == Operation.READ ? i : lastRead;
            }
            assertThat(dup.subList(dup.indexOf(emptied) + 1, lastRead + 1)).as("the backfill's rows")
                    .isNotEmpty().allSatisfy(e -> assertThat(e.op()).isEqualTo(Operation.READ));
            List<ChangeEvent> all = c.handler.changes;
            assertThat(all.subList(all.indexOf(emptied), all.indexOf(dup.get(lastRead))).stream()
                    .filter(e -> e.table().table().equals("kc_other")).count())
                    .as("changes of the other table handed over during the backfill").isPositive();

            // A copy running beside the stream yields to the backfill: the requested copy of kc_other waits for a
            // lock in its first read while the DDL and a change of kc_dup commit, so it runs when the stream gets there.
            try (Connection lock = db.connect(); Statement ls = lock.createStatement()) {
                lock.setAutoCommit(false);
                ls.execute("LOCK TABLE kc_other IN ACCESS EXCLUSIVE MODE");
                // The lock's WAL record (it gets an xid) is flushed by the next commit, not by the WAL writer: without
                // one, the stream would not reach the WAL position after the look that starts the copy for seconds.
                db.execute("SELECT txid_current()");
                source.requestSnapshot(List.of("kc_other"), TABLES);
                await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || waitsForLock());
                db.execute("BEGIN; ALTER TABLE kc_dup ADD COLUMN d int DEFAULT 8; INSERT INTO kc_dup VALUES (5, 'v');"
                        + " COMMIT");
                lock.rollback();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null
                    || source.status().copies().isEmpty()
                    && indexOf(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 2) >= 0);
            assertThat(c.failure()).isNull();
            ChangeEvent yieldedTo = indexed(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 2);
            List<Object> calls = c.handler.calls;
            Object next = calls.subList(calls.indexOf(yieldedTo), calls.size()).stream()
                    .filter(o -> o instanceof SourcePosition).findFirst().orElseThrow();
            Map<String, Object> during = RecordingHandler.describe((SourcePosition) next);
            assertThat(during).as("a position during the backfill").containsEntry(PgPosition.BACKFILL,
                    "\"public\".\"kc_dup\"");
            assertThat(String.valueOf(during.get(RequestedCopies.QUEUE))).as("the copy it stopped, queued again")
                    .contains("kc_other");
            List<ChangeEvent> since = c.handler.changes.subList(c.handler.changes.indexOf(yieldedTo),
                    c.handler.changes.size());
            int lastBackfilled = 0;
            for (int i = 0; i < since.size(); i++) {
                ChangeEvent e = since.get(i);
                lastBackfilled = e.op() == Operation.READ && e.table().table().equals("kc_dup") ? i : lastBackfilled;
            }
            List<ChangeEvent> otherRows = since.stream().filter(e -> e.op() == Operation.READ
                    && e.table().table().equals("kc_other")).toList();
            assertThat(since.indexOf(otherRows.get(0))).as("kc_other is copied after the backfill")
                    .isGreaterThan(lastBackfilled);
            assertThat(otherRows.stream().map(e -> e.after()[0]).collect(Collectors.toSet()))
                    .as("kc_other is copied again from its first row").isEqualTo(otherIds());

            // The crash: what was committed ends in the middle of another backfill, which the catalog watch starts.
            db.execute("ALTER TABLE kc_dup ADD COLUMN e int DEFAULT 9");
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null
                    || source.status().copies().isEmpty()
                    && indexOf(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 3) >= 0);
            assertThat(c.failure()).isNull();
            int third = c.handler.changes.indexOf(indexed(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 3));
            int cut = third + ROWS / 3;
            committed = new ArrayList<>(c.handler.changes.subList(0, cut + 1));
            assertThat(committed.get(cut).schema().columnNames()).containsExactly("a", "b", "c", "d", "e");
            crashedAt = RecordingHandler.describe(committed.get(cut).position());
            assertThat(crashedAt).containsEntry(PgPosition.BACKFILL, "\"public\".\"kc_dup\"");
        }
        db.execute("INSERT INTO kc_dup VALUES (1, 'v'), (1, 'v')", "DELETE FROM kc_dup WHERE ctid = (SELECT ctid"
                + " FROM kc_dup WHERE a = 2 LIMIT 1)", "UPDATE kc_dup SET b = 'w' WHERE ctid = (SELECT ctid FROM kc_dup"
                + " WHERE a = 3 LIMIT 1)", "INSERT INTO kc_other (v) VALUES (-1)");
        PostgresSource restarted = new PostgresSource(config(), SLOT);
        // Open while the restart copies kc_dup again: that copy's snapshot waits for this transaction, which changes
        // the table's shape, so the stream meets the new shape while the copy runs, and a backfill supersedes it.
        try (Connection ddl = db.connect(); Statement ds = ddl.createStatement();
             Capture c = Capture.start(restarted, crashedAt, true, committed.stream().map(ChangeEvent::schema)
                .distinct().toList())) {
            ddl.setAutoCommit(false);
            ds.execute("ALTER TABLE kc_dup ADD COLUMN f int DEFAULT 10");
            ds.execute("INSERT INTO kc_dup VALUES (6, 'v')");
            db.execute("SELECT txid_current()"); // flushes this transaction's WAL so far, as for the lock above
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || indexOf(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 1) >= 0);
            ddl.commit();
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || restarted.status().copies().isEmpty()
                    && indexOf(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 2) >= 0);
            assertThat(c.failure()).isNull();
            ChangeEvent superseding = indexed(c.handler.changesOf("kc_dup"), Operation.TRUNCATE, 2);
            assertThat(superseding.schema().columnNames()).containsExactly("a", "b", "c", "d", "e", "f");
            db.execute("DELETE FROM kc_dup WHERE ctid = (SELECT ctid FROM kc_dup WHERE a = 4 LIMIT 1)");
            Map<List<Object>, Integer> expected = current("a, b, c, d, e, f");
            List<ChangeEvent> before = List.copyOf(committed);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(c.failure()).isNull();
                assertFoldsTo(expected, "kc_dup", before, c.handler.changes);
            });
            assertThat(c.handler.changesOf("kc_other")).extracting(e -> e.after()[1]).contains(-1);
        } finally {
            writer.stop();
            db.dropSlot(SLOT);
        }
    }

    private SourceConfig config() {
        return db.sourceConfig(TABLES, SnapshotMode.NEVER).withSnapshotChunkRows(CHUNK);
    }

    /** Inserts into the other table in every transaction and, once {@link #touchCopied} is set, changes kc_dup too. */
    private final class Writer {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicBoolean touchCopied = new AtomicBoolean();
        final AtomicReference<Exception> failure = new AtomicReference<>();
        final AtomicInteger copiedChanges = new AtomicInteger();
        private final Thread thread = new Thread(this::write, "kc-writer");

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }

        private void write() {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                for (int i = 0; running.get(); i++) {
                    st.execute("INSERT INTO kc_other (v) VALUES (" + i + ")");
                    if (touchCopied.get()) {
                        int a = ThreadLocalRandom.current().nextInt(ROWS / 2);
                        switch (i % 3) {
                            case 0 -> st.execute("INSERT INTO kc_dup VALUES (" + a + ", 'v')");
                            // One of two equal rows: applied twice, the other one would go too.
                            case 1 -> st.execute("DELETE FROM kc_dup WHERE ctid = (SELECT ctid FROM kc_dup"
                                    + " WHERE a = " + a + " LIMIT 1)");
                            default -> st.execute("UPDATE kc_dup SET b = CASE b WHEN 'v' THEN 'u' ELSE 'v' END"
                                    + " WHERE ctid = (SELECT ctid FROM kc_dup WHERE a = " + a + " LIMIT 1)");
                        }
                        copiedChanges.incrementAndGet();
                    }
                    c.commit();
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                failure.set(e);
            }
        }
    }

    private static ChangeEvent indexed(List<ChangeEvent> events, Operation op, int nth) {
        return events.get(indexOf(events, op, nth));
    }

    private static int indexOf(List<ChangeEvent> events, Operation op, int nth) {
        int seen = 0;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).op() == op && ++seen == nth) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the copy's read runs its query: its snapshot is imported, and its position fixed. */
    private boolean reading() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT%kc_dup%' AND pid <> pg_backend_pid()")) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    /** Whether the copy's read of kc_other waits for a lock on it. */
    private boolean waitsForLock() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted"
                        + " AND l.relation = 'kc_other'::regclass AND a.query LIKE 'SELECT%kc_other%'")) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    private Set<Object> otherIds() throws Exception {
        Set<Object> out = new HashSet<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM kc_other")) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        return out;
    }

    private Map<List<Object>, Integer> current() throws Exception {
        return current("a, b");
    }

    private Map<List<Object>, Integer> current(String columns) throws Exception {
        Map<List<Object>, Integer> out = new HashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + columns + " FROM kc_dup")) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getObject(i));
                }
                out.merge(row, 1, Integer::sum);
            }
        }
        return out;
    }
}
