package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The binlog end as each server flavor reports it, with the capture login's privileges. */
@ParameterizedClass
@EnumSource(Flavor.class)
class BinlogEndTest {

    private final MySqlTestServer db;

    BinlogEndTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void theEndMovesPastAWriteAndAPositionAtTheOldEndNoLongerCoversIt() {
        db.execute("CREATE TABLE IF NOT EXISTS binlog_end (id int PRIMARY KEY)");
        BinlogCatchUp before = BinlogCatchUp.now(db.sourceConfig(List.of("binlog_end"), SnapshotMode.NEVER));
        assertThat(before.file()).matches(".+\\.\\d+");
        assertThat(before.pos()).isGreaterThan(4);

        db.execute("INSERT INTO binlog_end VALUES (" + System.nanoTime() % 1_000_000_000 + ")");
        BinlogCatchUp after = BinlogCatchUp.now(db.sourceConfig(List.of("binlog_end"), SnapshotMode.NEVER));

        assertThat(BinlogCatchUp.compareFiles(after.file(), before.file()) > 0 || after.pos() > before.pos()).isTrue();
        Map<String, Object> atOldEnd = Map.of("file", before.file(), "pos", 4, "complete", true,
                "next_pos", before.pos(), "in_snapshot", false);
        assertThat(before.coveredBy(atOldEnd)).isTrue();
        assertThat(after.coveredBy(atOldEnd)).isFalse();
    }

    @Test
    void theBinlogDistanceFromACommittedPositionCountsWhatWasWrittenSince() {
        db.execute("CREATE TABLE IF NOT EXISTS binlog_distance (id bigint PRIMARY KEY, note text)");
        var config = db.sourceConfig(List.of("binlog_distance"), SnapshotMode.NEVER);
        BinlogCatchUp end = BinlogCatchUp.now(config);
        Map<String, Object> committed = Map.of("file", end.file(), "pos", 4, "next_pos", end.pos());
        assertThat(BinlogDistance.after(config, committed)).hasValue(0);

        db.execute("INSERT INTO binlog_distance VALUES (" + System.nanoTime() + ", repeat('x', 2000))");

        assertThat(BinlogDistance.after(config, committed).getAsLong()).isGreaterThan(2000);
        assertThat(BinlogDistance.after(config, Map.of("file", "gone-bin.000001", "pos", 4))).isEmpty();
        assertThat(BinlogDistance.after(config, Map.of())).isEmpty();
    }
}
