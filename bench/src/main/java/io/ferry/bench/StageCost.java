package io.ferry.bench;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.PipelineConfig;
import io.ferry.transform.TableTransform;
import io.ferry.transform.Transforms;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * The transform stage alone, in this thread, on update events shaped like {@code bench_rows}: what the stage
 * adds to the capture thread per event, free of the database and broker noise a shared machine brings.
 */
final class StageCost {

    private static final TableSchema BENCH_ROWS = new TableSchema(new TableId("public", "bench_rows"), 1, List.of(
            new Column("id", ColumnType.of(TypeKind.INT64, "bigint"), false, 1),
            new Column("name", ColumnType.of(TypeKind.TEXT, "text"), false, 2),
            new Column("amount", ColumnType.of(TypeKind.DECIMAL, "numeric(12,2)"), false, 3),
            new Column("updated_at", ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamp with time zone"), false, 4),
            new Column("attrs", ColumnType.of(TypeKind.JSON, "jsonb"), false, 5)), List.of("id"));

    private StageCost() {
    }

    static double nanosPerEvent(PipelineConfig config) {
        TableTransform t = Transforms.capture(config).of(BENCH_ROWS);
        SourcePosition position = out -> out.put("lsn", 1L);
        ChangeEvent[] events = new ChangeEvent[10_000];
        for (int i = 0; i < events.length; i++) {
            Object[] row = {(long) i, "customer-" + i + " 5d41402abc4b2a76b9719d911017c592",
                    new BigDecimal(i % 100000 + ".25"), Instant.ofEpochSecond(1_700_000_000L + i),
                    "{\"ok\": true, \"tags\": [\"new\", \"eu\"], \"tier\": 1, \"score\": 7}"};
            events[i] = new ChangeEvent(Operation.UPDATE, BENCH_ROWS, null, row, position, i, 1_700_000_000_000_000L);
        }
        long sink = 0;
        for (int warm = 0; warm < 50; warm++) {
            for (ChangeEvent e : events) {
                sink += t.apply(e).after().length;
            }
        }
        int rounds = 100;
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (ChangeEvent e : events) {
                sink += t.apply(e).after().length;
            }
        }
        long elapsed = System.nanoTime() - t0;
        if (sink == 42) {
            System.out.println("unlikely");
        }
        return (double) elapsed / (rounds * (long) events.length);
    }
}
