package io.ferry.it;

import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A captured table that never changes, beside a busy table that is not captured: the pipeline must still
 * acknowledge the WAL it has read, or the slot would hold the busy table's WAL forever.
 */
class IdleTableIT {

    private static TestServers servers;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void theSlotKeepsAdvancingWhileOnlyUncapturedTablesChange() throws Exception {
        String db = servers.createDatabase("idle");
        try (Connection c = servers.connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE quiet (id int PRIMARY KEY)");
            s.execute("CREATE TABLE noise (id serial PRIMARY KEY, payload text)");
        }
        Path file = servers.pipeline(dir, "idle", db, "[public.quiet]");
        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(file), Duration.ofSeconds(10));
             Connection c = servers.connect(db); Statement s = c.createStatement()) {
            runner.start();
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 200; i++) {
                    s.execute("INSERT INTO noise (payload) SELECT repeat('x', 500) FROM generate_series(1, 20)");
                }
                long written = currentLsn(s);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> servers.postgres().confirmedFlushLsn("ferry_idle") >= written);
            }
        }
    }

    private static long currentLsn(Statement s) throws Exception {
        try (ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
