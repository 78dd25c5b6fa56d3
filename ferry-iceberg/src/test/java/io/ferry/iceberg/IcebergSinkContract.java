package io.ferry.iceberg;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.truncate;
import static io.ferry.core.apply.Events.update;
import static io.ferry.core.apply.Events.updateKey;
import static io.ferry.iceberg.IcebergTarget.onTopic;
import static io.ferry.iceberg.IcebergTarget.row;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.schema.SchemaHistory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the Iceberg sink does on a real file system (a local directory, HDFS): applying, offsets in snapshot
 * summaries, buffering across calls, lost partitions, refusals. Rows are read back with Iceberg's generic reader.
 */
public abstract class IcebergSinkContract {

    private static final Object U = ChangeEvent.UNCHANGED;
    static final TableSchema ITEMS = table("items", 1, col("id", TypeKind.INT64, "bigint"),
            col("name", TypeKind.TEXT, "varchar(50)"), col("doc", TypeKind.TEXT, "text"));
    private static int namespaces;

    protected String namespace;
    protected IcebergSink sink;
    /** The sink's clock: tests move it past the commit interval. */
    protected final AtomicLong clock = new AtomicLong();

    protected abstract IcebergTarget target();

    @BeforeEach
    void open() {
        namespace = "ns" + (++namespaces) + "_" + System.nanoTime() % 100_000;
        sink = sink(Map.of());
    }

    @AfterEach
    void close() {
        sink.close();
    }

    protected IcebergSink sink(Map<String, String> options) {
        return new IcebergSink(target().config(namespace, SchemaChanges.DEFAULT, options), clock::get);
    }

    @Test
    void anUpsertUpdatesTheExistingRowAndADeleteRemovesByKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x"), insert(ITEMS, 2L, "b", "y"), insert(ITEMS, 3L, "c", "z")),
                List.of());
        sink.apply(List.of(update(ITEMS, 1L, "a2", "x2"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(row(1L, "a2", "x2"), row(3L, "c", "z"));
        Table t = target().table(namespace, "items");
        assertThat(((org.apache.iceberg.BaseTable) t).operations().current().formatVersion()).isEqualTo(2);
        assertThat(t.schema().identifierFieldNames()).containsExactly("id");
    }

    @Test
    void aKeyChangeDeletesTheOldKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());

        sink.apply(List.of(updateKey(ITEMS, new Object[] {1L, "a", "x"}, new Object[] {7L, "a", "x"})), List.of());

        assertThat(rows()).containsExactly(row(7L, "a", "x"));
    }

    @Test
    void aTruncateEmptiesTheTableInOrderWithTheRowsAroundIt() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        sink.apply(List.of(insert(ITEMS, 2L, "b", "y"), truncate(ITEMS), insert(ITEMS, 3L, "c", "z")), List.of());

        assertThat(rows()).containsExactly(row(3L, "c", "z"));
    }

    @Test
    void anUnchangedValueKeepsItsOldValueFromTheTableOrFromTheBatch() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "large toasted document")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "renamed", U), update(ITEMS, 2L, "new row", U),
                insert(ITEMS, 3L, "c", "doc 3"), update(ITEMS, 3L, "c2", U)), List.of());

        assertThat(rows()).containsExactly(row(1L, "renamed", "large toasted document"), row(2L, "new row", null),
                row(3L, "c2", "doc 3"));
    }

    @Test
    void severalEventsForOneKeyInOneBatchEndInTheFinalState() {
        sink.apply(List.of(insert(ITEMS, 1L, "old", "old")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "u1", "d1"), delete(ITEMS, 1L, null, null), insert(ITEMS, 1L, "i2", U),
                update(ITEMS, 1L, "u3", U), insert(ITEMS, 2L, "x", "x"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(row(1L, "u3", null));
    }

    @Test
    void aLongRandomHistoryConvergesToWhatApplyingEventsOneByOneGives() {
        sink.close();
        sink = sink(Map.of("commit-rows", "1500"));
        Random random = new Random(42);
        Map<Long, Object[]> expected = new LinkedHashMap<>();
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            long id = random.nextInt(300);
            int op = random.nextInt(10);
            if (op < 2) {
                events.add(delete(ITEMS, id, null, null));
                expected.remove(id);
            } else {
                Object doc = op < 5 ? U : "doc " + i;
                events.add(update(ITEMS, id, "name " + i, doc));
                Object[] old = expected.get(id);
                expected.put(id, new Object[] {id, "name " + i, doc == U ? (old == null ? null : old[2]) : doc});
            }
        }
        for (int from = 0; from < events.size(); from += 700) {
            sink.apply(events.subList(from, Math.min(events.size(), from + 700)), List.of());
        }
        sink.close();

        List<List<Object>> want = new ArrayList<>();
        expected.values().stream().sorted((a, b) -> Long.compare((Long) a[0], (Long) b[0]))
                .forEach(r -> want.add(Arrays.asList(r)));
        assertThat(rows()).isEqualTo(want);
    }

    @Test
    void offsetsAreCommittedInTheSnapshotSummaryAndReadBackAfterARestart() {
        sink.apply(List.of(onTopic(insert(ITEMS, 1L, "a", null), "t", 0, 9)), List.of(new OffsetUpdate("t", 0, -1, 10),
                new OffsetUpdate("t", 1, -1, 5)));
        sink.apply(List.of(onTopic(insert(ITEMS, 2L, "b", null), "t", 0, 10)), List.of(new OffsetUpdate("t", 0, 10, 11)));
        sink.apply(List.of(), List.of(new OffsetUpdate("other", 0, -1, 7)));

        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 11L, 1, 5L));
        Snapshot newest = target().table(namespace, "items").currentSnapshot();
        assertThat(newest.summary()).containsEntry("ferry.offsets.t", "{\"0\":11,\"1\":5}");
        sink.close();

        sink = sink(Map.of());
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 11L, 1, 5L));
        assertThat(sink.storedOffsets("other")).isEqualTo(Map.of(0, 7L));
        assertThat(sink.storedOffsets("unknown")).isEmpty();
        assertThat(rows()).hasSize(2);
    }

    @Test
    void aStaleExpectedOffsetThrowsPartitionLostAndWritesNothing() {
        sink.apply(List.of(onTopic(insert(ITEMS, 1L, "a", null), "t", 0, 9)), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(onTopic(insert(ITEMS, 2L, "b", null), "t", 0, 11)), List.of(
                new OffsetUpdate("t", 1, -1, 3), new OffsetUpdate("t", 0, 7, 12))))
                .isInstanceOf(Sink.PartitionLostException.class).hasMessageContaining("t/0");

        assertThat(rows()).hasSize(1);
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void rowsBufferedUntilTheCommitIntervalAreNeitherVisibleNorStoredAndAKillLosesNothing() {
        sink.close();
        sink = sink(Map.of("commit-rows", "1000000", "commit-interval", "10s"));
        sink.apply(List.of(onTopic(insert(ITEMS, 1L, "a", null), "t", 0, 0)), List.of(new OffsetUpdate("t", 0, -1, 1)));
        sink.apply(List.of(onTopic(insert(ITEMS, 2L, "b", null), "t", 0, 1)), List.of(new OffsetUpdate("t", 0, 1, 2)));
        assertThat(rows()).isEmpty();

        clock.addAndGet(11_000_000_000L);
        sink.apply(List.of(onTopic(insert(ITEMS, 3L, "c", null), "t", 0, 2)), List.of(new OffsetUpdate("t", 0, 2, 3)));
        assertThat(rows()).extracting(r -> r.get(0)).containsExactly(1L, 2L);

        // A kill: the sink is dropped without closing; row 3 was written to a file but never committed.
        IcebergSink restarted = sink(Map.of());
        try {
            assertThat(restarted.storedOffsets("t")).isEqualTo(Map.of(0, 2L));
            restarted.apply(List.of(onTopic(insert(ITEMS, 3L, "c", null), "t", 0, 2)),
                    List.of(new OffsetUpdate("t", 0, 2, 3)));
            assertThat(rows()).extracting(r -> r.get(0)).containsExactly(1L, 2L, 3L);
        } finally {
            restarted.close();
        }
        assertThatThrownBy(() -> {
            clock.addAndGet(11_000_000_000L);
            sink.apply(List.of(onTopic(insert(ITEMS, 4L, "d", null), "t", 0, 3)),
                    List.of(new OffsetUpdate("t", 0, 3, 4)));
        }).isInstanceOf(Sink.PartitionLostException.class);
        assertThat(rows()).extracting(r -> r.get(0)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void storedOffsetsCommitsTheBufferFirstSoThatItSaysWhereReadingResumes() {
        sink.close();
        sink = sink(Map.of("commit-rows", "1000000"));
        sink.apply(List.of(onTopic(insert(ITEMS, 1L, "a", null), "t", 0, 0)), List.of(new OffsetUpdate("t", 0, -1, 1)));

        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 1L));
        assertThat(rows()).hasSize(1);
    }

    @Test
    void aValueThatDoesNotFitIsRejectedWithItsIndexAndNothingIsWritten() {
        TableSchema money = table("money", 1, col("id", TypeKind.INT32, "integer"),
                col("amount", TypeKind.DECIMAL, "numeric(5,2)"));

        assertThatThrownBy(() -> sink.apply(List.of(insert(money, 1, new BigDecimal("1.50")),
                insert(money, 2, new BigDecimal("1234.5"))), List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.getMessage()).contains(namespace + ".money", "{id=2}", "amount");
                });
        sink.apply(List.of(insert(money, 1, new BigDecimal("1.5"))), List.of());
        assertThat(target().rows(namespace, "money")).containsExactly(row(1, new BigDecimal("1.50")));
    }

    @Test
    void aTableWithoutKeyTakesDuplicateRowsAndDeletesByWholeRow() {
        TableSchema log = new TableSchema(new TableId("source", "log"), 1, List.of(col("n", TypeKind.INT32, "integer"),
                col("note", TypeKind.TEXT, "text")), List.of());

        sink.apply(List.of(insert(log, 1, "x"), insert(log, 1, "x"), insert(log, 2, "y"), insert(log, 3, "z")),
                List.of());
        sink.apply(List.of(delete(log, 2, "y"), updateKey(log, new Object[] {3, "z"}, new Object[] {3, "w"})),
                List.of());

        assertThat(target().rows(namespace, "log")).containsExactly(row(1, "x"), row(1, "x"), row(3, "w"));
    }

    @Test
    void aPartitionByOnTheKeyBucketsTheTableAndDeletesFindTheirRows() {
        sink.close();
        sink = sink(Map.of("partition-by.source.items", "bucket(4, id)"));
        List<ChangeEvent> inserts = new ArrayList<>();
        for (long i = 0; i < 20; i++) {
            inserts.add(insert(ITEMS, i, "n" + i, null));
        }
        sink.apply(inserts, List.of());
        sink.apply(List.of(delete(ITEMS, 3L, null, null), update(ITEMS, 4L, "four", null)), List.of());

        assertThat(target().table(namespace, "items").spec().fields()).hasSize(1);
        assertThat(rows()).hasSize(19).contains(row(4L, "four", null)).doesNotContain(row(3L, "n3", null));
    }

    @Test
    void aPartitionByOnANonKeyColumnIsRefusedNamingTheColumn() {
        sink.close();
        sink = sink(Map.of("partition-by.items", "name"));

        assertThatThrownBy(() -> sink.ensureTable(ITEMS, SchemaHistory.NONE))
                .hasMessageContaining("partition-by").hasMessageContaining("'name'")
                .hasMessageContaining("not a key column");
    }

    protected List<List<Object>> rows() {
        return target().rows(namespace, "items");
    }
}
