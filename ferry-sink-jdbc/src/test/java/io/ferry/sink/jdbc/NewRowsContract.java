package io.ferry.sink.jdbc;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.read;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs of snapshot reads and inserts, which a dialect may write as plain inserts (PostgreSQL: COPY straight into the
 * table) under a savepoint, falling back to its upsert when a key is already there: each case ends as an upsert
 * would, with the offsets moved in the same transaction. The sink's calls to the dialect are recorded, to tell which
 * way the rows went.
 */
public abstract class NewRowsContract extends SinkTestBase {

    static final TableSchema SNAP = table("snap", 1, col("id", TypeKind.INT64, "bigint"),
            col("name", TypeKind.TEXT, "varchar(50)"), col("doc", TypeKind.TEXT, "text"));
    /** More than any dialect needs before it writes new rows its faster way. */
    static final int RUN = 2500;

    private final List<String> calls = new ArrayList<>();
    private boolean faster;

    @BeforeEach
    void recordCalls() {
        JdbcDialect real = target().dialect();
        faster = real.insertNewFrom() <= RUN;
        JdbcDialect recording = (JdbcDialect) Proxy.newProxyInstance(JdbcDialect.class.getClassLoader(),
                new Class<?>[] {JdbcDialect.class}, (proxy, method, args) -> {
                    if (method.getName().equals("insertNew") || method.getName().equals("upsert")) {
                        calls.add(method.getName());
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        sink.close();
        sink = new JdbcSink(target().config(namespace), recording);
    }

    @Test
    void aSnapshotIntoAnEmptyTableIsInsertedWithoutUpsertAndMovesTheOffsets() {
        sink.apply(reads(1, RUN, "s"), List.of(new OffsetUpdate("t", 0, -1, RUN)));
        sink.apply(reads(RUN + 1, RUN, "s"), List.of(new OffsetUpdate("t", 0, RUN, 2 * RUN)));

        assertThat(calls).containsExactly(faster ? "insertNew" : "upsert", faster ? "insertNew" : "upsert");
        assertThat(count()).isEqualTo(2 * RUN);
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, (long) 2 * RUN));
    }

    @Test
    void aResumedSnapshotReadingRowsAgainFallsBackToUpsertAndKeepsTheOffsetMove() {
        sink.apply(reads(1, RUN, "first"), List.of(new OffsetUpdate("t", 0, -1, 10)));
        calls.clear();

        // The chunk the crash interrupted is read again: half of it is in the target already.
        sink.apply(reads(RUN / 2 + 1, RUN, "again"), List.of(new OffsetUpdate("t", 0, 10, 20)));

        assertThat(calls).containsExactlyElementsOf(faster ? List.of("insertNew", "upsert") : List.of("upsert"));
        assertThat(count()).isEqualTo(RUN + RUN / 2);
        assertThat(name(1)).isEqualTo("first 1");
        assertThat(name(RUN / 2 + 1)).isEqualTo("again " + (RUN / 2 + 1));
        assertThat(name(RUN + RUN / 2)).isEqualTo("again " + (RUN + RUN / 2));
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 20L));
    }

    @Test
    void aTableCopiedAgainOnRequestOverItsOwnRowsEndsWithTheCopyAndTriesInsertsLessOften() {
        sink.apply(reads(1, 3 * RUN, "old"), List.of());
        calls.clear();

        for (int run = 0; run < 3; run++) {
            sink.apply(reads(1 + (long) run * RUN, RUN, "copy"), List.of());
        }

        // After the first run met its keys, the second goes straight to upsert, the third tries again.
        assertThat(calls).containsExactlyElementsOf(faster
                ? List.of("insertNew", "upsert", "upsert", "insertNew", "upsert")
                : List.of("upsert", "upsert", "upsert"));
        assertThat(count()).isEqualTo(3 * RUN);
        assertThat(((Number) query("SELECT count(*) FROM " + qualified("snap") + " WHERE name LIKE 'copy %'")
                .get(0).get(0)).longValue()).isEqualTo(3 * RUN);
    }

    @Test
    void snapshotRowsAfterStreamRowsOfTheSameKeysLandAsUpsertsWhetherInOneBatchOrTwo() {
        sink.apply(List.of(insert(SNAP, 7L, "stream", "d")), List.of());
        List<ChangeEvent> mixed = new ArrayList<>();
        mixed.add(update(SNAP, 8L, "stream", "d"));
        mixed.addAll(reads(1, RUN, "snap"));
        calls.clear();

        sink.apply(mixed, List.of());
        // An update in the run: no insert is tried.
        assertThat(calls).containsExactly("upsert");
        sink.apply(List.of(update(SNAP, 9L, "stream", "d")), List.of());
        calls.clear();

        // A later batch of reads overlaps rows already there.
        sink.apply(reads(RUN - 9, RUN, "late"), List.of());

        assertThat(calls).containsExactlyElementsOf(faster ? List.of("insertNew", "upsert") : List.of("upsert"));
        assertThat(count()).isEqualTo(2 * RUN - 10);
        assertThat(name(7)).isEqualTo("snap 7");
        assertThat(name(8)).isEqualTo("snap 8");
        assertThat(name(9)).isEqualTo("stream");
        assertThat(name(RUN - 9)).isEqualTo("late " + (RUN - 9));
        assertThat(name(2 * RUN - 10)).isEqualTo("late " + (2 * RUN - 10));
    }

    @Test
    void aRowTheTargetRefusesAmongNewRowsIsNamedAndNothingIsWritten() {
        List<ChangeEvent> batch = reads(1, RUN, "ok");
        batch.set(3, read(SNAP, 4L, "x".repeat(51), "d"));

        assertThatThrownBy(() -> sink.apply(batch, List.of(new OffsetUpdate("t", 0, -1, RUN))))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(3);
                    assertThat(e.getMessage()).contains(namespace + ".snap", "{id=4}");
                });

        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEmpty();
    }

    /** {@code n} snapshot reads of ids from {@code first}, named {@code "<prefix> <id>"}. */
    private static List<ChangeEvent> reads(long first, int n, String prefix) {
        List<ChangeEvent> out = new ArrayList<>(n);
        for (long id = first; id < first + n; id++) {
            out.add(read(SNAP, id, prefix + " " + id, "doc\t" + id));
        }
        return out;
    }

    private long count() {
        return ((Number) query("SELECT count(*) FROM " + qualified("snap")).get(0).get(0)).longValue();
    }

    private String name(long id) {
        return (String) query("SELECT name FROM " + qualified("snap") + " WHERE id = " + id).get(0).get(0);
    }
}
