package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.RecordingHandler;
import io.ferry.core.TableId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotProgressTest {

    @Test
    void readsBackWhatItWroteWithOddNamesAndKeys() {
        TableId odd = new TableId("Sales Dept", "Order.\"x\"");
        SnapshotProgress p = SnapshotProgress.NONE
                .afterChunk(new TableId("public", "big"), 500, Backfill.keyText(new String[] {"500", "a\"b\\c"}), false)
                .afterChunk(odd, 7, null, true)
                .afterChunk(new TableId("public", "big"), 1000, Backfill.keyText(new String[] {"1000", null}), false)
                .restarted(new TableId("public", "keyless"));

        SnapshotProgress back = SnapshotProgress.parse(p.text());

        assertThat(back.of(new TableId("public", "big")))
                .isEqualTo(new SnapshotProgress.Table(1000, 2, "{\"1000\",NULL}", false));
        assertThat(Backfill.parseKey(SnapshotProgress.parse(SnapshotProgress.NONE
                .afterChunk(odd, 1, Backfill.keyText(new String[] {"500", "a\"b\\c"}), false).text()).of(odd).lastKey()))
                .containsExactly("500", "a\"b\\c");
        assertThat(back.of(odd)).isEqualTo(new SnapshotProgress.Table(7, 1, null, true));
        assertThat(back.of(new TableId("public", "keyless"))).isEqualTo(new SnapshotProgress.Table(0, 0, null, false));
        assertThat(back.of(new TableId("public", "absent"))).isNull();
        assertThat(back.text()).isEqualTo(p.text());
    }

    @Test
    void travelsOnlyInTheResumeFieldsOfAnUnfinishedSnapshot() {
        SnapshotProgress p = SnapshotProgress.NONE.afterChunk(new TableId("public", "t"), 3, "{\"3\"}", false);
        Map<String, Object> row = RecordingHandler.describe(PgPosition.snapshotRow(42, "public.t", 2, p));
        assertThat(row).containsEntry(PgPosition.SNAPSHOT_PROGRESS, p.text());
        assertThat(PgPosition.fromResume(row).snapshotProgress.of(new TableId("public", "t")).rows()).isEqualTo(3);
        assertThat(RecordingHandler.describe(PgPosition.snapshotDone(42))).doesNotContainKey(PgPosition.SNAPSHOT_PROGRESS);
        assertThat(PgPosition.fromResume(RecordingHandler.describe(PgPosition.snapshotRow(42, "public.t", 2, null)))
                .snapshotProgress).isNull();
    }

    @Test
    void refusesMalformedText() {
        assertThatThrownBy(() -> SnapshotProgress.parse("{\"public.t\",\"1\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed snapshot progress");
    }
}
