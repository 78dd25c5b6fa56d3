package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A captured table that sees no writes must not pin WAL that other tables produce. */
class IdleSlotTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void theSlotAdvancesWhileOnlyAnUncapturedTableIsBusy() throws Exception {
        String slot = "idle_slot";
        PG.dropSlot(slot);
        PG.execute("CREATE TABLE quiet (id int PRIMARY KEY)", "CREATE TABLE busy (id int PRIMARY KEY)");
        PostgresSource source = new PostgresSource(PG.sourceConfig(List.of("quiet"), SnapshotMode.NEVER), slot);
        source.prepare();
        long start = PG.confirmedFlushLsn(slot);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            PG.execute("INSERT INTO busy SELECT generate_series(1, 1000)");
            long written = currentWalLsn();
            await().atMost(Duration.ofSeconds(30)).until(() -> PG.confirmedFlushLsn(slot) >= written
                    && PG.confirmedFlushLsn(slot) > start || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(PG.confirmedFlushLsn(slot)).isGreaterThan(start);
            assertThat(c.handler.changes).isEmpty();
        } finally {
            PG.dropSlot(slot);
        }
    }

    private static long currentWalLsn() throws Exception {
        try (var conn = PG.admin(PostgresTestServer.DATABASE); var st = conn.createStatement();
             var rs = st.executeQuery("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
