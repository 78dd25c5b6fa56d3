package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MariaDB → Kafka → MariaDB, and MySQL 8 → Kafka → MySQL 8: every MySQL type Ferry captures, snapshot and stream
 * with an ADD COLUMN between row changes, and awkward identifiers, arrive with the source's own column types; the
 * real {@code ferry verify} exits 0. Then target rows are edited, deleted and added behind Ferry's back: verify
 * exits 1 naming each key with both rows.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlToMySqlIT {

    private static final String SOURCE = "m2m_source";
    private static final String TARGET = "m2m_target";

    private static KafkaTestCluster kafka;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = KafkaTestCluster.start(1);
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private final MySqlDatabases mysql;
    /** Per flavor: both runs share one Kafka, and a pipeline's name prefixes its topics. */
    private final String name;

    MySqlToMySqlIT(Flavor flavor) {
        mysql = new MySqlDatabases(flavor);
        name = "m2m-" + mysql.type();
    }

    @Test
    void mySqlTypesRoundTripAndVerifyNamesEveryTamperedKey() throws Exception {
        mysql.create(SOURCE);
        mysql.create(TARGET);
        mysql.execute(SOURCE, MySqlTypes.CREATE);
        mysql.execute(SOURCE, MySqlTypes.INSERT_SNAPSHOT);
        mysql.execute(SOURCE, MySqlTypes.AWKWARD);
        // A text key over two verify chunks, with values that sort differently under other collations.
        mysql.execute(SOURCE,
                "CREATE TABLE accounts (region varchar(10), id int, balance decimal(12,2), owner varchar(40),"
                        + " PRIMARY KEY (region, id))");
        mysql.execute(SOURCE, mysql.insertNumbered("accounts", 12_000, "SELECT elt(seq % 4 + 1, 'EU', 'us', 'Ärea',"
                + " 'ap'), seq, seq * 1.25, concat('owner ', seq) FROM numbers"));
        Path pipeline = Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n"
                + mysql.section(SOURCE)
                + "  tables: [" + SOURCE + ".types_t, '" + SOURCE + ".Order Items', " + SOURCE + ".accounts]\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + kafka.bootstrapServers() + "\n"
                + "sink:\n"
                + mysql.section(TARGET));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(10))) {
            runner.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || "3".equals(mysql.queryStringOrNull(TARGET, "SELECT count(*) FROM types_t")));
            assertThat(runner.failureMessage()).isNull();

            mysql.execute(SOURCE, MySqlTypes.STREAM);
            mysql.execute(SOURCE, MySqlTypes.AWKWARD_STREAM);
            mysql.execute(SOURCE, "UPDATE accounts SET owner = 'streamed' WHERE id % 1000 = 0",
                    "DELETE FROM accounts WHERE id = 7");
            // verify itself waits until capture has passed the binlog end and the target applied it.
            FerryProcess.Result synced = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            assertThat(runner.failureMessage()).isNull();
            assertThat(synced.exitCode()).as(synced.output()).isZero();
            assertThat(synced.output())
                    .contains(SOURCE + ".types_t: match (6 rows")
                    .contains(SOURCE + ".Order Items: match (4 rows")
                    .contains(SOURCE + ".accounts: match (11,999 rows, 2 chunks)");

            // The source's column types, verbatim, except text, documented to become longtext; the same exact values.
            String columns = "SELECT group_concat(column_name, ' ', column_type ORDER BY ordinal_position SEPARATOR ', ')"
                    + " FROM information_schema.columns WHERE table_schema = '%s' AND table_name = 'types_t'";
            assertThat(mysql.queryStringOrNull(TARGET, columns.formatted(TARGET)))
                    .isEqualTo(mysql.queryStringOrNull(SOURCE, columns.formatted(SOURCE)).replace("tx text", "tx longtext"));
            String values = "SELECT biu, dec65, dtm, tm, vc, hex(bl), hex(bin), hex(b10), y, j, e, s, f, d,"
                    + " ts, added_note FROM types_t WHERE id IN (1, 11, 12) ORDER BY id";
            List<List<String>> expected = mysql.query(SOURCE, values);
            assertThat(mysql.query(TARGET, values)).isEqualTo(expected);
            assertThat(expected.get(1).subList(0, 8)).containsExactly("18446744073709551615",
                    "12345678901234567890123456789012345.123456789012345678901234567890", "2024-01-02 03:04:05.123456",
                    "23:59:59.999999", "héllo 😀", "0000FF00", "01020000", "2AB");

            mysql.execute(TARGET,
                    "UPDATE types_t SET vc = 'tampered' WHERE id = 12",
                    "DELETE FROM `Order Items` WHERE `Order ID` = 3 AND line = 1",
                    "UPDATE accounts SET balance = 999.99 WHERE region = 'EU' AND id = 8",
                    "INSERT INTO accounts VALUES ('zz', 1, 1.00, 'intruder')");
            FerryProcess.Result tampered = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            System.out.println(tampered.output());
            assertThat(tampered.exitCode()).as(tampered.output()).isEqualTo(1);
            assertThat(tampered.output())
                    .contains(SOURCE + ".types_t: DIFFERENT (source 6 rows, target 6 rows, 1 of 1 chunks differ)")
                    .contains("key (12): source (12, -128, 0,")
                    .contains(SOURCE + ".Order Items: DIFFERENT (source 4 rows, target 3 rows")
                    .contains("key (3, 1): source (3, 1, 'group', 1234567890.12, 'dé', 1), target (missing)")
                    .contains(SOURCE + ".accounts: DIFFERENT (source 11,999 rows, target 12,000 rows")
                    .contains("key ('EU', 8): source ('EU', 8, 10.00, 'owner 8'), target ('EU', 8, 999.99, 'owner 8')")
                    .contains("key ('zz', 1): source (missing), target ('zz', 1, 1.00, 'intruder')");
            assertThat(tampered.output().lines().filter(l -> l.startsWith("  key (12)")).findFirst().orElseThrow())
                    .contains("target (12, -128, 0,").contains("'tampered'");
            assertThat(runner.failureMessage()).isNull();
        }
    }
}
