package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.RecordingHandler;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A restart from a position inside the initial snapshot (as after a crash once part of it was committed) skips the
 * tables done, goes on after the last key committed, reads a keyless table again whole after a TRUNCATE, and then
 * streams from the snapshot's binlog position: applying what the first run committed and everything the second
 * hands over ends with every row as the source has it, although rows changed in between. A position whose binlog
 * is gone redoes the snapshot.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class SnapshotResumeTest {

    private static final int CHUNK = 300;
    private static final int ROWS = 3_000;
    private static final String KEYED = MySqlTestServer.DATABASE + ".sr_keyed";
    private static final String KEYLESS = MySqlTestServer.DATABASE + ".sr_keyless";
    private static final String SMALL = MySqlTestServer.DATABASE + ".sr_small";
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final MySqlTestServer db;

    SnapshotResumeTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void aCrashInsideTheSnapshotGoesOnAfterTheLastCommittedKey() throws Exception {
        db.execute("DROP TABLE IF EXISTS sr_keyed, sr_keyless, sr_small",
                "CREATE TABLE sr_keyed (a int, b varbinary(8), v int, PRIMARY KEY (a, b))",
                "CREATE TABLE sr_keyless (n int, s varchar(10))",
                "CREATE TABLE sr_small (id int PRIMARY KEY)",
                db.allowRecursion(ROWS + 1),
                "INSERT INTO sr_keyed WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < " + ROWS
                        + ") SELECT i % 10, CAST(CONCAT('k', i) AS BINARY), i FROM g",
                "INSERT INTO sr_keyless WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < " + ROWS
                        + ") SELECT i % 1000, CONCAT('s', i % 7) FROM g",
                "INSERT INTO sr_small WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 30)"
                        + " SELECT i FROM g");
        List<String> tables = List.of("sr_keyed", "sr_keyless", "sr_small");
        MySqlSource first = new MySqlSource(db.sourceConfig(tables, SnapshotMode.INITIAL), 211, CHUNK);
        List<ChangeEvent> all;
        List<TableSchema> schemas;
        try (Capture c = Capture.start(first, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> first.status().phase().equals("streaming")
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            all = List.copyOf(c.handler.changes);
            schemas = List.copyOf(c.handler.schemas);
        }
        // The crash: what was committed ends half-way through a chunk of sr_keyed, with sr_keyless under way.
        int crash = crashPoint(all);
        List<ChangeEvent> committed = new ArrayList<>(all.subList(0, crash + 1));
        Map<String, Object> crashedAt = RecordingHandler.describe(all.get(crash).position());
        SnapshotProgress progress = SnapshotProgress.decode((String) crashedAt.get(MySqlPosition.SNAPSHOT_PROGRESS));
        SnapshotProgress.Table keyed = progress.of(KEYED);
        long committedKeyedReads = committed.stream().filter(e -> e.table().toString().equals(KEYED)).count();
        assertThat(committedKeyedReads - keyed.rows()).isEqualTo(CHUNK / 2);

        // Rows change on both sides of the last key while Ferry is down.
        int a = Integer.parseInt(keyed.lastKey().get(0));
        db.execute("UPDATE sr_keyed SET v = -v WHERE a = " + a,
                "DELETE FROM sr_keyed WHERE a = " + a + " ORDER BY b LIMIT 1",
                "DELETE FROM sr_keyed WHERE a = " + a + " ORDER BY b DESC LIMIT 1",
                "INSERT INTO sr_keyed VALUES (" + a + ", 'k0', 1), (" + a + ", 'kz', 2), (" + (a + 1) + ", 'k', 3)");

        MySqlSource second = new MySqlSource(db.sourceConfig(tables, SnapshotMode.INITIAL), 211, CHUNK);
        RecordingHandler handler = new RecordingHandler(second);
        schemas.forEach(s -> handler.earlierRuns.put(s.table(), s));
        List<ChangeEvent> again;
        try (Capture c = Capture.start(second, crashedAt, handler)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> second.status().phase().equals("streaming")
                    || c.failure() != null);
            db.execute("INSERT INTO sr_small VALUES (1000)");
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null || c.handler.changes.stream()
                    .anyMatch(e -> e.op() == Operation.CREATE && e.table().toString().equals(SMALL)));
            assertThat(c.failure()).isNull();
            again = List.copyOf(c.handler.changes);
            assertThat(second.snapshotLockHeld()).as("a resumed snapshot takes no global read lock").isNull();
            assertThat(second.status().tables()).allMatch(SourceStatus.TableProgress::done)
                    .allMatch(t -> t.chunkRows() == CHUNK);
            assertThat(second.status().tables()).filteredOn(t -> t.table().toString().equals(KEYED))
                    .singleElement().matches(t -> t.chunksDone() >= ROWS / CHUNK, "all chunks counted");
        }

        List<ChangeEvent> reads = again.stream().filter(e -> e.op() == Operation.READ).toList();
        SnapshotProgress.Table smallAtCrash = progress.of(SMALL);
        // sr_small fits in one chunk: done before the crash, or read whole by the resumed snapshot.
        assertThat(reads.stream().filter(e -> e.table().toString().equals(SMALL)))
                .hasSize(smallAtCrash != null && smallAtCrash.done() ? 0 : 30);
        SnapshotProgress.Table keylessAtCrash = progress.of(KEYLESS);
        if (keylessAtCrash == null || !keylessAtCrash.done()) {
            // Not done: read again whole, emptied first if it had begun.
            List<ChangeEvent> keyless = again.stream().filter(e -> e.table().toString().equals(KEYLESS)).toList();
            assertThat(keyless.get(0).op()).isEqualTo(keylessAtCrash == null ? Operation.READ : Operation.TRUNCATE);
            assertThat(keyless.stream().filter(e -> e.op() == Operation.READ)).hasSize(ROWS);
        }
        ChangeEvent firstKeyed = reads.stream().filter(e -> e.table().toString().equals(KEYED)).findFirst()
                .orElseThrow();
        assertThat(RecordingHandler.describe(firstKeyed.position()))
                .containsEntry(MySqlPosition.SNAPSHOT_ROWS, keyed.rows() + 1);
        int firstA = (Integer) firstKeyed.after()[0];
        byte[] lastB = HexFormat.of().parseHex(keyed.lastKey().get(1));
        assertThat(firstA > a || firstA == a && Arrays.compareUnsigned((byte[]) firstKeyed.after()[1], lastB) > 0)
                .as("the first key read again is past the last key committed").isTrue();

        List<ChangeEvent> applied = new ArrayList<>(committed);
        applied.addAll(again);
        assertThat(fold(applied, KEYED)).isEqualTo(sourceRows("SELECT a, HEX(b), v FROM sr_keyed"));
        assertThat(fold(applied, SMALL)).isEqualTo(sourceRows("SELECT id FROM sr_small"));
        assertThat(fold(applied, KEYLESS)).isEqualTo(sourceRows("SELECT n, s FROM sr_keyless"));

        // The binlog the snapshot is consistent with is gone: the snapshot is taken again, under the lock.
        Map<String, Object> purged = new HashMap<>(crashedAt);
        purged.put(MySqlPosition.FILE, "gone-bin.000001");
        MySqlSource third = new MySqlSource(db.sourceConfig(tables, SnapshotMode.INITIAL), 211, CHUNK);
        try (Capture c = Capture.start(third, purged, true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> third.status().phase().equals("streaming")
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(third.snapshotLockHeld()).isNotNull();
            assertThat(c.handler.changesOf("sr_small")).hasSize(31);
            assertThat(c.handler.changesOf("sr_keyed")).hasSize(ROWS + 1);
        }
    }

    /**
     * The first event half-way through a chunk of sr_keyed after its first chunk, preferably while sr_small is done
     * and sr_keyless under way (its progress is before the chunk). The readers hand chunks over as they finish them,
     * so at every such event sr_keyless may not have begun or be done, and sr_small may still be waiting: then the
     * first event with sr_small done, else the first of all.
     */
    private static int crashPoint(List<ChangeEvent> events) {
        int smallDone = -1;
        int any = -1;
        for (int i = 0; i < events.size(); i++) {
            MySqlPosition p = (MySqlPosition) events.get(i).position();
            if (!p.snapshot || p.snapshotDone || !KEYED.equals(p.snapshotTable)) {
                continue;
            }
            SnapshotProgress.Table keyed = p.snapshotProgress.of(KEYED);
            if (keyed == null || keyed.done() || p.snapshotRows != keyed.rows() + CHUNK / 2) {
                continue;
            }
            SnapshotProgress.Table small = p.snapshotProgress.of(SMALL);
            SnapshotProgress.Table keyless = p.snapshotProgress.of(KEYLESS);
            if (small != null && small.done()) {
                if (keyless != null && !keyless.done()) {
                    return i;
                }
                smallDone = smallDone < 0 ? i : smallDone;
            }
            any = any < 0 ? i : any;
        }
        if (any < 0) {
            throw new AssertionError("no snapshot event of " + KEYED + " half-way through a chunk after its first");
        }
        return smallDone >= 0 ? smallDone : any;
    }

    /** A target's copy of {@code table} after applying {@code events} in order: rows, as sorted multiset. */
    private static List<List<Object>> fold(List<ChangeEvent> events, String table) {
        List<List<Object>> rows = new ArrayList<>();
        for (ChangeEvent e : events) {
            if (!e.table().toString().equals(table)) {
                continue;
            }
            boolean keyed = !e.schema().primaryKey().isEmpty();
            if (e.op() == Operation.TRUNCATE) {
                rows.clear();
            }
            if (e.before() != null) {
                List<Object> before = normal(e.before());
                rows.removeIf(new java.util.function.Predicate<>() {
                    boolean removed;

                    @Override
                    public boolean test(List<Object> r) {
                        if (removed || !(keyed ? key(r, e).equals(key(before, e)) : r.equals(before))) {
                            return false;
                        }
                        removed = true;
                        return true;
                    }
                });
            }
            if (e.after() != null) {
                List<Object> after = normal(e.after());
                if (keyed) {
                    rows.removeIf(r -> key(r, e).equals(key(after, e)));
                }
                rows.add(after);
            }
        }
        rows.sort((x, y) -> x.toString().compareTo(y.toString()));
        return rows;
    }

    private static List<Object> key(List<Object> row, ChangeEvent e) {
        List<Object> key = new ArrayList<>();
        for (int k : e.schema().keyIndexes()) {
            key.add(row.get(k));
        }
        return key;
    }

    private static List<Object> normal(Object[] row) {
        return Arrays.stream(row).map(v -> (Object) (v instanceof byte[] b ? HEX.formatHex(b) : String.valueOf(v)))
                .toList();
    }

    private List<List<Object>> sourceRows(String sql) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        rows.sort((x, y) -> x.toString().compareTo(y.toString()));
        return rows;
    }
}
