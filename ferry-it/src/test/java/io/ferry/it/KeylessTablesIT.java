package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PostgreSQL tables without a primary key, end to end (docs/pipeline.md "Tables without a primary key"): one under
 * REPLICA IDENTITY FULL identified by its whole row, where an update or delete of one of several identical rows
 * touches exactly one at the target too, and one keyed by {@code source.key-columns}; the real {@code ferry verify}
 * exits 0 and the target holds exactly the source's duplicates. A keyless table without REPLICA IDENTITY FULL is
 * refused by {@code ferry run}, exit 2, naming the table and the fix.
 */
@ParameterizedClass
@EnumSource(value = MatrixTarget.class, names = {"POSTGRES", "MARIADB"})
class KeylessTablesIT {

    /** Each distinct row of twins with how often it occurs, in an order both databases agree on. */
    private static final String TWINS = "SELECT n, v, count(*) FROM twins GROUP BY n, v ORDER BY n, v IS NULL, v";

    private static TestServers servers;

    @TempDir
    Path dir;

    private final MatrixTarget.Bound target;

    KeylessTablesIT(MatrixTarget kind) {
        this.target = kind.on(servers);
    }

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void identicalRowsStayAsManyAsTheSourceHoldsAndConfiguredKeysAreKeys() throws Exception {
        String label = target.kind().label();
        String source = servers.createDatabase("keyless_source_" + label);
        String db = target.create("keyless_target_" + label);
        servers.execute(source,
                "CREATE TABLE twins (n int, v text)",
                "ALTER TABLE twins REPLICA IDENTITY FULL",
                "INSERT INTO twins VALUES (1, 'a'), (1, 'a'), (2, NULL), (2, NULL), (3, '😀')",
                "CREATE TABLE readings (device text NOT NULL, at timestamptz NOT NULL, value numeric(10,2))",
                "ALTER TABLE readings REPLICA IDENTITY FULL",
                "INSERT INTO readings VALUES ('d1', '2024-01-01 00:00+00', 1.5), ('d1', '2024-01-01 00:01+00', 2),"
                        + " ('d2', '2024-01-01 00:00+00', 3)");
        Path pipeline = servers.pipeline(dir, "keyless-" + label, source, "[public.twins, public.readings]",
                target.sinkYaml(db));
        Files.writeString(pipeline, Files.readString(pipeline).replace("  tables: [public.twins, public.readings]\n",
                "  tables: [public.twins, public.readings]\n  key-columns:\n    \"public.readings\": [device, at]\n"));

        FerryProcess.Result verify;
        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            // The snapshot's duplicates are in the target before the stream changes one of them.
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || target.count(db, "twins") == 5 && target.count(db, "readings") == 3);
            assertThat(runner.failureMessage()).isNull();

            servers.execute(source,
                    "INSERT INTO twins VALUES (1, 'a'), (1, 'a')",
                    // One of four identical rows changes, one other goes: two stay.
                    "UPDATE twins SET v = 'b' WHERE ctid = (SELECT min(ctid) FROM twins WHERE n = 1 AND v = 'a')",
                    "DELETE FROM twins WHERE ctid = (SELECT max(ctid) FROM twins WHERE n = 1 AND v = 'a')",
                    // One of two identical rows holding NULL changes.
                    "UPDATE twins SET v = 'x' WHERE ctid = (SELECT min(ctid) FROM twins WHERE n = 2)",
                    "UPDATE readings SET value = 9.99 WHERE device = 'd1' AND at = '2024-01-01 00:00+00'",
                    "DELETE FROM readings WHERE device = 'd2'",
                    "INSERT INTO readings VALUES ('d3', '2024-01-01 00:00+00', NULL)");

            verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT60S");
            System.out.println(verify.output());
            assertThat(runner.failureMessage()).isNull();
        }

        List<List<String>> expected = List.of(List.of("1", "a", "2"), List.of("1", "b", "1"), List.of("2", "x", "1"),
                Arrays.asList("2", null, "1"), List.of("3", "😀", "1"));
        assertThat(MatrixTarget.POSTGRES.on(servers).query(source, TWINS)).containsExactlyElementsOf(expected);
        assertThat(target.query(db, TWINS)).containsExactlyElementsOf(expected);
        assertThat(target.query(db, "SELECT device, value FROM readings ORDER BY device, at")).containsExactly(
                List.of("d1", "9.99"), List.of("d1", "2.00"), Arrays.asList("d3", null));
        // The configured key columns are the target's primary key; the whole-row table has none.
        String keyColumns = "SELECT column_name FROM information_schema.key_column_usage WHERE table_name = '%s'"
                + " AND constraint_name " + (target.kind().isMySql() ? "= 'PRIMARY' AND table_schema = '" + db + "'"
                : "LIKE '%%_pkey'") + " ORDER BY ordinal_position";
        assertThat(target.query(db, keyColumns.formatted("readings")))
                .containsExactly(List.of("device"), List.of("at"));
        assertThat(target.query(db, keyColumns.formatted("twins"))).isEmpty();
        // Last, so the rows above are checked whatever verify says.
        assertThat(verify.exitCode()).as(verify.output()).isZero();
        assertThat(verify.output()).contains("public.twins: match (6 rows").contains("public.readings: match (3 rows");
    }

    @Test
    void aKeylessTableWithoutFullReplicaIdentityIsRefusedNamingItAndTheFix() throws Exception {
        String label = target.kind().label();
        String source = servers.createDatabase("keyless_refused_" + label);
        servers.execute(source, "CREATE TABLE keyed (id int PRIMARY KEY)", "CREATE TABLE plain (a int, b text)");
        String db = target.create("keyless_refused_target_" + label);
        Path pipeline = servers.pipeline(dir, "keyless-refused-" + label, source, "[public.keyed, public.plain]",
                target.sinkYaml(db));

        FerryProcess.Result run = FerryProcess.run(dir, "run", pipeline.toString(), "--startup-timeout", "PT0S");

        assertThat(run.exitCode()).as(run.output()).isEqualTo(2);
        assertThat(run.output()).contains("plain").contains("REPLICA IDENTITY FULL").doesNotContain("Exception");
        assertThat(servers.queryLong(source, "SELECT count(*) FROM pg_replication_slots"
                + " WHERE slot_name = 'ferry_keyless_refused_" + label + "'")).isZero();
        assertThat(target.count(db, "plain")).as("no target table is created").isNegative();
    }
}
