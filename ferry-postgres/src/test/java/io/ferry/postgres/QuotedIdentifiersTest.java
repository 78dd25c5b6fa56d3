package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spaces, capitals, symbols, reserved words and unicode in names survive snapshot, publication and stream. */
class QuotedIdentifiersTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void aTableWithAwkwardNamesIsCapturedUnderItsExactNames() throws Exception {
        String slot = "quoted_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE SCHEMA \"Sales Dept\"",
                "CREATE TABLE \"Sales Dept\".\"Order #1\" (\"select\" int PRIMARY KEY, \"Größe ☃ \"\"x\"\"\" text)",
                "INSERT INTO \"Sales Dept\".\"Order #1\" VALUES (1, 'snap')");
        PostgresSource source = new PostgresSource(
                PG.sourceConfig(List.of("\"Sales Dept\".\"Order #1\"", "\"Sales Dept\".Order*"), SnapshotMode.INITIAL),
                slot);
        source.prepare();
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.calls.contains("flush") || c.failure() != null);
            PG.execute("INSERT INTO \"Sales Dept\".\"Order #1\" VALUES (2, 'stream')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 2 || c.failure() != null);
            assertThat(c.failure()).isNull();
            ChangeEvent read = c.handler.changes.get(0);
            ChangeEvent insert = c.handler.changes.get(1);
            assertThat(read.table()).isEqualTo(new TableId("Sales Dept", "Order #1"));
            assertThat(read.schema().columnNames()).containsExactly("select", "Größe ☃ \"x\"");
            assertThat(read.schema().primaryKey()).containsExactly("select");
            assertThat(read.op()).isEqualTo(Operation.READ);
            assertThat(read.after()).containsExactly(1, "snap");
            assertThat(insert.after()).containsExactly(2, "stream");
            assertThat(insert.schema()).isSameAs(read.schema());
            assertThat(c.handler.schemas).hasSize(1);
        } finally {
            PG.dropSlot(slot);
        }
    }
}
