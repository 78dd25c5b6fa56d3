package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MariaDB or MySQL 8 → Kafka → PostgreSQL: every MySQL type Ferry captures, awkward identifiers, snapshot rows,
 * then streamed inserts, updates and deletes with DDL interleaved (ADD COLUMN then rows using it; DROP, RENAME and
 * MODIFY COLUMN on a table of their own, asserting the default {@code lenient} policy: a dropped column stays, a
 * renamed one keeps its data under the new name, a widened one is widened). The real {@code ferry verify} says every table matches, and exact values read from the target by SQL
 * agree.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlToPostgresIT {

    private static final String SOURCE = "m2p_source";

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

    private final MySqlDatabases mysql;
    /** Per flavor: both runs share one Kafka, and a pipeline's name prefixes its topics. */
    private final String name;

    MySqlToPostgresIT(Flavor flavor) {
        mysql = new MySqlDatabases(flavor);
        name = "m2p-" + mysql.type();
    }

    @Test
    void everyMySqlTypeAndDdlInterleavedWithChangesArriveInPostgresExactly() throws Exception {
        mysql.create(SOURCE);
        String target = servers.createDatabase("m2p_target");
        mysql.execute(SOURCE, MySqlTypes.CREATE);
        mysql.execute(SOURCE, MySqlTypes.INSERT_SNAPSHOT);
        mysql.execute(SOURCE, MySqlTypes.AWKWARD);
        mysql.execute(SOURCE,
                "CREATE TABLE evolving (id int PRIMARY KEY, note varchar(10), n int, gone text, old_name text)",
                "INSERT INTO evolving VALUES (1, 'one', 1, 'g1', 'o1'), (2, 'two', 2, 'g2', 'o2'),"
                        + " (3, 'three', 3, 'g3', 'o3')");
        Path pipeline = Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n"
                + mysql.section(SOURCE)
                + "  tables: [" + SOURCE + ".types_t, '" + SOURCE + ".Order Items', " + SOURCE + ".evolving]\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + servers.bootstrapServers() + "\n"
                + servers.sinkYaml(target));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(10))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || count(target, "evolving") == 3 && count(target, "types_t") == 3
                    && count(target, "\"Order Items\"") == 3);
            assertThat(runner.failureMessage()).isNull();

            mysql.execute(SOURCE, MySqlTypes.STREAM);
            mysql.execute(SOURCE, MySqlTypes.AWKWARD_STREAM);
            mysql.execute(SOURCE,
                    "UPDATE evolving SET n = 10 WHERE id = 1",
                    "ALTER TABLE evolving DROP COLUMN gone",
                    "INSERT INTO evolving VALUES (4, 'four', 4, 'o4')",
                    "ALTER TABLE evolving RENAME COLUMN old_name TO new_name",
                    // Touches every row, so the full row images fill the target's new column.
                    "UPDATE evolving SET n = n + 100",
                    "ALTER TABLE evolving MODIFY note varchar(40)",
                    "INSERT INTO evolving VALUES (5, 'five', 5, 'n5')",
                    "DELETE FROM evolving WHERE id = 2");
            // verify itself waits until capture has passed the binlog end and the target applied it.
            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            assertThat(runner.failureMessage()).isNull();
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output())
                    .contains(SOURCE + ".types_t: match (6 rows")
                    .contains(SOURCE + ".Order Items: match (4 rows")
                    .contains(SOURCE + ".evolving: match (4 rows");
        }

        assertThat(row(target, "SELECT biu::text, dec65::text, dtm::text, tm::text, vc, tx, encode(bl, 'hex'),"
                + " encode(bin, 'hex'), encode(vb, 'hex'), encode(b10, 'hex'), y::text, e, s, f::text,"
                + " d::text, ts AT TIME ZONE 'UTC' FROM types_t WHERE id = 11"))
                .containsExactly("18446744073709551615",
                        "12345678901234567890123456789012345.123456789012345678901234567890",
                        "2024-01-02 03:04:05.123456", "23:59:59.999999", "héllo 😀", "text ✓ 🚀", "0000ff00", "01020000",
                        "00ff00", "02ab", "2155", "large ☺", "x,z",
                        "3.1415927", "2.718281828459045", "2038-01-19 03:14:07.654321");
        assertThat(row(target, "SELECT biu::text, dec65::text, dtm::text, encode(bl, 'hex'), e, s, added_note,"
                + " \"Added At\"::text FROM types_t WHERE id = 1"))
                .containsExactly("18446744073709551614", "-0.000000000000000000000000000001",
                        "9999-12-31 23:59:59.999999", "00", "small", "x,y,z", null, null);
        assertThat(row(target, "SELECT ti::text, bi::text, dec65::text, c, vc, encode(bin, 'hex'), encode(bl, 'hex'),"
                + " dt::text, tm::text, y::text, s FROM types_t WHERE id = 12"))
                .containsExactly("-128", "-9223372036854775808",
                        "-99999999999999999999999999999999999.000000000000000000000000000001", "", "", "00000000", "",
                        "1000-01-01", "00:00:00", "1901", "");
        assertThat(row(target, "SELECT added_note, \"Added At\"::text FROM types_t WHERE id = 11"))
                .containsExactly("after alter ✓", "2024-06-01 00:00:00.5");
        assertThat(row(target, "SELECT \"Prïs €\"::text, \"select\", \"CamelCase\"::text FROM \"Order Items\""
                + " WHERE \"Order ID\" = 1 AND line = 1")).containsExactly("10.50", "by", "1"); // boolean is tinyint(1)
        // Lenient: the dropped source column stays in the target (new rows leave it null), the renamed column keeps
        // its data under its new name, and the widened column is widened.
        List<List<String>> evolving = new ArrayList<>();
        try (Connection c = servers.connect(target); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, note, n, gone, new_name FROM evolving ORDER BY id")) {
            while (rs.next()) {
                List<String> r = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    r.add(rs.getString(i));
                }
                evolving.add(r);
            }
        }
        assertThat(evolving).containsExactly(
                List.of("1", "one", "110", "g1", "o1"),
                List.of("3", "three", "103", "g3", "o3"),
                java.util.Arrays.asList("4", "four", "104", null, "o4"),
                java.util.Arrays.asList("5", "five", "5", null, "n5"));
        assertThat(row(target, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
                + " WHERE attrelid = 'evolving'::regclass AND attname = 'note'")).containsExactly("character varying(40)");
        assertThat(row(target, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'evolving'::regclass"
                + " AND attname = 'old_name' AND NOT attisdropped")).containsExactly("0");
        // A PostgreSQL json column keeps a document's text as it arrives, which is the text the source prints:
        // MariaDB keeps what was written, MySQL 8 prints its parsed document (2.50 becomes 2.5). Row 2 came from
        // the snapshot, rows 11 and 12 through the binlog.
        for (int id : new int[] {2, 11, 12}) {
            assertThat(row(target, "SELECT j::text FROM types_t WHERE id = " + id)).as("json of row %d", id)
                    .containsExactly(mysql.queryStringOrNull(SOURCE, "SELECT j FROM types_t WHERE id = " + id));
        }
        assertThat(mysql.queryStringOrNull(SOURCE, "SELECT j FROM types_t WHERE id = 11")).isEqualTo(
                mysql.flavor() == Flavor.MARIADB ? "{\"k\": \"ünï 😀\", \"n\": [1, 2.50], \"z\": null}"
                        : "{\"k\": \"ünï 😀\", \"n\": [1, 2.5], \"z\": null}");
    }

    private static long count(String db, String fromWhere) {
        try {
            return servers.queryLong(db, "SELECT count(*) FROM " + fromWhere);
        } catch (IllegalStateException e) {
            return -1; // not created yet
        }
    }

    private static List<String> row(String db, String sql) throws SQLException {
        try (Connection c = servers.connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            List<String> out = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                out.add(rs.getString(i));
            }
            return out;
        }
    }
}
