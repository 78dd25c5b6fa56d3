package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.RequestedCopies;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code snapshot: incremental} on MariaDB streams from the start and copies every table in key chunks alongside the
 * binlog, each row once, taking no global read lock; a crash in the middle of the copy resumes at the chunk it was
 * in, alongside the stream again, then copies the tables still queued.
 */
class IncrementalSnapshotResumesAtItsChunkTest {

    private static final int ROWS = 6_000;
    private static final int CHUNK = 500;
    private static final List<String> TABLES = List.of("inc_big", "inc_log");

    private final MySqlTestServer db = MySqlTestServer.shared(Flavor.MARIADB);

    @Test
    void everyRowIsCopiedOnceAndACrashGoesOnFromItsChunk() throws Exception {
        db.execute("DROP TABLE IF EXISTS inc_big, inc_log",
                "CREATE TABLE inc_big (id int PRIMARY KEY, v varchar(20))",
                db.allowRecursion(ROWS),
                "INSERT INTO inc_big WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < " + ROWS
                        + ") SELECT i, CONCAT('v', i) FROM g",
                "CREATE TABLE inc_log (id bigint AUTO_INCREMENT PRIMARY KEY, at datetime(6) DEFAULT now(6))",
                "INSERT INTO inc_log () VALUES (), (), ()");
        // A login without RELOAD: an incremental snapshot takes no global read lock.
        db.createUser("ferry_inc", "inc-secret", "SELECT, REPLICATION SLAVE, BINLOG MONITOR");
        db.grantAllOn(MySqlTestServer.DATABASE, "ferry_inc");
        SourceConfig config = new SourceConfig("mariadb", db.host(), db.port(), MySqlTestServer.DATABASE, "ferry_inc",
                new Secret("inc-secret"), TABLES, SnapshotMode.INCREMENTAL);
        MySqlSource first = new MySqlSource(config, 302, CHUNK);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Exception> writeFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                while (writing.get()) {
                    st.execute("INSERT INTO inc_log () VALUES ()");
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                writeFailure.set(e);
            }
        });
        List<ChangeEvent> committed;
        Map<String, Object> crashedAt;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null || writeFailure.get() != null
                    || (reads(c.handler.changes, "inc_log") > 0 && first.status().copies().isEmpty()));
            writing.set(false);
            writer.join(10_000);
            assertThat(c.failure()).isNull();
            assertThat(writeFailure.get()).isNull();
            assertThat(first.snapshotLockHeld()).as("no global read lock").isNull();

            Set<Object> keys = new HashSet<>();
            for (ChangeEvent e : c.handler.changesOf("inc_big")) {
                assertThat(e.op()).isEqualTo(Operation.READ);
                assertThat(keys.add(e.after()[0])).as("row %s read twice", e.after()[0]).isTrue();
                assertThat(e.after()[1]).isEqualTo("v" + e.after()[0]);
            }
            assertThat(keys).hasSize(ROWS);
            int firstRead = indexOfRead(c.handler.changes, "inc_big", 1);
            int lastRead = indexOfRead(c.handler.changes, "inc_big", ROWS);
            assertThat(c.handler.changes.subList(firstRead, lastRead).stream()
                    .filter(e -> e.table().table().equals("inc_log"))).as("inc_log streamed during the copy")
                    .isNotEmpty();
            // The crash: what was committed ends in the middle of inc_big's 7th chunk, inc_log still queued.
            int cut = indexOfRead(c.handler.changes, "inc_big", 3_250);
            committed = new ArrayList<>(c.handler.changes.subList(0, cut + 1));
            crashedAt = RecordingHandler.describe(committed.get(cut).position());
            assertThat(crashedAt).containsEntry(MySqlPosition.BACKFILL, "ferry.inc_big")
                    .containsEntry(RequestedCopies.QUEUE, "\"ferry\".\"inc_log\"");
        }
        db.execute("UPDATE inc_big SET v = 'changed' WHERE id = 10", "INSERT INTO inc_log () VALUES ()");
        MySqlSource second = new MySqlSource(config, 302, CHUNK);
        RecordingHandler handler = new RecordingHandler(second);
        for (ChangeEvent e : committed) {
            handler.earlierRuns.put(e.schema().table(), e.schema());
        }
        try (Capture c = Capture.start(second, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null
                    || (reads(c.handler.changes, "inc_log") > 0 && second.status().copies().isEmpty()
                    && c.handler.changesOf("inc_big").stream().anyMatch(e -> e.op() == Operation.UPDATE)));
            assertThat(c.failure()).isNull();
            List<ChangeEvent> again = c.handler.changesOf("inc_big").stream()
                    .filter(e -> e.op() == Operation.READ).toList();
            // On from the start of the chunk the crash interrupted (row 3,250 is in rows 3,001-3,500).
            assertThat(again).hasSize(ROWS - 3_000);
            assertThat(again.stream().mapToInt(e -> (Integer) e.after()[0]).min().orElseThrow()).isEqualTo(3_001);
            List<Object> all = new ArrayList<>(committed);
            all.addAll(c.handler.changes);
            Set<Object> copied = new HashSet<>();
            for (Object o : all) {
                ChangeEvent e = (ChangeEvent) o;
                if (e.op() == Operation.READ && e.table().table().equals("inc_big")) {
                    copied.add(e.after()[0]);
                }
            }
            assertThat(copied).hasSize(ROWS);
        }
    }

    /**
     * What the MariaDB high watermark rests on: inside a consistent-snapshot transaction the server names the binlog
     * position its snapshot is consistent with, and that position stays put while others commit.
     */
    @Test
    void aMariaDbSnapshotNamesTheBinlogPositionItIsConsistentWith() throws Exception {
        db.execute("DROP TABLE IF EXISTS inc_probe", "CREATE TABLE inc_probe (id int PRIMARY KEY)",
                "INSERT INTO inc_probe VALUES (1)");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            String end = binlogEnd(st);
            c.setAutoCommit(false);
            st.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
            String inside = snapshotPosition(st);
            db.execute("INSERT INTO inc_probe VALUES (2)");
            assertThat(snapshotPosition(st)).isEqualTo(inside).isEqualTo(end);
            try (var rs = st.executeQuery("SELECT count(*) FROM inc_probe")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the snapshot does not show the later commit").isEqualTo(1);
            }
            c.commit();
            assertThat(binlogEnd(st)).isNotEqualTo(end);
        }
    }

    private static String snapshotPosition(Statement st) throws Exception {
        String file = null;
        String pos = null;
        try (var rs = st.executeQuery("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'")) {
            while (rs.next()) {
                if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_file")) {
                    file = rs.getString(2);
                } else if (rs.getString(1).equalsIgnoreCase("binlog_snapshot_position")) {
                    pos = rs.getString(2);
                }
            }
        }
        return file + ":" + pos;
    }

    private static String binlogEnd(Statement st) throws Exception {
        try (var rs = BinlogCatchUp.status(st)) {
            rs.next();
            return rs.getString(1) + ":" + rs.getString(2);
        }
    }

    private static long reads(List<ChangeEvent> events, String table) {
        return events.stream().filter(e -> e.op() == Operation.READ && e.table().table().equals(table)).count();
    }

    private static int indexOfRead(List<ChangeEvent> events, String table, int nth) {
        int seen = 0;
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            if (e.op() == Operation.READ && e.table().table().equals(table) && ++seen == nth) {
                return i;
            }
        }
        throw new AssertionError("fewer than " + nth + " reads of " + table);
    }
}
