package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.Secret;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.sql.Connection;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A table without a primary key is captured when PostgreSQL logs whole before images (REPLICA IDENTITY FULL): keyed
 * by the configured {@code source.key-columns}, else by the whole row, so one of two identical rows can be updated
 * or deleted.
 */
class KeylessTableUnderFullReplicaIdentityTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    private static SourceConfig config(List<String> tables, Map<String, List<String>> keyColumns) {
        return new SourceConfig("postgres", PG.host(), PG.port(), PostgresTestServer.DATABASE, PostgresTestServer.USER,
                new Secret(PostgresTestServer.PASSWORD), tables, SnapshotMode.INITIAL, keyColumns);
    }

    @Test
    void updatingAndDeletingOneOfTwoIdenticalRowsCarriesTheWholeRowAsBeforeImage() throws Exception {
        String slot = "keyless_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE keyless_twins (n int, v text)", "ALTER TABLE keyless_twins REPLICA IDENTITY FULL",
                "INSERT INTO keyless_twins VALUES (1, 'a'), (1, 'a'), (2, NULL)");
        try (Capture c = Capture.start(new PostgresSource(config(List.of("keyless_twins"), Map.of()), slot), Map.of(),
                true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 3 || c.failure() != null);
            TableSchema schema = c.handler.schemas.get(0);
            assertThat(schema.primaryKey()).isEmpty();
            assertThat(c.handler.changes).extracting(e -> Arrays.asList(e.after()))
                    .containsExactlyInAnyOrder(List.of(1, "a"), List.of(1, "a"), Arrays.asList(2, null));

            PG.execute("UPDATE keyless_twins SET v = 'b'"
                            + " WHERE ctid = (SELECT min(ctid) FROM keyless_twins WHERE n = 1)",
                    "DELETE FROM keyless_twins WHERE ctid = (SELECT min(ctid) FROM keyless_twins WHERE v = 'a')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 5 || c.failure() != null);
            assertThat(c.failure()).isNull();
            ChangeEvent update = c.handler.changes.get(3);
            assertThat(update.op()).isEqualTo(Operation.UPDATE);
            assertThat(update.before()).containsExactly(1, "a");
            assertThat(update.after()).containsExactly(1, "b");
            assertThat(update.schema().primaryKey()).isEmpty();
            ChangeEvent delete = c.handler.changes.get(4);
            assertThat(delete.op()).isEqualTo(Operation.DELETE);
            assertThat(delete.before()).containsExactly(1, "a");
        } finally {
            PG.dropSlot(slot);
        }
    }

    @Test
    void configuredKeyColumnsArePublishedAsTheKey() throws Exception {
        String slot = "keyless_keyed_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE keyless_coded (code text NOT NULL, v int)",
                "ALTER TABLE keyless_coded REPLICA IDENTITY FULL", "INSERT INTO keyless_coded VALUES ('x', 1)");
        try (Capture c = Capture.start(new PostgresSource(config(List.of("keyless_coded"),
                Map.of("keyless_coded", List.of("code"))), slot), Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            PG.execute("UPDATE keyless_coded SET v = 2");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 2 || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changes).extracting(e -> e.schema().primaryKey())
                    .containsOnly(List.of("code"));
            assertThat(c.handler.changes.get(1).before()).containsExactly("x", 1);
        } finally {
            PG.dropSlot(slot);
        }
    }

    @Test
    void keyColumnsTheTableLacksAreRefusedNamingThem() {
        PG.execute("CREATE TABLE keyless_wrong_key (v int)", "ALTER TABLE keyless_wrong_key REPLICA IDENTITY FULL");
        PostgresSource source = new PostgresSource(config(List.of("keyless_wrong_key"),
                Map.of("keyless_wrong_key", List.of("id"))), "keyless_wrong_slot");
        assertThatThrownBy(source::prepare).isInstanceOf(FerryException.class).hasMessage("source.key-columns names"
                + " [id] for table \"public.keyless_wrong_key\", which has only the columns [v]");
    }

    @Test
    void verifyComparesKeylessTablesByWholeRowsCountingDuplicates() throws Exception {
        PG.execute("CREATE TABLE keyless_cmp (n int, v text)", "CREATE TABLE keyless_cmp_copy (n int, v text)",
                "ALTER TABLE keyless_cmp REPLICA IDENTITY FULL",
                "INSERT INTO keyless_cmp VALUES (1, 'a'), (1, 'a'), (2, NULL)",
                "INSERT INTO keyless_cmp_copy VALUES (2, NULL), (1, 'a'), (1, 'a')");
        TableSchema schema;
        try (PostgresSource s = new PostgresSource(config(List.of("keyless_cmp"), Map.of()), "unused")) {
            schema = s.describeTables().get(0);
        }
        try (Connection a = PG.connect(); Connection b = PG.connect()) {
            TableComparison same = new TableComparison(schema, "keyless_cmp", "keyless_cmp_copy", 2, 10);
            assertThat(same.compare(a, b).matches()).isTrue();
            PG.execute("DELETE FROM keyless_cmp_copy"
                    + " WHERE ctid = (SELECT min(ctid) FROM keyless_cmp_copy WHERE n = 1)");
            TableComparison.Result differs = same.compare(a, b);
            assertThat(differs.matches()).isFalse();
            assertThat(differs.targetRows()).isEqualTo(2);
        }
    }
}
