package io.ferry.mysql;

import io.ferry.core.RecordingHandler;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Restarting from a position inside a source transaction hands over exactly the rest. */
@ParameterizedClass
@EnumSource(Flavor.class)
class ResumeTest {

    private final MySqlTestServer db;

    ResumeTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }

    /** Changes of one 13-row transaction and a 1-row one after it, as a first capture saw them. */
    private List<ChangeEvent> captureTwoTransactions(String table, int serverId, Map<String, Object> from)
            throws Exception {
        db.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v varchar(5))");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of(table), SnapshotMode.NEVER), serverId);
        try (Capture c = Capture.start(first, from, false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> first.status().phase().equals("streaming"));
            db.execute("START TRANSACTION", "INSERT INTO " + table + " VALUES (1,'v1'),(2,'v2'),(3,'v3'),(4,'v4'),"
                    + "(5,'v5'),(6,'v6'),(7,'v7'),(8,'v8'),(9,'v9'),(10,'v10')",
                    "UPDATE " + table + " SET v = 'w' WHERE id <= 3", "COMMIT",
                    "INSERT INTO " + table + " VALUES (11, 'later')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 14);
            return List.copyOf(c.handler.changes);
        }
    }

    /** Resumes after {@code resume} and expects exactly the changes after the 7th, in order. */
    private void assertResumesWithTheRest(String table, int serverId, Map<String, Object> resume,
                                          List<ChangeEvent> seen) throws Exception {
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of(table), SnapshotMode.NEVER), serverId);
        try (Capture c = Capture.start(second, resume, false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 7 || c.failure() != null);
            assertThat(c.failure()).isNull();
            assertThat(c.handler.changes).extracting(e -> RecordingHandler.describe(e.position()))
                    .containsExactlyElementsOf(seen.subList(7, 14).stream()
                            .map(e -> RecordingHandler.describe(e.position())).toList());
            assertThat(c.handler.changes.get(0).after()).containsExactly(8, "v8");
            assertThat(c.handler.changes.get(6).after()).containsExactly(11, "later");
        }
    }

    @Test
    void resumingByFileAndPositionFromTheKthRowOfATransactionSkipsExactlyWhatWasHandedOver() throws Exception {
        // Started from a position without a GTID set, as offsets from a server without GTIDs would be.
        String[] end = binlogEnd();
        List<ChangeEvent> seen = captureTwoTransactions("resumed", 104, Map.of(MySqlPosition.FILE, end[0],
                MySqlPosition.POS, Long.parseLong(end[1]), MySqlPosition.COMPLETE, true,
                MySqlPosition.NEXT_POS, Long.parseLong(end[1])));
        Map<String, Object> resume = RecordingHandler.describe(seen.get(6).position());
        assertThat(resume).doesNotContainKey(MySqlPosition.GTIDS);
        assertResumesWithTheRest("resumed", 104, resume, seen);
    }

    @Test
    void resumingByGtidSetFindsTheTransactionWhateverFileAndPositionSay() throws Exception {
        List<ChangeEvent> seen = captureTwoTransactions("resumed_gtid", 107, Map.of());
        Map<String, Object> resume = RecordingHandler.describe(seen.get(6).position());
        // Another server of the same topology logs the same transactions under other files and positions.
        resume.put(MySqlPosition.FILE, "elsewhere-bin.000042");
        resume.put(MySqlPosition.POS, 123456L);
        assertResumesWithTheRest("resumed_gtid", 107, resume, seen);
    }

    @Test
    void columnsAndTablesDroppedWhileCaptureWasDownStillDecodeFromTheLogItself() throws Exception {
        db.execute("CREATE TABLE down_cols (id int PRIMARY KEY, kept varchar(10), amount decimal(7,2) unsigned,"
                + " tier enum('bronze','gold'), tags set('a','b','c'), code binary(3), took time(3),"
                + " note varchar(10) CHARACTER SET latin1, n bigint unsigned, flags bit(10))",
                "CREATE TABLE down_tbl (id int PRIMARY KEY, v varchar(5))");
        MySqlSource first = new MySqlSource(db.sourceConfig(List.of("down_*"), SnapshotMode.NEVER), 109);
        Map<String, Object> resume;
        try (Capture c = Capture.start(first, Map.of(), false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> first.status().phase().equals("streaming"));
            db.execute("INSERT INTO down_tbl VALUES (1, 'one')");
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 1 || c.failure() != null);
            resume = RecordingHandler.describe(c.handler.changes.get(0).position());
        }
        // Capture is down: rows are written, then their columns and one table are dropped.
        db.execute("INSERT INTO down_cols VALUES (1, 'k', 12345.67, 'gold', 'a,c', x'0102', '01:02:03.456', 'café',"
                        + " 18446744073709551615, b'1000000001')",
                "INSERT INTO down_tbl VALUES (2, 'two')",
                "ALTER TABLE down_cols DROP COLUMN amount, DROP COLUMN tier, DROP COLUMN tags, DROP COLUMN code,"
                        + " DROP COLUMN took, DROP COLUMN note, DROP COLUMN n, DROP COLUMN flags",
                "DROP TABLE down_tbl",
                "INSERT INTO down_cols VALUES (2, 'after')");
        MySqlSource second = new MySqlSource(db.sourceConfig(List.of("down_*"), SnapshotMode.NEVER), 109);
        try (Capture c = Capture.start(second, resume, false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.handler.changes.size() == 3 || c.failure() != null);
            assertThat(c.failure()).isNull();
            List<ChangeEvent> e = c.handler.changes;
            assertThat(e.get(0).after()).containsExactly(1, "k", new BigDecimal("12345.67"), "gold", "a,c",
                    new byte[] {1, 2, 0}, Duration.ofHours(1).plusMinutes(2).plusSeconds(3).plusMillis(456), "café",
                    new BigDecimal("18446744073709551615"), new byte[] {2, 1});
            assertThat(e.get(0).schema().primaryKey()).containsExactly("id");
            assertThat(e.get(1).table().table()).isEqualTo("down_tbl");
            assertThat(e.get(1).after()).containsExactly(2, "two");
            assertThat(e.get(1).schema().primaryKey()).containsExactly("id");
            assertThat(e.get(2).after()).containsExactly(2, "after");
        }
    }

    @Test
    void aGtidSetWhoseTransactionsWerePurgedSaysThePositionIsGoneAndWhatToDo() throws Exception {
        List<ChangeEvent> seen = captureTwoTransactions("purged_gtid", 108, Map.of());
        Map<String, Object> resume = RecordingHandler.describe(seen.get(0).position());
        db.executeAsAdmin("FLUSH BINARY LOGS");
        // A binlog a replica connection still reads is kept: retry until the dump threads of earlier captures end.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            db.executeAsAdmin("PURGE BINARY LOGS TO '" + lastBinlog() + "'");
            return binlogCount() == 1;
        });
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("purged_gtid"), SnapshotMode.NEVER), 108);
        try (Capture c = Capture.start(source, resume, false)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> c.failure() != null);
            FerryException e = (FerryException) c.failure();
            assertThat(e.retriable()).isFalse();
            assertThat(e.getMessage()).startsWith("the binlog position to resume from (GTID set "
                    + resume.get(MySqlPosition.GTIDS) + ") is gone")
                    .contains("delete the pipeline's offsets or use a new pipeline name");
            assertThat(c.handler.changes).isEmpty();
        } catch (FerryException expected) {
            // close() rethrows what run() threw, checked above
        }
    }

    private int binlogCount() {
        try (var c = db.admin(MySqlTestServer.DATABASE); var st = c.createStatement();
             var rs = st.executeQuery("SHOW BINARY LOGS")) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n;
        } catch (java.sql.SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private String[] binlogEnd() {
        try (var c = db.admin(MySqlTestServer.DATABASE); var st = c.createStatement();
             var rs = st.executeQuery("SHOW MASTER STATUS")) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        } catch (java.sql.SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private String lastBinlog() {
        try (var c = db.admin(MySqlTestServer.DATABASE); var st = c.createStatement();
             var rs = st.executeQuery("SHOW BINARY LOGS")) {
            String last = null;
            while (rs.next()) {
                last = rs.getString(1);
            }
            return last;
        } catch (java.sql.SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void aPurgedBinlogAtResumeSaysThePositionIsGoneAndWhatToDo() {
        db.execute("CREATE TABLE purged (id int PRIMARY KEY)");
        MySqlSource source = new MySqlSource(db.sourceConfig(List.of("purged"), SnapshotMode.NEVER), 105);
        Map<String, Object> resume = Map.of(MySqlPosition.FILE, "mysql-bin.000000", MySqlPosition.POS, 4L,
                MySqlPosition.ROW, 0, MySqlPosition.COMPLETE, true, MySqlPosition.NEXT_POS, 400L);
        FerryException e = catchThrowableOfType(FerryException.class, () -> source.run(resume, new RecordingHandler()));
        source.close();
        assertThat(e.retriable()).isFalse();
        assertThat(e.getMessage()).startsWith("the binlog position to resume from (mysql-bin.000000:400) is gone")
                .contains("delete the pipeline's offsets or use a new pipeline name");
    }
}
