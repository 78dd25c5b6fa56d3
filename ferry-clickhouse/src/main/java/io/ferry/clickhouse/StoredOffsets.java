package io.ferry.clickhouse;

import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.Sink.PartitionLostException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Kafka offsets already applied, in {@code <database>.ferry_offsets}: per topic partition the next offset to
 * read, kept as a {@code ReplacingMergeTree(next_offset)} so the highest offset written is the stored one and
 * writing the same offset twice changes nothing.
 *
 * <p>ClickHouse has no transactions, so a move is: read the stored offsets and compare them with the expected
 * ones (a difference means another applier committed: {@link PartitionLostException}, before any row is written),
 * then, after the rows, insert the new offsets. Two appliers racing through that gap both write rows versioned by
 * the same Kafka offsets, so the table's state is the same whichever wins; see {@link ClickHouseSink}.
 */
final class StoredOffsets {

    private final ClickHouseHttp http;
    private final String table;
    private final String display;

    StoredOffsets(ClickHouseHttp http, String database) {
        this.http = http;
        this.table = ClickHouseHttp.quote(database) + "." + ClickHouseHttp.quote("ferry_offsets");
        this.display = database + ".ferry_offsets";
    }

    void create() {
        http.execute("CREATE TABLE IF NOT EXISTS " + table + " (topic String, `partition` Int32, next_offset Int64)"
                + " ENGINE = ReplacingMergeTree(next_offset) ORDER BY (topic, `partition`)");
    }

    Map<Integer, Long> read(String topic) {
        Map<Integer, Long> out = new HashMap<>();
        for (byte[][] row : http.query("SELECT `partition`, max(next_offset) FROM " + table + " WHERE topic = "
                + ClickHouseHttp.literal(topic) + " GROUP BY `partition`")) {
            out.put(Integer.parseInt(text(row[0])), Long.parseLong(text(row[1])));
        }
        return out;
    }

    /** Throws {@link PartitionLostException} when a stored offset is not the one {@code updates} expect. */
    void check(List<OffsetUpdate> updates) {
        Set<String> topics = new LinkedHashSet<>();
        for (OffsetUpdate u : updates) {
            topics.add(u.topic());
        }
        for (String topic : topics) {
            Map<Integer, Long> stored = read(topic);
            for (OffsetUpdate u : updates) {
                if (!u.topic().equals(topic)) {
                    continue;
                }
                long now = stored.getOrDefault(u.partition(), -1L);
                if (now != u.expectedNext()) {
                    throw new PartitionLostException("partition " + u.topic() + "/" + u.partition()
                            + " has stored offset " + now + ", not " + u.expectedNext() + ", in " + display + " on "
                            + http.target() + ": another applier owns it now");
                }
            }
        }
    }

    void write(List<OffsetUpdate> updates) {
        if (updates.isEmpty()) {
            return;
        }
        Tsv.Out out = new Tsv.Out();
        for (OffsetUpdate u : updates) {
            out.text(u.topic());
            out.plain(Integer.toString(u.partition()));
            out.plain(Long.toString(u.newNext()));
            out.endRow();
        }
        http.insert(table, List.of("topic", "`partition`", "next_offset"), out.toByteArray());
    }

    String display() {
        return display;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
