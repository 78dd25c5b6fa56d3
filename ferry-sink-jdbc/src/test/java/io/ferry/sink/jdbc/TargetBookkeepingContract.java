package io.ferry.sink.jdbc;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ferry.core.FerryException;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.connector.TargetState;
import io.ferry.core.schema.SchemaHistory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What every JDBC dialect's {@link TargetBookkeeping} does against its real server: the check before start, and
 * removing one pipeline's rows (and, for a reset, its tables' rows) while another pipeline's stay.
 */
public abstract class TargetBookkeepingContract extends SinkTestBase {

    private static final TableSchema MINE = table("mine", 1, col("id", TypeKind.INT64, "bigint"));
    private static final TableSchema THEIRS = table("theirs", 1, col("id", TypeKind.INT64, "bigint"));

    @Test
    void preflightCreatesFerrysTablesAndLeavesNoRow() {
        try (TargetBookkeeping target = new TargetBookkeeping(target().config(namespace), target().dialect())) {
            target.preflight();
        }

        assertThat(query("SELECT count(*) FROM " + qualified("ferry_offsets"))).containsExactly(List.of(0L));
        assertThat(query("SELECT count(*) FROM " + qualified("ferry_schemas"))).containsExactly(List.of(0L));
    }

    @Test
    void preflightNamesARefusedLoginInOneLine() {
        FerryException e;
        try (TargetBookkeeping target = new TargetBookkeeping(target().wrongPassword(), target().dialect())) {
            e = catchThrowableOfType(FerryException.class, target::preflight);
        }

        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).contains("refused the login").doesNotContain("\n").doesNotContain("not-the-password");
    }

    @Test
    void dropRemovesOnlyThePipelinesRowsAndResetAlsoEmptiesItsTables() {
        sink.ensureTable(MINE, SchemaHistory.NONE);
        sink.ensureTable(THEIRS, SchemaHistory.NONE);
        sink.apply(List.of(insert(MINE, 1L), insert(MINE, 2L), insert(THEIRS, 1L)),
                List.of(new OffsetUpdate("p.public.mine", 0, -1, 2), new OffsetUpdate("other.public.theirs", 0, -1, 1)));
        TargetState drop = new TargetState("p.", List.of(new TableId("public", "mine")), false);
        TargetState reset = new TargetState("p.", List.of(new TableId("public", "mine")), true);

        try (TargetBookkeeping target = new TargetBookkeeping(target().config(namespace), target().dialect())) {
            assertThat(target.drop(reset, false)).containsExactly(
                    "1 row(s) of " + namespace + ".ferry_offsets (p.public.mine)",
                    "1 row(s) of " + namespace + ".ferry_schemas (mine)",
                    "the 2 row(s) of table " + namespace + ".mine");
            assertThat(query("SELECT count(*) FROM " + qualified("mine"))).as("listing removes nothing")
                    .containsExactly(List.of(2L));

            target.drop(drop, true);
            assertThat(query("SELECT topic FROM " + qualified("ferry_offsets")))
                    .containsExactly(List.of("other.public.theirs"));
            assertThat(query("SELECT table_name FROM " + qualified("ferry_schemas"))).containsExactly(List.of("theirs"));
            assertThat(query("SELECT count(*) FROM " + qualified("mine"))).as("drop keeps the data")
                    .containsExactly(List.of(2L));

            target.drop(reset, true);
            assertThat(query("SELECT count(*) FROM " + qualified("mine"))).containsExactly(List.of(0L));
            assertThat(query("SELECT count(*) FROM " + qualified("theirs"))).containsExactly(List.of(1L));
            assertThat(target.drop(reset, false)).containsExactly("the 0 row(s) of table " + namespace + ".mine");
        }
    }
}
