package io.ferry.postgres.sink;

import io.ferry.core.schema.SchemaHistory;
import io.ferry.core.apply.Events;
import static io.ferry.core.apply.Events.col;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Sink;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.sink.jdbc.JdbcSink;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Rows per second of the two upsert strategies, and of COPY straight into the table for new rows, through
 * {@link JdbcSink#apply} with the {@link PostgresDialect}, against the embedded server: 200k new rows (snapshot reads),
 * then the same 200k rows updated, in batches of 10,000 events; then the same with smaller batches. Run: {@code mvn -o test-compile exec:java} is not set up; run the main class from the IDE
 * or with the test classpath ({@code mvn -o dependency:build-classpath -Dmdep.includeScope=test}).
 */
public final class UpsertStrategyBenchmark {

    private static final TableSchema ORDERS = Events.table("orders", 1,
            col("id", TypeKind.INT64, "bigint"), col("customer", TypeKind.TEXT, "text"),
            col("amount", TypeKind.DECIMAL, "numeric(12,2)"), col("created", TypeKind.TIMESTAMPTZ, "timestamp with time zone"),
            col("qty", TypeKind.INT32, "integer"), col("paid", TypeKind.BOOLEAN, "boolean"),
            col("note", TypeKind.TEXT, "text"));

    private UpsertStrategyBenchmark() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        for (int round = 0; round < 2; round++) {
            String label = round == 0 ? "warm-up" : "measured";
            for (int batch : new int[] {10000, 5000, 2000, 1000, 500, 100}) {
                int n = round == 0 ? Math.min(rows, 20_000) : (batch < 1000 ? Math.min(rows, 50_000) : rows);
                run(label, "insert-values", () -> new PostgresDialect(new InsertValuesWriter(), null,
                        Integer.MAX_VALUE, Integer.MAX_VALUE), n, batch);
                run(label, "copy-merge", () -> new PostgresDialect(null, null, 0, Integer.MAX_VALUE), n, batch);
                run(label, "copy-new-rows", PostgresDialect::new, n, batch);
            }
        }
        System.exit(0);
    }

    private static void run(String label, String name, Supplier<PostgresDialect> dialect, int rows, int batch) {
        try (JdbcSink sink = new JdbcSink(TargetDb.config(TargetDb.freshSchema()), dialect.get())) {
            sink.ensureTable(ORDERS, SchemaHistory.NONE);
            long insert = timed(sink, rows, batch, 0);
            long update = timed(sink, rows, batch, 1);
            System.out.printf("%-8s %-14s batch %5d: insert %,9.0f rows/s, update %,9.0f rows/s (%d rows)%n",
                    label, name, batch, rows * 1e9 / insert, rows * 1e9 / update, rows);
        }
    }

    private static long timed(Sink sink, int rows, int batch, int version) {
        long start = System.nanoTime();
        for (int from = 0; from < rows; from += batch) {
            List<ChangeEvent> events = new ArrayList<>(batch);
            for (long id = from; id < Math.min(rows, from + batch); id++) {
                Object[] row = {id, "customer-" + (id % 1000), BigDecimal.valueOf(id * 100 + version, 2),
                        Instant.ofEpochSecond(1_700_000_000L + id, 123_000), (int) id + version, version == 1, "note " + id};
                // The first pass is a snapshot of new rows, the second updates them all.
                events.add(version == 0 ? Events.read(ORDERS, row) : Events.update(ORDERS, row));
            }
            sink.apply(events, List.of());
        }
        return System.nanoTime() - start;
    }
}
