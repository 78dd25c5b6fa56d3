package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Several tables, one larger than a chunk, read in parallel under one short global read lock. */
@ParameterizedClass
@EnumSource(Flavor.class)
class SnapshotTest {

    private final MySqlTestServer db;

    SnapshotTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void readsEveryRowOfEveryTableOnceThenStreamsFromTheSnapshotPosition() throws Exception {
        db.execute("CREATE TABLE snap_big (a int, b varchar(10), v int, PRIMARY KEY (a, b))",
                db.allowRecursion(100_000),
                "INSERT INTO snap_big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000)"
                        + " SELECT i % 7, CONCAT('k', i), i FROM n",
                "CREATE TABLE snap_small1 (id int PRIMARY KEY)", "INSERT INTO snap_small1 VALUES (1), (2), (3)",
                "CREATE TABLE snap_small2 (id bigint unsigned PRIMARY KEY)", "INSERT INTO snap_small2 VALUES (5)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("snap_*"), SnapshotMode.INITIAL), 106);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> c.handler.changes.size() == 25004 || c.failure() != null);
            db.execute("INSERT INTO snap_small1 VALUES (4)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 25005 || c.failure() != null);
            assertThat(c.failure()).isNull();
            Map<String, Long> perTable = c.handler.changes.stream().filter(e -> e.op() == Operation.READ)
                    .collect(Collectors.groupingBy(e -> e.table().table(), Collectors.counting()));
            assertThat(perTable).containsEntry("snap_big", 25000L).containsEntry("snap_small1", 3L)
                    .containsEntry("snap_small2", 1L);
            assertThat(c.handler.changesOf("snap_big").stream().map(e -> e.after()[2]).distinct().count())
                    .isEqualTo(25000);
            ChangeEvent last = c.handler.changes.get(25004);
            assertThat(last.op()).isEqualTo(Operation.CREATE);
            assertThat(last.after()).containsExactly(4);
            assertThat(c.handler.calls).contains("flush");
            assertThat(source.status().tables()).allMatch(t -> t.done());
            System.out.println("global read lock held for a snapshot of 3 tables: "
                    + source.snapshotLockHeld().toNanos() / 1000 + " µs");
        }
    }
}
