package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.RecordingHandler;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A backfill event's position resumes like the stream point it was handed over at, plus the backfill's progress. */
class BackfillPositionTest {

    @Test
    void theMarkerAndTheLastKeySurviveTheOffsetsTopicAndResumeLikeTheStreamPoint() {
        PgPosition at = PgPosition.event(5_000, 2, 77);
        String key = Backfill.keyText(new String[] {"a \"quoted\" \\ key", "NULL", "", "{x,y}"});
        PgPosition row = PgPosition.backfill(at, "\"public\".\"t\"", key, 12);
        Map<String, Object> stored = RecordingHandler.describe(row);
        assertThat(stored).containsEntry(PgPosition.BACKFILL, "\"public\".\"t\"")
                .containsEntry(PgPosition.BACKFILL_ROWS, 12L).doesNotContainKey(PgPosition.END_LSN);

        PgPosition back = PgPosition.fromResume(stored);
        assertThat(Backfill.parseKey(back.backfillKey)).containsExactly("a \"quoted\" \\ key", "NULL", "", "{x,y}");
        assertThat(back.skips(5_000, 2)).isTrue();
        assertThat(back.skips(5_000, 3)).isFalse();
        assertThat(RecordingHandler.describe(back.withoutBackfill())).doesNotContainKeys(PgPosition.BACKFILL,
                PgPosition.BACKFILL_KEY, PgPosition.BACKFILL_ROWS).containsEntry(PgPosition.LSN, 5_000L);
    }
}
