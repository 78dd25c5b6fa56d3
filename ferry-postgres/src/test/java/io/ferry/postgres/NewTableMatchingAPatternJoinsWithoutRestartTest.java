package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A table created while the capture runs, whose name a {@code source.tables} pattern matches, joins the publication
 * and is captured from its first row: rows written before it joined arrive as a backfill, later ones from the stream.
 */
class NewTableMatchingAPatternJoinsWithoutRestartTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "joining_slot";

    @Test
    void rowsWrittenBeforeAndAfterTheTableJoinedAllArrive() throws Exception {
        PG.dropSlot(SLOT);
        PG.execute("CREATE TABLE joining_a (id int PRIMARY KEY)", "INSERT INTO joining_a VALUES (1)");
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("joining_*"), SnapshotMode.INITIAL),
                SLOT), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            // In one transaction: when the capture first sees the table, its rows are already there.
            PG.execute("BEGIN; CREATE TABLE joining_b (id int PRIMARY KEY, v text);"
                    + " INSERT INTO joining_b SELECT g, 'early ' || g FROM generate_series(1, 3) g; COMMIT");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("joining_b").size() == 3
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(publicationTables()).contains("joining_b");
            PG.execute("INSERT INTO joining_b VALUES (4, 'late')", "UPDATE joining_b SET v = 'changed' WHERE id = 1");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("joining_b").size() == 5
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> b = c.handler.changesOf("joining_b");
            assertThat(b).extracting(ChangeEvent::op).containsExactly(Operation.READ, Operation.READ, Operation.READ,
                    Operation.CREATE, Operation.UPDATE);
            assertThat(b).extracting(e -> List.of(e.after())).containsExactly(List.of(1, "early 1"),
                    List.of(2, "early 2"), List.of(3, "early 3"), List.of(4, "late"), List.of(1, "changed"));
            assertThat(c.handler.calls.indexOf(b.get(0).schema())).isLessThan(c.handler.calls.indexOf(b.get(0)));
            assertThat(b.get(0).schema().columnNames()).containsExactly("id", "v");
        } finally {
            PG.dropSlot(SLOT);
        }
    }

    @Test
    void aTableRenamedAwayFromThePatternStopsBeingCapturedAndOneRenamedIntoItJoins() throws Exception {
        String slot = "renaming_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE moving_a (id int PRIMARY KEY)", "INSERT INTO moving_a VALUES (1)",
                "CREATE TABLE elsewhere (id int PRIMARY KEY)", "INSERT INTO elsewhere VALUES (7)");
        try (Capture c = Capture.start(new PostgresSource(PG.sourceConfig(List.of("moving_*"), SnapshotMode.INITIAL),
                slot), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            PG.execute("ALTER TABLE moving_a RENAME TO gone_a", "INSERT INTO gone_a VALUES (2)",
                    "ALTER TABLE elsewhere RENAME TO moving_b");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("moving_b").size() == 1
                    || c.failure() != null);
            PG.execute("INSERT INTO gone_a VALUES (3)", "INSERT INTO moving_b VALUES (8)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changesOf("moving_b").size() == 2
                    || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changesOf("moving_b")).extracting(e -> e.after()[0]).containsExactly(7, 8);
            assertThat(c.handler.changes).extracting(e -> e.table().table()).doesNotContain("gone_a");
            assertThat(c.handler.changesOf("moving_a")).hasSize(1);
            assertThat(publicationTables(slot)).containsExactly("moving_b");
        } finally {
            PG.dropSlot(slot);
        }
    }

    private static List<String> publicationTables() throws Exception {
        return publicationTables(SLOT);
    }

    private static List<String> publicationTables(String publication) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = '" + publication + "' ORDER BY 1")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
