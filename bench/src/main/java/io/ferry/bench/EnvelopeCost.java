package io.ferry.bench;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.kafka.EnvelopeReader;
import io.ferry.kafka.EnvelopeWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code bench/run envelope-cost}: nanoseconds per event for {@link EnvelopeWriter#key} + {@link EnvelopeWriter#value},
 * then for {@link EnvelopeReader#read} of the same values, on {@code bench_rows}-shaped events (one thread, no Kafka, no database), so two builds can be compared on a machine
 * whose other load makes end-to-end rates vary. Uses only API that older builds have too.
 */
public final class EnvelopeCost {

    public static void main(String[] args) {
        ColumnType text = ColumnType.of(TypeKind.TEXT, "text");
        TableSchema schema = new TableSchema(new TableId("public", "bench_rows"), 1, List.of(
                new Column("id", ColumnType.of(TypeKind.INT64, "bigint"), false), new Column("name", text, false),
                new Column("amount", ColumnType.of(TypeKind.DECIMAL, "numeric(12,2)"), false),
                new Column("updated_at", ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamp with time zone"), false),
                new Column("attrs", ColumnType.of(TypeKind.JSON, "jsonb"), false)), List.of("id"));
        Random random = new Random(11);
        ChangeEvent[] events = new ChangeEvent[10_000];
        for (int i = 0; i < events.length; i++) {
            long id = i + 1;
            Object[] row = {id, "customer-" + id + " " + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()),
                    BigDecimal.valueOf(random.nextInt(10_000_000), 2), Instant.ofEpochSecond(1_700_000_000L + i, i * 1000L),
                    "{\"tier\": \"gold\", \"score\": " + random.nextInt(1000) + ", \"region\": \"eu-" + i % 7
                            + "\", \"active\": true}"};
            long lsn = 0x5000000L + i * 100L;
            int index = i;
            SourcePosition at = out -> {
                out.put("lsn", lsn);
                out.put("index", index);
                out.put("txId", 770L);
                out.put("complete", false);
                out.put("in_snapshot", false);
            };
            events[i] = new ChangeEvent(i % 2 == 0 ? Operation.CREATE : Operation.UPDATE, schema, null, row, at, 770,
                    1_733_000_000_000_000L + i);
        }
        EnvelopeWriter writer = new EnvelopeWriter("postgresql", "bench", "bench");
        int perRound = 2_000_000;
        long bytes = 0;
        for (int round = 1; round <= 8; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perRound; i++) {
                ChangeEvent e = events[i % events.length];
                bytes += writer.key(e).length + writer.value(e, 1, 1_733_000_000_000L).length;
            }
            double ns = (System.nanoTime() - t0) / (double) perRound;
            System.out.printf(Locale.ROOT, "round %d: %.0f ns per event (key + value)%s%n", round, ns,
                    round <= 2 ? " (warm-up)" : "");
        }
        System.out.printf(Locale.ROOT, "(%,d bytes written)%n", bytes);
        // The apply side: the same values read back as the applier reads them (rows aligned with the schema).
        byte[][] values = new byte[events.length][];
        for (int i = 0; i < events.length; i++) {
            values[i] = writer.value(events[i], 1, 1_733_000_000_000L).clone();
        }
        EnvelopeReader reader = new EnvelopeReader();
        long checksum = 0;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 1; round <= 8; round++) {
            long t0 = System.nanoTime();
            long cpu0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < perRound; i++) {
                checksum += reader.read(schema, values[i % values.length]).commitMicros();
            }
            double ns = (System.nanoTime() - t0) / (double) perRound;
            double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / (double) perRound;
            System.out.printf(Locale.ROOT, "read round %d: %.0f ns per event (EnvelopeReader.read), %.0f ns of this"
                    + " thread's CPU%s%n", round, ns, cpu, round <= 2 ? " (warm-up)" : "");
        }
        System.out.printf(Locale.ROOT, "(checksum %d)%n", checksum);
    }
}
