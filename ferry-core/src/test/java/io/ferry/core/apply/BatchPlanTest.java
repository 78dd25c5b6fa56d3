package io.ferry.core.apply;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.read;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.truncate;
import static io.ferry.core.apply.Events.update;
import static io.ferry.core.apply.Events.updateKey;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

    private static final Object U = ChangeEvent.UNCHANGED;
    private static final TableSchema ITEMS = table("items", 1,
            col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "text"), col("doc", TypeKind.TEXT, "text"));
    private static final TableSchema OTHER = table("other", 1, col("id", TypeKind.INT64, "bigint"));

    @Test
    void severalEventsForOneKeyEndInTheFinalState() {
        List<BatchPlan.Step> plan = BatchPlan.of(List.of(
                insert(ITEMS, 1L, "a", "x"), update(ITEMS, 1L, "b", "x"), delete(ITEMS, 1L, null, null),
                insert(ITEMS, 1L, "c", "y"), update(ITEMS, 1L, "d", "y")));

        BatchPlan.Rows rows = onlyRows(plan);
        assertThat(rows.deletes()).containsExactly(new Object[] {1L});
        assertThat(rows.upserts()).containsExactly(new Object[] {1L, "d", "y"});
    }

    @Test
    void aLaterDeleteWinsOverEarlierUpserts() {
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(
                insert(ITEMS, 1L, "a", "x"), update(ITEMS, 1L, "b", "x"), delete(ITEMS, 1L, null, null))));

        assertThat(rows.deletes()).containsExactly(new Object[] {1L});
        assertThat(rows.upserts()).isEmpty();
    }

    @Test
    void anUnchangedValueIsTakenFromAnEarlierUpsertOfTheSameKey() {
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(
                update(ITEMS, 1L, "a", "big document"), update(ITEMS, 1L, "b", U))));

        assertThat(rows.upserts()).containsExactly(new Object[] {1L, "b", "big document"});
    }

    @Test
    void anUnchangedValueWithoutAnEarlierUpsertStaysUnwritten() {
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(update(ITEMS, 1L, "a", U), update(ITEMS, 2L, "b", U))));

        assertThat(rows.upserts()).containsExactly(new Object[] {1L, "a", U}, new Object[] {2L, "b", U});
    }

    @Test
    void anUnchangedValueIsNotTakenFromBeforeADelete() {
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(
                insert(ITEMS, 1L, "a", "old"), delete(ITEMS, 1L, null, null), update(ITEMS, 1L, "b", U))));

        assertThat(rows.deletes()).containsExactly(new Object[] {1L});
        assertThat(rows.upserts()).containsExactly(new Object[] {1L, "b", U});
    }

    @Test
    void anEarlierInputImageIsNotModified() {
        Object[] first = {1L, "a", "x"};
        Object[] second = {1L, "b", U};
        BatchPlan.of(List.of(update(ITEMS, first), update(ITEMS, second)));

        assertThat(second).containsExactly(1L, "b", U);
        assertThat(first).containsExactly(1L, "a", "x");
    }

    @Test
    void anUpdateThatChangesTheKeyDeletesTheOldKey() {
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(
                updateKey(ITEMS, new Object[] {1L, null, null}, new Object[] {2L, "a", "x"}))));

        assertThat(rows.deletes()).containsExactly(new Object[] {1L});
        assertThat(rows.upserts()).containsExactly(new Object[] {2L, "a", "x"});
    }

    @Test
    void aTruncateSplitsTheTablesRunAndKeepsItsPlace() {
        List<BatchPlan.Step> plan = BatchPlan.of(List.of(
                insert(ITEMS, 1L, "a", "x"), truncate(ITEMS), insert(ITEMS, 2L, "b", "y")));

        assertThat(plan).hasSize(3);
        assertThat(((BatchPlan.Rows) plan.get(0)).upserts()).containsExactly(new Object[] {1L, "a", "x"});
        assertThat(plan.get(1)).isInstanceOf(BatchPlan.Truncate.class);
        assertThat(((BatchPlan.Rows) plan.get(2)).upserts()).containsExactly(new Object[] {2L, "b", "y"});
    }

    @Test
    void aNewSchemaVersionStartsANewRun() {
        TableSchema v2 = table("items", 2, col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "text"),
                col("doc", TypeKind.TEXT, "text"), col("added", TypeKind.INT32, "integer"));
        List<BatchPlan.Step> plan = BatchPlan.of(List.of(insert(ITEMS, 1L, "a", "x"), update(v2, 1L, "a", "x", 7)));

        assertThat(plan).hasSize(2);
        assertThat(plan.get(0).schema()).isSameAs(ITEMS);
        assertThat(plan.get(1).schema()).isSameAs(v2);
    }

    @Test
    void interleavedTablesShareOneRunPerTable() {
        List<BatchPlan.Step> plan = BatchPlan.of(List.of(
                insert(ITEMS, 1L, "a", "x"), insert(OTHER, 9L), update(ITEMS, 1L, "b", "x"), insert(OTHER, 8L)));

        assertThat(plan).hasSize(2);
        assertThat(((BatchPlan.Rows) plan.get(0)).upserts()).containsExactly(new Object[] {1L, "b", "x"});
        assertThat(((BatchPlan.Rows) plan.get(1)).upserts()).containsExactly(new Object[] {9L}, new Object[] {8L});
    }

    @Test
    void numericKeysThatPostgresConsidersEqualAreOneKey() {
        TableSchema prices = table("prices", 1, col("id", TypeKind.DECIMAL, "numeric"), col("v", TypeKind.TEXT, "text"));
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(
                insert(prices, new BigDecimal("1.0"), "a"), update(prices, new BigDecimal("1.00"), "b"))));

        assertThat(rows.upserts()).hasSize(1);
        assertThat(rows.upserts().get(0)[1]).isEqualTo("b");
    }

    @Test
    void byteArrayKeysCompareByContent() {
        TableSchema blobs = table("blobs", 1, col("id", TypeKind.BYTES, "bytea"), col("v", TypeKind.TEXT, "text"));
        BatchPlan.Rows rows = onlyRows(BatchPlan.of(List.of(
                insert(blobs, new byte[] {0, 1}, "a"), delete(blobs, new byte[] {0, 1}, null))));

        assertThat(rows.upserts()).isEmpty();
        assertThat(rows.deletes()).hasSize(1);
    }

    @Test
    void eventsOfATableWithoutKeyStayEveryOneInOrder() {
        TableSchema log = new TableSchema(new io.ferry.core.TableId("source", "log"), 1,
                List.of(col("k", TypeKind.TEXT, "text"), col("v", TypeKind.INT32, "integer")), List.of());
        List<io.ferry.core.ChangeEvent> events = List.of(insert(log, "a", 1), insert(log, "a", 1),
                delete(log, "a", 1), insert(ITEMS, 1L, "x", "y"), insert(log, "a", 1));

        List<BatchPlan.Step> plan = BatchPlan.of(events);

        assertThat(plan).hasSize(2);
        assertThat(((BatchPlan.InOrder) plan.get(0)).events())
                .containsExactly(events.get(0), events.get(1), events.get(2), events.get(4));
    }

    @Test
    void aRunOfInsertsAndSnapshotReadsIsInsertsOnlyUntilAnotherOperationJoins() {
        assertThat(onlyRows(BatchPlan.of(List.of(read(ITEMS, 1L, "a", "x"), insert(ITEMS, 2L, "b", "y"))))
                .insertsOnly()).isTrue();
        assertThat(onlyRows(BatchPlan.of(List.of(read(ITEMS, 1L, "a", "x"), update(ITEMS, 2L, "b", "y"))))
                .insertsOnly()).isFalse();
        assertThat(onlyRows(BatchPlan.of(List.of(read(ITEMS, 1L, "a", "x"), delete(ITEMS, 1L, null, null),
                read(ITEMS, 1L, "b", "y")))).insertsOnly()).isFalse();
    }

    @Test
    void aTruncateOrANewVersionStartsARunThatIsJudgedOnItsOwn() {
        List<BatchPlan.Step> plan = BatchPlan.of(List.of(update(ITEMS, 1L, "a", "x"), truncate(ITEMS),
                read(ITEMS, 2L, "b", "y")));

        assertThat(((BatchPlan.Rows) plan.get(0)).insertsOnly()).isFalse();
        assertThat(((BatchPlan.Rows) plan.get(2)).insertsOnly()).isTrue();
    }

    private static BatchPlan.Rows onlyRows(List<BatchPlan.Step> plan) {
        assertThat(plan).hasSize(1);
        return (BatchPlan.Rows) plan.get(0);
    }
}
