package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static io.ferry.core.RowCounts.assertFoldsTo;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.HoldingHandler;
import io.ferry.core.RecordingHandler;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * A table without a primary key, every row there twice, copied on request beside the binlog on MariaDB and MySQL 8:
 * read in one snapshot whose binlog position is exact (named by MariaDB; taken under a short read lock of the table on
 * MySQL), so the table's changes that snapshot holds are dropped from the stream and the later ones follow the copy's
 * last row. Changes made before the copy starts while the stream is behind are read, not streamed. While the copy
 * waits behind a table lock, another table streams on, and an insert, a delete of one of two equal rows and an update
 * of the table are made: after the snapshot on MariaDB (its read waits), before it on MySQL (its table lock waits), so
 * they follow the copy's last row there and are in the read here. With a writer changing the table after, the events'
 * multiset equals the table's (no change applied twice). A crash in the middle of the copy, with changes made while
 * capture was down, is copied again at a new snapshot, still exact. A backfill after a schema change is read the same
 * way, also after a crash inside it, and on MySQL a capture user without {@code LOCK TABLES} is warned.
 */
class KeylessCopyBesideTheBinlogTest {

    private static final int ROWS = 6_000;
    private static final int CHUNK = 500;
    private static final List<String> TABLES = List.of("kc_dup", "kc_other");

    /** Inserted while the copy waits behind the lock; the writer's values never equal it. */
    private static final List<Object> LOCKED_INSERT = List.of(ROWS, "x");

    /** Inserted before the copy starts, while the stream is held behind it. */
    private static final List<Object> UNREAD_INSERT = List.of(ROWS + 1, "y");

    private MySqlTestServer db;

    @ParameterizedTest
    @EnumSource(Flavor.class)
    void noChangeIsAppliedTwiceAndTheOtherTableStreamsOn(Flavor flavor) throws Exception {
        db = MySqlTestServer.shared(flavor);
        db.execute("DROP TABLE IF EXISTS kc_dup, kc_other",
                "CREATE TABLE kc_dup (a int NOT NULL, b varchar(5) NOT NULL)",
                db.allowRecursion(ROWS),
                "INSERT INTO kc_dup WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < "
                        + (ROWS - 1) + ") SELECT i DIV 2, 'v' FROM g",
                "CREATE TABLE kc_other (id bigint AUTO_INCREMENT PRIMARY KEY, v int)");
        MySqlSource source = new MySqlSource(db.sourceConfig(TABLES, SnapshotMode.NEVER), 311, CHUNK);
        Writer writer = new Writer();
        List<ChangeEvent> committed;
        Map<String, Object> crashedAt;
        HoldingHandler gate = new HoldingHandler(new RecordingHandler(source),
                e -> e.table().table().equals("kc_other"));
        try (Capture c = Capture.start(source, Map.of(), gate, gate.recorder); Connection lock = db.connect();
             Statement locker = lock.createStatement()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().phase().equals("streaming"));
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.changesOf("kc_other").size() > 20);
            // The copy waits behind a table lock: MariaDB's read once its snapshot is taken, MySQL's table lock before
            // it. Taken after the request has checked the table, before capture can start the copy.
            gate.hold();
            await().atMost(Duration.ofSeconds(10)).until(gate::holding);
            source.requestSnapshot(List.of("kc_dup"), TABLES);
            // Changes the held stream has not read when the copy starts: before its snapshot, so the read holds them
            // and the stream drops them. Read as they are now and streamed as well, they would be applied twice. The
            // stream meets them only after changes of the other table: on MySQL it waits there until the copy's
            // table lock names its position, which the test's lock below holds up.
            List<String> others = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                others.add("INSERT INTO kc_other (v) VALUES (-2)");
            }
            db.execute(others.toArray(new String[0]));
            db.execute("INSERT INTO kc_dup VALUES (" + (ROWS + 1) + ", 'y')", "DELETE FROM kc_dup WHERE a = 10 LIMIT 1");
            locker.execute("LOCK TABLES kc_dup WRITE");
            gate.release();
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || indexOf(c.handler.changes, Operation.TRUNCATE, 1) >= 0);
            assertThat(c.failure()).isNull();
            ChangeEvent emptied = c.handler.changes.get(indexOf(c.handler.changes, Operation.TRUNCATE, 1));
            // The other table streams on while the copy runs.
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.subList(
                    c.handler.changes.indexOf(emptied), c.handler.changes.size()).stream()
                    .filter(e -> e.table().table().equals("kc_other")).count() > 20);
            assertThat(source.status().copies()).isNotEmpty();
            // Once the copy waits for the lock, what follows is after its snapshot's position on MariaDB, before it on
            // MySQL: an insert, a delete of one of two equal rows, an update.
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || copyWaitsForTheLock());
            locker.execute("INSERT INTO kc_dup VALUES (" + ROWS + ", 'x')");
            locker.execute("DELETE FROM kc_dup WHERE a = 8 LIMIT 1");
            locker.execute("UPDATE kc_dup SET b = 'u' WHERE a = 9 LIMIT 1");
            locker.execute("UNLOCK TABLES");
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
            int emptiedAt = indexOf(dup, Operation.TRUNCATE, 1);
            assertThat(dup.subList(emptiedAt + 1, lastRead + 1)).as("changes of the table amid its copy's rows")
                    .allMatch(e -> e.op() == Operation.READ);
            assertThat(dup.stream().filter(e -> e.after() != null && List.of(e.after()).equals(UNREAD_INSERT)))
                    .as("the insert the stream had not read, read and not streamed")
                    .extracting(ChangeEvent::op).containsExactly(Operation.READ);
            if (flavor == Flavor.MARIADB) {
                assertThat(dup.get(indexOf(dup, Operation.CREATE, 1)).after())
                        .as("the first change after the snapshot, after the last row")
                        .containsExactlyElementsOf(LOCKED_INSERT);
            } else {
                assertThat(dup.stream().filter(e -> e.after() != null && List.of(e.after()).equals(LOCKED_INSERT)))
                        .as("the insert before the snapshot, read and not streamed")
                        .extracting(ChangeEvent::op).containsExactly(Operation.READ);
            }
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
            assertThat(crashedAt).containsEntry(MySqlPosition.BACKFILL, "ferry.kc_dup");
        }
        // Changes while capture is down: before the next copy's snapshot, which holds them, so the stream drops them.
        db.execute("INSERT INTO kc_dup VALUES (1, 'v'), (1, 'v')", "DELETE FROM kc_dup WHERE a = 2 LIMIT 1",
                "UPDATE kc_dup SET b = 'w' WHERE a = 3 LIMIT 1", "INSERT INTO kc_other (v) VALUES (-1)");
        MySqlSource restarted = new MySqlSource(db.sourceConfig(TABLES, SnapshotMode.NEVER), 311, CHUNK);
        RecordingHandler handler = new RecordingHandler(restarted);
        for (ChangeEvent e : committed) {
            handler.earlierRuns.put(e.schema().table(), e.schema());
        }
        try (Capture c = Capture.start(restarted, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || restarted.status().phase().equals("streaming") && restarted.status().copies().isEmpty()
                    && c.handler.changesOf("kc_dup").stream().anyMatch(e -> e.op() == Operation.TRUNCATE));
            db.execute("DELETE FROM kc_dup WHERE a = 4 LIMIT 1");
            Map<List<Object>, Integer> expected = current();
            List<ChangeEvent> before = List.copyOf(committed);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(c.failure()).isNull();
                assertFoldsTo(expected, "kc_dup", before, c.handler.changes);
            });
            assertThat(c.handler.changesOf("kc_other")).extracting(e -> e.after()[1]).contains(-1);
        } finally {
            writer.stop();
        }
    }

    /**
     * A schema change that rewrites the rows of a table without a key, with changes after it written while the stream
     * is still behind it: the backfill reads one snapshot beside the stream at an exact position after the DDL, so
     * those changes are read, not streamed as well.
     */
    @ParameterizedTest
    @EnumSource(Flavor.class)
    void aBackfillAfterASchemaChangeAppliesNoChangeTwice(Flavor flavor) throws Exception {
        db = MySqlTestServer.shared(flavor);
        int rows = 2_000;
        db.execute("DROP TABLE IF EXISTS kd_dup, kd_gate",
                "CREATE TABLE kd_dup (a int NOT NULL, b varchar(5) NOT NULL)",
                db.allowRecursion(rows),
                "INSERT INTO kd_dup WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < "
                        + (rows - 1) + ") SELECT i DIV 2, 'v' FROM g",
                "CREATE TABLE kd_gate (id bigint AUTO_INCREMENT PRIMARY KEY, v int)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("kd_dup", "kd_gate"), SnapshotMode.NEVER), 313,
                CHUNK);
        HoldingHandler gate = new HoldingHandler(new RecordingHandler(source),
                e -> e.table().table().equals("kd_gate"));
        List<ChangeEvent> committed;
        Map<String, Object> crashedAt;
        try (Capture c = Capture.start(source, Map.of(), gate, gate.recorder)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().phase().equals("streaming"));
            // A change publishes the table's shape: the next one that rewrites rows is backfilled.
            db.execute("INSERT INTO kd_dup VALUES (-1, 'z')");
            await().atMost(Duration.ofSeconds(10)).until(() -> c.failure() != null
                    || !c.handler.changesOf("kd_dup").isEmpty());
            gate.hold();
            db.execute("INSERT INTO kd_gate (v) VALUES (1)");
            await().atMost(Duration.ofSeconds(10)).until(gate::holding);
            db.execute("ALTER TABLE kd_dup ADD COLUMN c int NOT NULL DEFAULT 7",
                    "INSERT INTO kd_dup VALUES (" + rows + ", 'y', 8)", "DELETE FROM kd_dup WHERE a = 3 LIMIT 1",
                    "UPDATE kd_dup SET c = 9 WHERE a = 4 LIMIT 1");
            gate.release();
            Map<List<Object>, Integer> expected = current("SELECT a, b, c FROM kd_dup");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(c.failure()).isNull();
                assertFoldsTo(expected, c.handler.changesOf("kd_dup"));
            });
            List<ChangeEvent> dup = c.handler.changesOf("kd_dup");
            assertThat(dup.stream().filter(e -> e.op() == Operation.READ).count()).isEqualTo(rows + 1);
            assertThat(dup.stream().filter(e -> e.after() != null && List.of(e.after()).equals(List.of(rows, "y", 8))))
                    .as("the insert after the DDL, read and not streamed")
                    .extracting(ChangeEvent::op).containsExactly(Operation.READ);
            // Later changes stream on after the backfill.
            db.execute("DELETE FROM kd_dup WHERE a = 6 LIMIT 1");
            Map<List<Object>, Integer> after = current("SELECT a, b, c FROM kd_dup");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertFoldsTo(after, c.handler.changesOf("kd_dup")));
            // The crash: what was committed ends in the middle of the backfill.
            int cut = c.handler.changes.indexOf(indexed(dup, Operation.TRUNCATE, 1)) + rows / 3;
            committed = new ArrayList<>(c.handler.changes.subList(0, cut + 1));
            crashedAt = RecordingHandler.describe(committed.get(cut).position());
            assertThat(crashedAt).containsEntry(MySqlPosition.BACKFILL, "ferry.kd_dup");
        }
        // Changes while capture is down: before the new copy's snapshot, which holds them, so the stream drops them.
        db.execute("INSERT INTO kd_dup VALUES (7, 'w', 1)", "DELETE FROM kd_dup WHERE a = 8 LIMIT 1");
        MySqlSource restarted = new MySqlSource(db.sourceConfig(List.of("kd_dup", "kd_gate"), SnapshotMode.NEVER),
                313, CHUNK);
        RecordingHandler handler = new RecordingHandler(restarted);
        for (ChangeEvent e : committed) {
            handler.earlierRuns.put(e.schema().table(), e.schema());
        }
        try (Capture c = Capture.start(restarted, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || restarted.status().phase().equals("streaming") && restarted.status().copies().isEmpty()
                    && c.handler.changesOf("kd_dup").stream().anyMatch(e -> e.op() == Operation.TRUNCATE));
            Map<List<Object>, Integer> expected = current("SELECT a, b, c FROM kd_dup");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(c.failure()).isNull();
                assertFoldsTo(expected, "kd_dup", committed, c.handler.changes);
            });
        }
    }

    /**
     * MySQL 8, a capture user without LOCK TABLES: one WARN names the privilege, and the copy still runs beside the
     * stream, reading the table as it is when it starts.
     */
    @Test
    void aRefusedTableLockIsWarnedAndTheCopyReadsTheTableAsItIs() throws Exception {
        db = MySqlTestServer.shared(Flavor.MYSQL);
        db.execute("DROP TABLE IF EXISTS kc_nolock",
                "CREATE TABLE kc_nolock (a int NOT NULL, b varchar(5) NOT NULL)",
                "INSERT INTO kc_nolock VALUES (1, 'v'), (1, 'v'), (2, 'w')");
        // SELECT, RELOAD and the replication privileges on every database, but not LOCK TABLES.
        db.createUser("ferry_nolock", "nolock-secret", db.capturePrivileges());
        SourceConfig config = new SourceConfig("mysql", db.host(), db.port(), MySqlTestServer.DATABASE, "ferry_nolock",
                new Secret("nolock-secret"), List.of("kc_nolock"), SnapshotMode.NEVER);
        MySqlSource source = new MySqlSource(config, 312, CHUNK);
        Logger logger = (Logger) LoggerFactory.getLogger(ExactSnapshot.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().phase().equals("streaming"));
            source.requestSnapshot(List.of("kc_nolock"), List.of("kc_nolock"));
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().copies().isEmpty() && c.handler.changesOf("kc_nolock").size() == 4);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changesOf("kc_nolock")).extracting(ChangeEvent::op)
                    .containsExactly(Operation.TRUNCATE, Operation.READ, Operation.READ, Operation.READ);
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
                .singleElement().asString().contains("LOCK TABLES is refused", "grant the capture user LOCK TABLES");
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
                            case 1 -> st.execute("DELETE FROM kc_dup WHERE a = " + a + " LIMIT 1");
                            default -> st.execute("UPDATE kc_dup SET b = IF(b = 'v', 'u', 'v') WHERE a = " + a
                                    + " LIMIT 1");
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

    /** MariaDB's read of kc_dup, or MySQL's LOCK TABLES of it, waits for the test's lock. */
    private boolean copyWaitsForTheLock() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table metadata"
                        + " lock%' AND (INFO LIKE 'SELECT%kc_dup%' OR INFO LIKE 'LOCK TABLES%kc_dup%')")) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    private Map<List<Object>, Integer> current() throws Exception {
        return current("SELECT a, b FROM kc_dup");
    }

    /** The rows {@code select} returns, each with how often (columns as the events carry them: int, then text). */
    private Map<List<Object>, Integer> current(String select) throws Exception {
        Map<List<Object>, Integer> out = new HashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(select)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getObject(i));
                }
                out.merge(row, 1, Integer::sum);
            }
        }
        return out;
    }
}
