package io.ferry.transform;

import static io.ferry.transform.TestPipelines.ORDERS;
import static io.ferry.transform.TestPipelines.POSITION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.BoundedArray;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.ConfigException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableTransformTest {

    private static final String TYPICAL = """
            transforms:
              - tables: public.orders_*
                filter: "row.tenant != 'hidden'"
                mask: {email: hash, note: truncate(3)}
                salt: ${env:SALT}
                compute:
                  big: "has(row.amount) && row.amount > 100.0"
                  seen: "commit_ts"
                deletes: soft
                route: {match: 'public\\.orders_(\\d+)', to: public.orders}
            """;

    private final Transforms transforms = Transforms.capture(TestPipelines.parse(TYPICAL));
    private final TableTransform t = transforms.of(ORDERS);

    private static Object[] row(long id, String tenant, String email, String amount, String note) {
        return new Object[]{id, tenant, email, amount == null ? null : new BigDecimal(amount), note};
    }

    private static ChangeEvent event(Operation op, Object[] before, Object[] after) {
        return new ChangeEvent(op, ORDERS, before, after, POSITION, 7, 1_700_000_000_123_456L);
    }

    @Test
    void outputSchemaMergesShardsWithTheSourceTableInTheKey() {
        TableSchema out = t.output();
        assertThat(out.table()).isEqualTo(new TableId("public", "orders"));
        assertThat(out.columnNames()).containsExactly("id", "tenant", "email", "amount", "note", "big", "seen",
                "_deleted", "_deleted_at", "_source_table");
        assertThat(out.primaryKey()).containsExactly("_source_table", "id");
        assertThat(out.columns().get(2).type().sourceName()).isEqualTo("varchar(64)");
        assertThat(transforms.of(ORDERS)).isSameAs(t);
        assertThat(t.unverifiable()).containsExactlyInAnyOrder("seen", "_deleted_at");
    }

    @Test
    void insertIsMaskedComputedAndTagged() {
        ChangeEvent out = t.apply(event(Operation.CREATE, null, row(1, "acme", "a@x.org", "150.00", "hello")));
        Object[] a = out.after();
        assertThat(out.op()).isEqualTo(Operation.CREATE);
        assertThat((String) a[2]).hasSize(64).isNotEqualTo("a@x.org");
        assertThat(a[4]).isEqualTo("hel");
        assertThat(a[5]).isEqualTo(true);
        assertThat(a[6]).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456Z"));
        assertThat(a[7]).isEqualTo(false);
        assertThat(a[8]).isNull();
        assertThat(a[9]).isEqualTo("public.orders_07");
        Object[] again = t.apply(event(Operation.CREATE, null, row(2, "acme", "a@x.org", null, null))).after();
        assertThat(again[2]).as("deterministic hash").isEqualTo(a[2]);
        assertThat(again[5]).isEqualTo(false);
    }

    @Test
    void anExpressionSeesAnArraysElementsAndTheRowKeepsItsLowerBounds() {
        TableSchema tagged = new TableSchema(new TableId("public", "tagged"), 1, List.of(
                new Column("id", ColumnType.of(TypeKind.INT64, "bigint"), false),
                new Column("tags", ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "integer"), "integer[]"), true)),
                List.of("id"));
        TableTransform filter = Transforms.capture(TestPipelines.parse("""
                transforms:
                  - tables: public.tagged
                    filter: "size(row.tags) == 2 && row.tags[0] == 7"
                """)).of(tagged);
        Object[] kept = {1L, new BoundedArray(List.of(0), List.of(7, 8))};
        Object[] dropped = {2L, new BoundedArray(List.of(7), List.of(8, 7))};
        assertThat(filter.apply(new ChangeEvent(Operation.CREATE, tagged, null, kept, POSITION, 7, 1L)).after()[1])
                .isEqualTo(kept[1]);
        assertThat(filter.apply(new ChangeEvent(Operation.CREATE, tagged, null, dropped, POSITION, 7, 1L))).isNull();
    }

    @Test
    void filteredInsertIsDropped() {
        assertThat(t.apply(event(Operation.CREATE, null, row(1, "hidden", "a", "1", "n")))).isNull();
        assertThat(t.apply(event(Operation.READ, null, row(1, "hidden", "a", "1", "n")))).isNull();
    }

    @Test
    void updateLeavingTheFilterBecomesADeleteAndEnteringAnInsert() {
        ChangeEvent leave = t.apply(event(Operation.UPDATE, row(1, "acme", "a", "1", "n"), row(1, "hidden", "a", "1", "n")));
        assertThat(leave.op()).isEqualTo(Operation.DELETE);
        assertThat(leave.before()[0]).isEqualTo(1L);
        ChangeEvent enter = t.apply(event(Operation.UPDATE, row(1, "hidden", "a", "1", "n"), row(1, "acme", "a", "1", "n")));
        assertThat(enter.op()).isEqualTo(Operation.CREATE);
        assertThat(t.apply(event(Operation.UPDATE, row(1, "hidden", "a", "1", "n"), row(1, "hidden", "b", "1", "n"))))
                .isNull();
        ChangeEvent stay = t.apply(event(Operation.UPDATE, null, row(1, "acme", "a", "1", "n")));
        assertThat(stay.op()).isEqualTo(Operation.UPDATE);
        ChangeEvent unknownBefore = t.apply(event(Operation.UPDATE, null, row(1, "hidden", "a", "1", "n")));
        assertThat(unknownBefore.op()).as("not known to have been outside: delete, which is harmless")
                .isEqualTo(Operation.DELETE);
    }

    @Test
    void softDeleteKeepsTheRowFlagged() {
        Object[] keyOnly = {5L, ChangeEvent.UNCHANGED, ChangeEvent.UNCHANGED, ChangeEvent.UNCHANGED, ChangeEvent.UNCHANGED};
        ChangeEvent out = t.apply(event(Operation.DELETE, keyOnly, null));
        assertThat(out.op()).isEqualTo(Operation.UPDATE);
        assertThat(out.after()[0]).isEqualTo(5L);
        assertThat(out.after()[1]).isSameAs(ChangeEvent.UNCHANGED);
        assertThat(out.after()[7]).isEqualTo(true);
        assertThat(out.after()[8]).isEqualTo(Instant.parse("2023-11-14T22:13:20.123456Z"));
        assertThat(t.apply(event(Operation.DELETE, row(5, "hidden", "a", "1", "n"), null))).isNull();
    }

    @Test
    void skipAndKeepDeletes() {
        Transforms skip = Transforms.capture(TestPipelines.parse("""
                transforms:
                  - tables: public.orders_07
                    deletes: skip
                    exclude: [note]
                    rename: {email: mail}
                """));
        TableTransform s = skip.of(ORDERS);
        assertThat(s.output().columnNames()).containsExactly("id", "tenant", "mail", "amount");
        assertThat(s.output().table()).isEqualTo(ORDERS.table());
        assertThat(s.apply(event(Operation.DELETE, row(1, "a", "b", "1", "n"), null))).isNull();
        Transforms keep = Transforms.capture(TestPipelines.parse("""
                transforms:
                  - tables: public.orders_07
                    include: [email]
                    mask: {email: redact}
                """));
        ChangeEvent d = keep.of(ORDERS).apply(event(Operation.DELETE, row(1, "a", "b", "1", "n"), null));
        assertThat(d.op()).isEqualTo(Operation.DELETE);
        assertThat(d.before()).containsExactly(1L, "***");
    }

    @Test
    void rowForVerifyFiltersAndMasksAsCaptureDoes() {
        Object[] r = row(3, "acme", "a@x.org", "1", "hello");
        Object[] captured = t.apply(event(Operation.READ, null, r)).after();
        Object[] verified = t.row(r);
        for (int i = 0; i < 6; i++) {
            assertThat(verified[i]).isEqualTo(captured[i]);
        }
        assertThat(t.row(row(3, "hidden", "a", "1", "n"))).isNull();
    }

    @Test
    void nullColumnReadWithoutHasStopsNamingTheExpression() {
        Transforms x = Transforms.capture(TestPipelines.parse("""
                transforms:
                  - tables: public.orders_07
                    filter: "row.tenant == 'a'"
                """));
        assertThatThrownBy(() -> x.of(ORDERS).apply(event(Operation.CREATE, null, row(1, null, "a", "1", "n"))))
                .isInstanceOf(FerryException.class)
                .hasMessageContaining("pipeline.yaml:9: transforms[0].filter")
                .hasMessageContaining("key (1)")
                .hasMessageContaining("has(row.column)");
    }

    @Test
    void droppedColumnAFilterUsesNamesBoth() {
        TableSchema dropped = new TableSchema(ORDERS.table(), 2, ORDERS.columns().subList(0, 2), ORDERS.primaryKey());
        assertThatThrownBy(() -> transforms.of(dropped))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("transforms[0].mask.email")
                .hasMessageContaining("public.orders_07 has no column email");
    }

    @Test
    void collidingMergeWithoutSourceColumnIsRefused() {
        Transforms merge = Transforms.capture(TestPipelines.parse("""
                transforms:
                  - tables: public.orders_*
                    route: {match: 'public\\.orders_(\\d+)', to: public.orders, source-column: none}
                """));
        TableSchema other = new TableSchema(new TableId("public", "orders_08"), 1, ORDERS.columns(), ORDERS.primaryKey());
        assertThatThrownBy(() -> merge.validate(java.util.List.of(ORDERS, other)))
                .hasMessageContaining("public.orders_07 and public.orders_08 both go to public.orders");
    }
}
