package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the stream hands over for updates, deletes, TOAST, replica identity, truncates and schema changes. */
class StreamingTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    private static Capture streaming(String slot, String... tables) {
        PG.dropSlot(slot);
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of(tables), SnapshotMode.NEVER), slot);
        source.prepare();
        return Capture.start(source, Map.of(), true);
    }

    private static void awaitChanges(Capture c, int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() >= n || c.failure() != null);
        assertThat(c.failure()).isNull();
    }

    @Test
    void anUnchangedToastedValueIsUnchangedInAfterNotNull() throws Exception {
        PG.execute("CREATE TABLE toasty (id int PRIMARY KEY, big text, n int)",
                "INSERT INTO toasty VALUES (1, (SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 400)), 0)");
        try (Capture c = streaming("toast_slot", "toasty")) {
            PG.execute("UPDATE toasty SET n = 1 WHERE id = 1");
            awaitChanges(c, 1);
            ChangeEvent e = c.handler.changes.get(0);
            assertThat(e.op()).isEqualTo(Operation.UPDATE);
            assertThat(e.after()).containsExactly(1, ChangeEvent.UNCHANGED, 1);
            assertThat(e.before()).isNull();
        } finally {
            PG.dropSlot("toast_slot");
        }
    }

    @Test
    void defaultIdentityGivesKeyOnlyBeforeForDeletesAndFullIdentityGivesWholeRows() throws Exception {
        PG.execute("CREATE TABLE ident_default (id int PRIMARY KEY, v text)",
                "CREATE TABLE ident_full (id int PRIMARY KEY, v text)",
                "ALTER TABLE ident_full REPLICA IDENTITY FULL",
                "INSERT INTO ident_default VALUES (1, 'a')", "INSERT INTO ident_full VALUES (1, 'a')");
        try (Capture c = streaming("ident_slot", "ident_default", "ident_full")) {
            PG.execute("UPDATE ident_full SET v = 'b'", "DELETE FROM ident_full", "DELETE FROM ident_default");
            awaitChanges(c, 3);
            List<ChangeEvent> full = c.handler.changesOf("ident_full");
            assertThat(full.get(0).before()).containsExactly(1, "a");
            assertThat(full.get(0).after()).containsExactly(1, "b");
            assertThat(full.get(1).before()).containsExactly(1, "b");
            assertThat(full.get(1).after()).isNull();
            ChangeEvent delete = c.handler.changesOf("ident_default").get(0);
            assertThat(delete.op()).isEqualTo(Operation.DELETE);
            assertThat(delete.before()).containsExactly(1, ChangeEvent.UNCHANGED);
            assertThat(full.get(0).schema().primaryKey()).containsExactly("id");
        } finally {
            PG.dropSlot("ident_slot");
        }
    }

    @Test
    void addingAColumnMidStreamAnnouncesANewSchemaVersionAndBackfillsItsDefaultBeforeTheNextEvent() throws Exception {
        PG.execute("CREATE TABLE evolving (id int PRIMARY KEY, a text)");
        try (Capture c = streaming("evolve_slot", "evolving")) {
            PG.execute("INSERT INTO evolving VALUES (1, 'x')",
                    "ALTER TABLE evolving ADD COLUMN b int NOT NULL DEFAULT 7",
                    "INSERT INTO evolving VALUES (2, 'y', 8)");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.stream()
                    .anyMatch(e -> e.op() == Operation.CREATE && e.after()[0].equals(2)) || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<Object> calls = c.handler.calls.stream().filter(o -> !(o instanceof PgPosition)).toList();
            TableSchema v1 = (TableSchema) calls.get(0);
            TableSchema v2 = (TableSchema) calls.get(2);
            assertThat(v1.version()).isEqualTo(1);
            assertThat(v1.columnNames()).containsExactly("id", "a");
            assertThat(((ChangeEvent) calls.get(1)).schema()).isSameAs(v1);
            assertThat(v2.version()).isEqualTo(2);
            assertThat(v2.columnNames()).containsExactly("id", "a", "b");
            assertThat(v2.columns().get(2).nullable()).isFalse();
            // Row 1 got b = 7 without a WAL record: the backfill reads it (and row 2, already there) again.
            ChangeEvent backfilled = (ChangeEvent) calls.get(3);
            assertThat(backfilled.op()).isEqualTo(Operation.READ);
            assertThat(backfilled.after()).containsExactly(1, "x", 7);
            ChangeEvent second = (ChangeEvent) calls.get(calls.size() - 1);
            assertThat(second.op()).isEqualTo(Operation.CREATE);
            assertThat(second.schema()).isSameAs(v2);
            assertThat(second.after()).containsExactly(2, "y", 8);
        } finally {
            PG.dropSlot("evolve_slot");
        }
    }

    @Test
    void aTruncateIsOneEventPerTableAndEachCommitEndsInABoundary() throws Exception {
        PG.execute("CREATE TABLE trunc_a (id int PRIMARY KEY)", "CREATE TABLE trunc_b (id int PRIMARY KEY)");
        try (Capture c = streaming("trunc_slot", "trunc_a", "trunc_b")) {
            PG.execute("INSERT INTO trunc_a VALUES (1)", "TRUNCATE trunc_a, trunc_b");
            awaitChanges(c, 3);
            assertThat(c.handler.changes).extracting(ChangeEvent::op)
                    .containsExactly(Operation.CREATE, Operation.TRUNCATE, Operation.TRUNCATE);
            assertThat(c.handler.changes.subList(1, 3)).extracting(e -> e.table().table())
                    .containsExactlyInAnyOrder("trunc_a", "trunc_b");
            ChangeEvent insert = c.handler.changes.get(0);
            int at = c.handler.calls.indexOf(insert);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.handler.calls.size() > at + 1);
            PgPosition boundary = (PgPosition) c.handler.calls.get(at + 1);
            assertThat(boundary.complete).isTrue();
            assertThat(boundary.lsn).isEqualTo(((PgPosition) insert.position()).lsn);
            assertThat(boundary.ackLsn).isGreaterThan(boundary.lsn);
            assertThat(insert.txId()).isPositive();
            assertThat(insert.commitMicros()).isCloseTo(System.currentTimeMillis() * 1000,
                    org.assertj.core.data.Offset.offset(60_000_000L));
        } finally {
            PG.dropSlot("trunc_slot");
        }
    }

    @Test
    void losingTheReplicationConnectionIsARetriableFailureNamingTheServer() throws Exception {
        PG.execute("CREATE TABLE lost_conn (id int PRIMARY KEY)");
        Capture c = streaming("lost_slot", "lost_conn");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> walSenderCount("lost_slot") == 1);
            try (var admin = PG.admin(PostgresTestServer.DATABASE); var st = admin.createStatement()) {
                st.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'lost_slot'");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> c.failure() != null);
            assertThat(c.failure()).isInstanceOf(io.ferry.core.FerryException.class);
            assertThat(((io.ferry.core.FerryException) c.failure()).retriable()).isTrue();
            assertThat(c.failure().getMessage()).contains("127.0.0.1:" + PG.port());
        } finally {
            c.source.stop();
            c.source.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> walSenderCount("lost_slot") == 0);
            PG.dropSlot("lost_slot");
        }
    }

    private static int walSenderCount(String slot) throws Exception {
        try (var admin = PG.admin(PostgresTestServer.DATABASE); var st = admin.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
