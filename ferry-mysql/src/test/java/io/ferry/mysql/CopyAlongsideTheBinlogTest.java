package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A table copied on request is read in key chunks between the binlog's transactions, reconciled by watermarks: the
 * other tables' changes go on arriving while it is copied, a row updated while its chunk is read never arrives older
 * than a change of it already handed over, and every row is there once at the end.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class CopyAlongsideTheBinlogTest {

    private static final int ROWS = 20_000;
    private static final int CHUNK = 500;
    private static final List<String> TABLES = List.of("cb_hot", "cb_other");

    private final MySqlTestServer db;

    CopyAlongsideTheBinlogTest(Flavor flavor) {
        this.db = MySqlTestServer.shared(flavor);
    }

    @Test
    void rowsNeverGoBackInTimeAndTheOtherTablesStreamOn() throws Exception {
        db.execute("DROP TABLE IF EXISTS cb_hot, cb_other",
                "CREATE TABLE cb_hot (id int PRIMARY KEY, n bigint NOT NULL, pad varchar(40))",
                db.allowRecursion(ROWS),
                "INSERT INTO cb_hot WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < " + ROWS
                        + ") SELECT i, 0, CONCAT('row ', i) FROM g",
                "CREATE TABLE cb_other (id bigint AUTO_INCREMENT PRIMARY KEY, v int)");
        MySqlSource source = new MySqlSource(db.sourceConfig(TABLES, SnapshotMode.NEVER), 301, CHUNK);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Exception> writeFailure = new AtomicReference<>();
        // 3,000 transactions, each bumping 5 random counters and adding a row to the other table: a copy goes on only
        // as fast as the stream reaches its chunks' watermarks, so an endless writer could hold it back for good.
        Thread writer = new Thread(() -> {
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                for (int i = 0; i < 3_000 && writing.get(); i++) {
                    StringBuilder ids = new StringBuilder();
                    for (int k = 0; k < 5; k++) {
                        ids.append(k == 0 ? "" : ",").append(1 + ThreadLocalRandom.current().nextInt(ROWS));
                    }
                    st.execute("UPDATE cb_hot SET n = n + 1 WHERE id IN (" + ids + ")");
                    st.execute("INSERT INTO cb_other (v) VALUES (" + i + ")");
                    c.commit();
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                writeFailure.set(e);
            }
        });
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> c.failure() != null
                    || source.status().phase().equals("streaming"));
            writer.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.changesOf("cb_other").size() > 50);
            source.requestSnapshot(List.of("cb_hot"), TABLES);
            await().atMost(Duration.ofSeconds(60)).until(() -> c.failure() != null || writeFailure.get() != null
                    || (source.status().copies().isEmpty() && !reads(c).isEmpty()));
            writing.set(false);
            writer.join(10_000);
            assertThat(writeFailure.get()).isNull();
            assertThat(c.failure()).isNull();
            Map<Integer, Long> expected = current();
            await().atMost(Duration.ofSeconds(30)).until(() -> fold(c.handler.changesOf("cb_hot")).equals(expected));

            Map<Integer, Long> newest = new HashMap<>();
            for (ChangeEvent e : c.handler.changesOf("cb_hot")) {
                Object[] row = e.after() != null ? e.after() : e.before();
                int id = ((Number) row[0]).intValue();
                long n = ((Number) row[1]).longValue();
                Long before = newest.put(id, n);
                assertThat(before == null || before <= n)
                        .as("%s of row %d carries n=%d after n=%d was handed over", e.op(), id, n, before).isTrue();
            }
            Set<Object> read = new HashSet<>();
            for (ChangeEvent e : reads(c)) {
                assertThat(read.add(e.after()[0])).as("row %s read twice", e.after()[0]).isTrue();
            }
            List<ChangeEvent> all = c.handler.changes;
            int first = all.indexOf(reads(c).get(0));
            int last = all.indexOf(reads(c).get(reads(c).size() - 1));
            long othersDuringCopy = all.subList(first, last).stream()
                    .filter(e -> e.table().table().equals("cb_other")).count();
            assertThat(othersDuringCopy).as("cb_other changes handed over while cb_hot was copied").isPositive();
            assertThat(read.size()).isGreaterThan(ROWS / 2).isLessThanOrEqualTo(ROWS);
        } finally {
            writing.set(false);
            writer.join(10_000);
        }
    }

    private static List<ChangeEvent> reads(Capture c) {
        return c.handler.changesOf("cb_hot").stream().filter(e -> e.op() == Operation.READ).toList();
    }

    /** Each row's counter as the events leave it. */
    private static Map<Integer, Long> fold(List<ChangeEvent> events) {
        Map<Integer, Long> out = new HashMap<>();
        for (ChangeEvent e : events) {
            if (e.after() != null) {
                out.put(((Number) e.after()[0]).intValue(), ((Number) e.after()[1]).longValue());
            }
        }
        return out;
    }

    private Map<Integer, Long> current() throws Exception {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, n FROM cb_hot")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getLong(2));
            }
        }
        return out;
    }
}
