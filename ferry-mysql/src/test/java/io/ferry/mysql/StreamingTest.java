package io.ferry.mysql;

import io.ferry.core.RecordingHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.Secret;
import io.ferry.core.config.SourceConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Row changes and DDL from the binlog, in order, with before images and schema versions. */
@ParameterizedClass
@EnumSource(Flavor.class)
class StreamingTest {

    private final MySqlTestServer db;

    StreamingTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    @Test
    void insertsUpdatesAndDeletesCarryBeforeImagesAndEndWithABoundary() throws Exception {
        db.execute("CREATE TABLE cud (id int PRIMARY KEY, v varchar(10))");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("cud"), SnapshotMode.NEVER), 102);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> source.status().phase().equals("streaming"));
            db.execute("START TRANSACTION", "INSERT INTO cud VALUES (1, 'a'), (2, 'b')",
                    "UPDATE cud SET v = 'c' WHERE id = 1", "DELETE FROM cud WHERE id = 2", "COMMIT");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 4 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> e = c.handler.changes;
            assertThat(e).extracting(ChangeEvent::op).containsExactly(Operation.CREATE, Operation.CREATE,
                    Operation.UPDATE, Operation.DELETE);
            assertThat(e.get(2).before()).containsExactly(1, "a");
            assertThat(e.get(2).after()).containsExactly(1, "c");
            assertThat(e.get(3).before()).containsExactly(2, "b");
            assertThat(e.get(3).after()).isNull();
            assertThat(e).extracting(x -> RecordingHandler.describe(x.position()).get(MySqlPosition.ROW))
                    .containsExactly(0L, 1L, 2L, 3L);
            assertThat(RecordingHandler.describe(e.get(0).position())).containsKey(MySqlPosition.GTID);
            await().atMost(Duration.ofSeconds(5)).until(() -> c.handler.calls.get(c.handler.calls.size() - 1)
                    instanceof MySqlPosition p && p.complete);
            assertThat(e.get(0).txId()).isPositive();
            assertThat(source.status().position()).contains("acknowledged");
        }
    }

    @Test
    void ddlInterleavedWithRowsYieldsSchemaVersionsInOrder() throws Exception {
        db.execute("CREATE TABLE ddl_t (id int PRIMARY KEY, a int)", "INSERT INTO ddl_t VALUES (1, 10)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("ddl_*"), SnapshotMode.INITIAL), 103);
        try (Capture c = Capture.start(source, Map.of(), true)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> source.status().phase().equals("streaming"));
            // Written before the capture reads them: the catalog is ahead of the binlog only for the last DDL.
            db.execute("INSERT INTO ddl_t VALUES (2, 20)",
                    "ALTER TABLE ddl_t ADD COLUMN b varchar(5)",
                    "INSERT INTO ddl_t VALUES (3, 30, 'x')");
            await().atMost(Duration.ofSeconds(20)).until(() -> streamed(c).size() == 3 || c.failure() != null);
            db.execute("ALTER TABLE ddl_t RENAME COLUMN b TO bb");
            db.execute("UPDATE ddl_t SET bb = 'y' WHERE id = 3");
            await().atMost(Duration.ofSeconds(20)).until(() -> streamed(c).size() == 4 || c.failure() != null);
            db.execute("ALTER TABLE ddl_t DROP COLUMN a, MODIFY bb varchar(8)");
            db.execute("DELETE FROM ddl_t WHERE id = 1");
            await().atMost(Duration.ofSeconds(20)).until(() -> streamed(c).size() == 5 || c.failure() != null);
            // Each step waits until the capture has read the previous one, so the catalog agrees with the log here;
            // ResumeTest covers tables and columns the catalog no longer has.
            db.execute("CREATE TABLE ddl_new (id int PRIMARY KEY)", "INSERT INTO ddl_new VALUES (7)",
                    "TRUNCATE TABLE ddl_t");
            await().atMost(Duration.ofSeconds(20)).until(() -> streamed(c).size() == 7 || c.failure() != null);
            db.execute("RENAME TABLE ddl_new TO ddl_renamed", "INSERT INTO ddl_renamed VALUES (8)");
            await().atMost(Duration.ofSeconds(20)).until(() -> streamed(c).size() == 8 || c.failure() != null);
            db.execute("DROP TABLE ddl_renamed");
            assertThat(c.failure()).isNull();

            // A backfill (after the retyped column) re-reads the rows current when it ran.
            List<String> order = c.handler.calls.stream().filter(x -> x instanceof TableSchema
                            || x instanceof ChangeEvent e && !isBackfill(e))
                    .map(x -> x instanceof TableSchema s ? s.table().table() + " v" + s.version() + " " + s.columnNames()
                            : ((ChangeEvent) x).op().code() + " " + ((ChangeEvent) x).table().table())
                    .toList();
            assertThat(order).containsExactly(
                    "ddl_t v1 [id, a]", "r ddl_t",
                    "c ddl_t",
                    "ddl_t v2 [id, a, b]", "c ddl_t",
                    "ddl_t v3 [id, a, bb]", "u ddl_t",
                    "ddl_t v4 [id, bb]", "d ddl_t",
                    "ddl_new v1 [id]", "c ddl_new",
                    "t ddl_t",
                    "ddl_renamed v1 [id]", "c ddl_renamed");
            TableSchema v4 = c.handler.schemas.stream().filter(s -> s.version() == 4).findFirst().orElseThrow();
            assertThat(v4.columns().get(1).type().sourceName()).isEqualTo("varchar(8)");
            assertThat(streamed(c).get(2).after()).containsExactly(3, 30, "x");
            List<Object> calls = c.handler.calls;
            int v2 = calls.indexOf(c.handler.schemas.stream().filter(s -> s.version() == 2).findFirst().orElseThrow());
            // The added column is nullable without a default: existing rows hold NULL, none is read again.
            Object next = calls.subList(v2 + 1, calls.size()).stream().filter(x -> x instanceof ChangeEvent).findFirst()
                    .orElseThrow();
            assertThat(next).isInstanceOfSatisfying(ChangeEvent.class, e -> {
                assertThat(isBackfill(e)).isFalse();
                assertThat(e.op()).isEqualTo(Operation.CREATE);
                assertThat(e.after()).containsExactly(3, 30, "x");
            });
        }
    }

    private static boolean isBackfill(ChangeEvent e) {
        return RecordingHandler.describe(e.position()).containsKey(MySqlPosition.BACKFILL);
    }

    private static List<ChangeEvent> streamed(Capture c) {
        return c.handler.changes.stream().filter(e -> !isBackfill(e)).toList();
    }

    @Test
    void aColumnDroppedBeforeTheStreamReadsEarlierRowsKeepsItsTypeFromTheSnapshot() throws Exception {
        db.execute("CREATE TABLE dropped_t (id int PRIMARY KEY, gone varchar(5), kept int)",
                "INSERT INTO dropped_t VALUES (1, 'a', 10)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("dropped_t"), SnapshotMode.INITIAL), 104);
        RecordingHandler handler = new RecordingHandler(source);
        // At the end of the snapshot, before streaming starts: a row change, then DDL that makes the catalog
        // ahead of the binlog for that row.
        handler.onFlush = () -> db.execute("UPDATE dropped_t SET kept = 11 WHERE id = 1",
                "ALTER TABLE dropped_t DROP COLUMN gone", "INSERT INTO dropped_t VALUES (2, 20)");
        try (Capture c = Capture.start(source, Map.of(), handler)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 3 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> e = c.handler.changes;
            assertThat(e.get(1).before()).containsExactly(1, "a", 10);
            assertThat(e.get(1).after()).containsExactly(1, "a", 11);
            assertThat(e.get(2).after()).containsExactly(2, 20);
            assertThat(c.handler.schemas).extracting(TableSchema::columnNames)
                    .containsExactly(List.of("id", "gone", "kept"), List.of("id", "kept"));
        }
    }

    @Test
    void aLoginThatNeverConnectedBeforeOpensTheBinlogConnectionFirst() throws Exception {
        // MySQL 8 caches caching_sha2_password logins; an uncached one needs the full exchange over plain TCP.
        db.createUser("fresh_repl", "fresh-pw", "REPLICATION SLAVE, REPLICATION CLIENT");
        SourceConfig config = new SourceConfig("mysql", db.host(), db.port(), MySqlTestServer.DATABASE, "fresh_repl",
                new Secret("fresh-pw"), List.of("x"), SnapshotMode.NEVER);
        try (BinlogClient client = BinlogClient.at(config, 121, "", 4)) {
            client.connect(15_000);
            assertThat(client.poll(5_000)).isInstanceOf(com.github.shyiko.mysql.binlog.event.Event.class);
        }
    }
}
