package io.ferry.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.FerryException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How source.tables entries name tables: exact, case-sensitive, quoted, or patterns. */
class TableSelectorTest {

    private static final List<TableId> EXISTING = List.of(new TableId("public", "Customers"),
            new TableId("public", "orders"), new TableId("public", "orders_2024"), new TableId("Sales Dept", "Order"),
            new TableId("public", "Sales Dept.Order"), new TableId("we\"ird", "t"));

    @Test
    void namesAreCaseSensitiveAndDefaultToPublic() {
        assertThat(TableSelector.resolve(List.of("Customers"), "public", EXISTING)).containsExactly(new TableId("public", "Customers"));
        assertThatThrownBy(() -> TableSelector.resolve(List.of("customers"), "public", EXISTING))
                .isInstanceOf(FerryException.class).hasMessageContaining("did you mean \"public\".\"Customers\"");
    }

    @Test
    void quotedPartsAreLiteralIncludingDotsAndQuotes() {
        assertThat(TableSelector.resolve(List.of("\"Sales Dept\".\"Order\"", "\"Sales Dept.Order\"", "\"we\"\"ird\".t"),
                "public", EXISTING)).containsExactly(new TableId("Sales Dept", "Order"), new TableId("public", "Sales Dept.Order"),
                new TableId("we\"ird", "t"));
    }

    @Test
    void patternsMatchUnquotedPartsAndDuplicatesCollapse() {
        assertThat(TableSelector.resolve(List.of("public.order?", "orders*", "*.Order"), "public", EXISTING)).containsExactly(
                new TableId("public", "orders"), new TableId("public", "orders_2024"), new TableId("Sales Dept", "Order"));
    }

    @Test
    void malformedEntriesAreRejected() {
        assertThatThrownBy(() -> TableSelector.parse("a.b.c", "public")).hasMessageContaining("expected schema.table");
        assertThatThrownBy(() -> TableSelector.parse("\"open", "public")).hasMessageContaining("unclosed double quote");
    }

    @Test
    void identifiersAreQuotedForSql() {
        assertThat(TableSelector.quote(new TableId("Sales Dept", "a\"b"))).isEqualTo("\"Sales Dept\".\"a\"\"b\"");
    }

    @Test
    void aSnapshotRequestNamesTablesExactlyWithoutDuplicates() {
        assertThat(TableSelector.named(List.of("orders", " public.orders ", "\"Sales Dept\".\"Order\"", "\"a*b\""),
                "public")).containsExactly(new TableId("public", "orders"), new TableId("Sales Dept", "Order"),
                new TableId("public", "a*b"));
        assertThat(TableSelector.named(List.of("shop.orders"), "shop")).containsExactly(new TableId("shop", "orders"));
    }

    @Test
    void aSnapshotRequestRefusesPatternsEmptyAndMalformedNames() {
        assertThatThrownBy(() -> TableSelector.named(List.of(), "public"))
                .isInstanceOf(FerryException.class).hasMessageContaining("name at least one table");
        assertThatThrownBy(() -> TableSelector.named(List.of("public.order*"), "public"))
                .isInstanceOf(FerryException.class).hasMessageContaining("\"public.order*\" is a pattern");
        assertThatThrownBy(() -> TableSelector.named(List.of("orders", " "), "public"))
                .isInstanceOf(FerryException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> TableSelector.named(List.of("a.b.c"), "public"))
                .isInstanceOf(FerryException.class).hasMessageContaining("\"a.b.c\"");
    }
}
