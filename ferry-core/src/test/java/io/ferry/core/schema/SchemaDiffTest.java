package io.ferry.core.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.schema.SchemaDiff.Added;
import io.ferry.core.schema.SchemaDiff.Dropped;
import io.ferry.core.schema.SchemaDiff.KeyChanged;
import io.ferry.core.schema.SchemaDiff.Renamed;
import io.ferry.core.schema.SchemaDiff.Retyped;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaDiffTest {

    private static final TableId T = new TableId("public", "t");
    private static final ColumnType INT = ColumnType.of(TypeKind.INT32, "integer");
    private static final ColumnType BIGINT = ColumnType.of(TypeKind.INT64, "bigint");
    private static final ColumnType TEXT = ColumnType.of(TypeKind.TEXT, "text");

    private static TableSchema table(int version, List<String> key, Column... columns) {
        return new TableSchema(T, version, List.of(columns), key);
    }

    @Test
    void nullableAddsAloneAreNamedSoASourceMayProveTheRowsNeedNoBackfill() {
        Column id = new Column("id", INT, false, 1);
        TableSchema v1 = table(1, List.of("id"), id, new Column("a", INT, true, 2));
        Column note = new Column("note", TEXT, true, 3);
        TableSchema adds = table(2, List.of("id"), id, new Column("a", INT, true, 2), note);
        assertThat(SchemaDiff.between(v1, adds).rewritesRows()).isTrue();
        assertThat(SchemaDiff.between(v1, adds).nullableAddsOnly()).containsExactly(note);
        // A drop beside the add rewrites nothing more.
        assertThat(SchemaDiff.between(v1, table(2, List.of("id"), id, note)).nullableAddsOnly()).containsExactly(note);
        // A NOT NULL column has a value in every row; a retype rewrote them; no add, nothing to prove.
        assertThat(SchemaDiff.between(v1, table(2, List.of("id"), id, new Column("a", INT, true, 2),
                new Column("n", INT, false, 3))).nullableAddsOnly()).isNull();
        assertThat(SchemaDiff.between(v1, table(2, List.of("id"), id, new Column("a", BIGINT, true, 2), note))
                .nullableAddsOnly()).isNull();
        assertThat(SchemaDiff.between(v1, table(2, List.of("id"), id)).nullableAddsOnly()).isNull();
    }

    @Test
    void aNewTableHasNoChanges() {
        SchemaDiff d = SchemaDiff.between(null, table(1, List.of("id"), new Column("id", INT, false, 1)));

        assertThat(d.isEmpty()).isTrue();
        assertThat(d.rewritesRows()).isFalse();
    }

    @Test
    void aColumnWithTheSameIdUnderANewNameIsARenameNotADropAndAnAdd() {
        TableSchema v1 = table(1, List.of("id"), new Column("id", INT, false, 1), new Column("a", TEXT, true, 2));
        TableSchema v2 = table(2, List.of("id"), new Column("id", INT, false, 1), new Column("b", TEXT, true, 2));

        SchemaDiff d = SchemaDiff.between(v1, v2);

        assertThat(d.changes()).containsExactly(new Renamed(v1.columns().get(1), v2.columns().get(1)));
        assertThat(d.rewritesRows()).isFalse();
    }

    @Test
    void withoutIdsColumnsAreMatchedByName() {
        TableSchema v1 = table(1, List.of("id"), new Column("id", INT, false), new Column("a", TEXT, true));
        TableSchema v2 = table(2, List.of("id"), new Column("id", INT, false), new Column("b", TEXT, true));

        assertThat(SchemaDiff.between(v1, v2).changes())
                .containsExactly(new Dropped(v1.columns().get(1)), new Added(v2.columns().get(1)));
    }

    @Test
    void aDroppedColumnReAddedUnderItsOldNameIsANewColumn() {
        TableSchema v1 = table(1, List.of("id"), new Column("id", INT, false, 1), new Column("a", TEXT, true, 2));
        TableSchema v2 = table(2, List.of("id"), new Column("id", INT, false, 1), new Column("a", TEXT, true, 3));

        assertThat(SchemaDiff.between(v1, v2).changes())
                .containsExactly(new Dropped(v1.columns().get(1)), new Added(v2.columns().get(1)));
    }

    @Test
    void anAddedColumnOrAChangedTypeRewritesExistingRows() {
        TableSchema v1 = table(1, List.of("id"), new Column("id", INT, false, 1), new Column("n", INT, true, 2));
        TableSchema added = table(2, List.of("id"), new Column("id", INT, false, 1), new Column("n", INT, true, 2),
                new Column("c", TEXT, false, 3));
        TableSchema retyped = table(2, List.of("id"), new Column("id", INT, false, 1),
                new Column("n", BIGINT, true, 2));

        assertThat(SchemaDiff.between(v1, added).rewritesRows()).isTrue();
        SchemaDiff r = SchemaDiff.between(v1, retyped);
        assertThat(r.rewritesRows()).isTrue();
        assertThat(r.changes()).containsExactly(new Retyped(v1.columns().get(1), retyped.columns().get(1),
                TypeChange.WIDENING));
        assertThat(r.describe()).isEqualTo("column n: integer -> bigint (widening)");
    }

    @Test
    void aRenamedKeyColumnIsNoKeyChangeButANewKeyIs() {
        TableSchema v1 = table(1, List.of("id"), new Column("id", INT, false, 1), new Column("n", INT, false, 2));
        TableSchema renamed = table(2, List.of("ident"), new Column("ident", INT, false, 1),
                new Column("n", INT, false, 2));
        TableSchema rekeyed = table(2, List.of("id", "n"), new Column("id", INT, false, 1),
                new Column("n", INT, false, 2));

        assertThat(SchemaDiff.between(v1, renamed).changes()).noneMatch(c -> c instanceof KeyChanged);
        assertThat(SchemaDiff.between(v1, rekeyed).changes())
                .containsExactly(new KeyChanged(List.of("id"), List.of("id", "n")));
    }
}
