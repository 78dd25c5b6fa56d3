package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a committed capture position covers a binlog end: positions as the offsets topic holds them. */
class BinlogCatchUpTest {

    private final BinlogCatchUp end = new BinlogCatchUp("mysql-bin.000003", 1500);

    @Test
    void nothingCommittedCoversNothing() {
        assertThat(end.coveredBy(Map.of())).isFalse();
    }

    @Test
    void aCompleteTransactionCoversTheEndOnceTheNextOneWouldStartThere() {
        assertThat(end.coveredBy(commit("mysql-bin.000003", 1200, 1500))).isTrue();
        assertThat(end.coveredBy(commit("mysql-bin.000003", 1200, 1600))).isTrue();
        assertThat(end.coveredBy(commit("mysql-bin.000003", 1200, 1499))).isFalse();
    }

    @Test
    void aRowCoversOnlyWhatStartsBeforeItsOwnTransaction() {
        assertThat(end.coveredBy(row("mysql-bin.000003", 1499))).isFalse();
        assertThat(end.coveredBy(row("mysql-bin.000003", 1500))).isTrue();
    }

    @Test
    void filesCompareByTheirNumberNotAsText() {
        assertThat(end.coveredBy(commit("mysql-bin.000002", 10, 999_999))).isFalse();
        assertThat(end.coveredBy(commit("mysql-bin.000004", 4, 120))).isTrue();
        BinlogCatchUp past999999 = new BinlogCatchUp("mysql-bin.1000000", 4);
        assertThat(past999999.coveredBy(commit("mysql-bin.999999", 10, 500))).isFalse();
        assertThat(new BinlogCatchUp("mysql-bin.999999", 500).coveredBy(commit("mysql-bin.1000000", 4, 120))).isTrue();
    }

    @Test
    void aSnapshotInProgressIsNotCaughtUpAndAFinishedOneIsAtItsBinlogPosition() {
        Map<String, Object> inProgress = new HashMap<>(Map.of("file", "mysql-bin.000003", "pos", 2000L, "row", -1,
                "complete", false, "in_snapshot", true, "snapshot_table", "shop.orders", "snapshot_rows", 10L,
                "snapshot_done", false));
        assertThat(end.coveredBy(inProgress)).isFalse();

        Map<String, Object> done = Map.of("file", "mysql-bin.000003", "pos", 1500, "row", -1, "complete", true,
                "next_pos", 1500, "in_snapshot", true, "snapshot_done", true);
        assertThat(end.coveredBy(done)).isTrue();
    }

    @Test
    void aPositionInsideACopyOrWithCopiesQueuedIsNotCaughtUp() {
        Map<String, Object> past = new HashMap<>(commit("mysql-bin.000003", 1200, 1600));
        assertThat(end.coveredBy(past)).isTrue();
        past.put("backfill", "shop.orders");
        assertThat(end.coveredBy(past)).isFalse();
        past.remove("backfill");
        past.put("adhoc_queue", "\"shop\".\"orders\"");
        assertThat(end.coveredBy(past)).isFalse();
    }

    @Test
    void numbersAndBooleansMayArriveAsTextOrEitherIntegerKind() {
        assertThat(end.coveredBy(Map.of("file", "mysql-bin.000003", "pos", "1200", "complete", "true",
                "next_pos", "1500", "in_snapshot", "false"))).isTrue();
        assertThat(end.coveredBy(Map.of("file", "mysql-bin.000003", "pos", 1200, "complete", true,
                "next_pos", 1500L, "in_snapshot", false))).isTrue();
    }

    private static Map<String, Object> commit(String file, long pos, long nextPos) {
        return Map.of("file", file, "pos", pos, "row", 0, "complete", true, "next_pos", nextPos, "in_snapshot", false);
    }

    private static Map<String, Object> row(String file, long pos) {
        return Map.of("file", file, "pos", pos, "row", 0, "complete", false, "in_snapshot", false);
    }
}
