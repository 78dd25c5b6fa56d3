package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.TableId;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Two capture processes of one pipeline can start at the same moment (an active one and a standby): the one whose
 * CREATE PUBLICATION loses the race finds the publication made and goes on.
 */
class PublicationCreatedByTwoProcessesAtOnceTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    @Test
    void theSecondCreateWaitsForTheFirstAndThenUsesItsPublication() throws Exception {
        PG.execute("CREATE TABLE race_items (id int PRIMARY KEY)");
        PgPublication publication = new PgPublication("race_pub", "ferry");
        List<TableId> tables = List.of(new TableId("public", "race_items"));
        try (Connection first = PG.connect(); Connection second = PG.connect()) {
            first.setAutoCommit(false);
            publication.ensure(first, tables, false);
            int secondPid = pid(second);
            CompletableFuture<Void> racing = CompletableFuture.runAsync(() -> {
                try {
                    publication.ensure(second, tables, false);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // The second saw no publication (the first has not committed) and now waits on the catalog's name index.
            await().atMost(Duration.ofSeconds(20)).until(() -> waitsOnALock(secondPid));
            first.commit();

            racing.get();
            assertThat(publication.tables(second)).containsExactlyElementsOf(tables);
        } finally {
            PG.execute("DROP PUBLICATION IF EXISTS race_pub", "DROP TABLE race_items");
        }
    }

    private static int pid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static boolean waitsOnALock(int pid) throws Exception {
        try (Connection c = PG.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = " + pid)) {
            return rs.next() && "Lock".equals(rs.getString(1));
        }
    }
}
