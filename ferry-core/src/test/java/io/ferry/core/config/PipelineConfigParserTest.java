package io.ferry.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.TableId;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaChanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigParserTest {

    private static final String VALID = """
            name: shop
            source:
              type: postgres
              host: db.internal
              port: 6543
              database: shop
              user: ferry
              password: ${env:SHOP_PG_PASSWORD}
              tables: [public.customers, "Sales Dept.Order", "public.*"]
              snapshot: never
            kafka:
              bootstrap-servers: host1:9092,host2:9092
              properties:
                security.protocol: SASL_SSL
            """;

    private final PipelineConfigParser parser = new PipelineConfigParser(Map.of("SHOP_PG_PASSWORD", "s3cret")::get,
            TestConnectors.BOTH);

    @Test
    void readsEveryKeyOfAValidFile() {
        PipelineConfig c = parser.parse(VALID, "pipeline.yaml");

        assertThat(c.name()).isEqualTo("shop");
        assertThat(c.source().host()).isEqualTo("db.internal");
        assertThat(c.source().port()).isEqualTo(6543);
        assertThat(c.source().password().reveal()).isEqualTo("s3cret");
        assertThat(c.source().tables()).containsExactly("public.customers", "Sales Dept.Order", "public.*");
        assertThat(c.source().snapshot()).isEqualTo(SnapshotMode.NEVER);
        assertThat(c.kafka().bootstrapServers()).isEqualTo("host1:9092,host2:9092");
        assertThat(c.kafka().topicPrefix()).isEqualTo("shop");
        assertThat(c.kafka().properties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(c.sink().type()).isEqualTo("none");
        assertThat(c.slotName()).isEqualTo("ferry_shop");
    }

    @Test
    void defaultsToAnEmbeddedBrokerAndAnInitialSnapshot() {
        PipelineConfig c = parser.parse("""
                name: Shop-2
                source: {type: postgres, database: shop, user: ferry, tables: [t]}
                """, "p.yaml");

        assertThat(c.kafka().embedded()).isTrue();
        assertThat(c.kafka().dataDir()).isEqualTo("./.ferry/Shop-2");
        assertThat(c.source().port()).isEqualTo(5432);
        assertThat(c.source().snapshot()).isEqualTo(SnapshotMode.INITIAL);
        assertThat(c.source().snapshotChunkRows()).isEqualTo(10_000);
        assertThat(c.slotName()).isEqualTo("ferry_shop_2");
    }

    @Test
    void neverShowsThePasswordWhenPrinted() {
        PipelineConfig c = parser.parse(VALID, "pipeline.yaml");

        assertThat(c.toString()).doesNotContain("s3cret").contains("[hidden]");
    }

    @Test
    void readsFilePlaceholders(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("pw"), "from-file\n");
        PipelineConfig c = parser.parse(VALID.replace("${env:SHOP_PG_PASSWORD}", "${file:" + secret + "}"), "p");

        assertThat(c.source().password().reveal()).isEqualTo("from-file");
    }

    @Test
    void namesTheLineAndKeyOfAMissingKey() {
        assertError(VALID.replace("  user: ferry\n", ""), "pipeline.yaml:2: source: missing required key 'user'");
    }

    @Test
    void namesTheLineOfAWrongType() {
        assertError(VALID.replace("6543", "sixty"),
                "pipeline.yaml:5: source.port: expected a port number from 1 to 65535, got 'sixty'");
    }

    @Test
    void suggestsTheKeyMeantByATypo() {
        assertError(VALID.replace("  host: db", "  hots: db"),
                "pipeline.yaml:4: source.hots: unknown key (did you mean 'host'?)");
    }

    @Test
    void rejectsAnUnsupportedSourceType() {
        assertError(VALID.replace("type: postgres", "type: oracle"),
                "pipeline.yaml:3: source.type: 'oracle' is not supported; expected postgres or mysql or mariadb");
    }

    @Test
    void reportsAnUnsetEnvironmentVariableByName() {
        assertThatThrownBy(() -> new PipelineConfigParser(k -> null, TestConnectors.BOTH).parse(VALID, "pipeline.yaml"))
                .hasMessage("pipeline.yaml:8: source.password: environment variable SHOP_PG_PASSWORD is not set");
    }

    @Test
    void rejectsAnEmptyTableList() {
        assertError(VALID.replace("[public.customers, \"Sales Dept.Order\", \"public.*\"]", "[]"),
                "pipeline.yaml:2: source.tables: list at least one table or pattern");
    }

    @Test
    void rejectsBrokenYamlWithItsLine() {
        assertThatThrownBy(() -> parser.parse("name: shop\nsource: [unclosed\n", "p.yaml"))
                .hasMessageStartingWith("p.yaml:3: not valid YAML");
    }

    @Test
    void rejectsAnInvalidPipelineName() {
        assertError(VALID.replace("name: shop", "name: my shop!"),
                "pipeline.yaml:1: name: 'my shop!' is not a valid pipeline name: use letters, digits, '-' and '_'"
                        + " (at most 48, starting with a letter or digit)");
    }

    @Test
    void rejectsADuplicateKey() {
        assertError(VALID.replace("  user: ferry\n", "  user: ferry\n  user: other\n"),
                "pipeline.yaml:8: source.user: duplicate key");
    }

    @Test
    void rejectsAMissingSourceSection() {
        assertError("name: shop\n", "pipeline.yaml:1: source: missing required section 'source'");
    }

    @Test
    void takesAnIncrementalSnapshotOnlyFromASourceThatCanTakeOne() {
        PipelineConfig c = parser.parse(VALID.replace("snapshot: never", "snapshot: incremental"), "pipeline.yaml");
        assertThat(c.source().snapshot()).isEqualTo(SourceConfig.SnapshotMode.INCREMENTAL);
        PipelineConfig mysql = parser.parse(VALID.replace("type: postgres", "type: mysql")
                .replace("snapshot: never", "snapshot: incremental"), "pipeline.yaml");
        assertThat(mysql.source().snapshot()).isEqualTo(SourceConfig.SnapshotMode.INCREMENTAL);

        PipelineConfigParser plain = new PipelineConfigParser(Map.of("SHOP_PG_PASSWORD", "s3cret")::get,
                TestConnectors.WITH_PLAIN_CAPTURE);
        assertThatThrownBy(() -> plain.parse(VALID.replace("type: postgres", "type: plainlog")
                .replace("snapshot: never", "snapshot: incremental"), "pipeline.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pipeline.yaml:10: source.snapshot: 'incremental' is not supported by plainlog sources;"
                        + " plainlog snapshots with 'initial'");
    }

    @Test
    void defaultsAMySqlSourceToPort3306() {
        PipelineConfig c = parser.parse(VALID.replace("type: postgres", "type: mysql").replace("  port: 6543\n", ""),
                "pipeline.yaml");

        assertThat(c.source().type()).isEqualTo("mysql");
        assertThat(c.source().port()).isEqualTo(3306);
        assertThat(c.mysqlServerId()).isBetween(100_000L, 4_000_100_000L);
    }

    @Test
    void acceptsAnExplicitNoneSink() {
        PipelineConfig c = parser.parse(VALID + "sink:\n  type: none\n", "pipeline.yaml");

        assertThat(c.sink().type()).isEqualTo("none");
    }

    @Test
    void validatesThePostgresSink() {
        assertError(VALID + "sink:\n  type: postgres\n  database: replica\n  user: ferry\n  on-error: ignore\n",
                "pipeline.yaml:19: sink.on-error: 'ignore' is not supported; expected stop or dead-letter");
    }

    @Test
    void anAliasSelectsItsConnectorsType() {
        PipelineConfig c = parser.parse(VALID.replace("type: postgres", "type: MariaDB"), "pipeline.yaml");

        assertThat(c.source().type()).isEqualTo("mysql");
    }

    @Test
    void readsTheSchemaChangePolicyWithPerTableOverrides() {
        PipelineConfig c = parser.parse(VALID + """
                sink:
                  type: postgres
                  database: replica
                  user: ferry
                  schema-changes: evolve
                  schema-changes-per-table:
                    "public.audit_*": stop
                    events: ignore
                """, "pipeline.yaml");

        SchemaChanges changes = c.sink().schemaChanges();
        assertThat(changes.policyFor(new TableId("public", "orders"))).isEqualTo(SchemaChangePolicy.EVOLVE);
        assertThat(changes.policyFor(new TableId("public", "audit_log"))).isEqualTo(SchemaChangePolicy.STOP);
        assertThat(changes.policyFor(new TableId("sales", "events"))).isEqualTo(SchemaChangePolicy.IGNORE);
    }

    @Test
    void readsTablePartitionsWithPerTableOverrides() {
        PipelineConfig c = parser.parse(VALID + """
                  partitions: 6
                  partitions-per-table:
                    "public.audit_*": 1
                    events: 12
                """, "pipeline.yaml");

        TablePartitions p = c.kafka().partitions();
        assertThat(p.forTable(new TableId("public", "orders"))).isEqualTo(6);
        assertThat(p.forTable(new TableId("public", "audit_log"))).isEqualTo(1);
        assertThat(p.forTable(new TableId("sales", "events"))).isEqualTo(12);
        assertThat(parser.parse(VALID, "pipeline.yaml").kafka().partitions().forTable(new TableId("public", "t")))
                .isEqualTo(1);
    }

    @Test
    void refusesAPartitionCountOutOfRangeNamingKeyAndLine() {
        assertThatThrownBy(() -> parser.parse(VALID + "  partitions: 0\n", "pipeline.yaml"))
                .hasMessage("pipeline.yaml:15: kafka.partitions: expected a partition count from 1 to 1000, got '0'");
        assertThatThrownBy(() -> parser.parse(VALID + "  partitions-per-table:\n    orders: 5000\n", "pipeline.yaml"))
                .hasMessage("pipeline.yaml:16: kafka.partitions-per-table.orders: expected a partition count from 1"
                        + " to 1000, got '5000'");
    }

    @Test
    void keepsTargetsLenientByDefault() {
        PipelineConfig c = parser.parse(VALID + "sink:\n  type: mysql\n  database: replica\n  user: ferry\n",
                "pipeline.yaml");

        assertThat(c.sink().port()).isEqualTo(3306);
        assertThat(c.sink().schemaChanges().policyFor(new TableId("public", "t")))
                .isEqualTo(SchemaChangePolicy.LENIENT);
    }

    @Test
    void rejectsAnUnknownSchemaChangePolicyByLine() {
        assertError(VALID + "sink:\n  type: postgres\n  database: replica\n  user: ferry\n  schema-changes: drop\n",
                "pipeline.yaml:19: sink.schema-changes: 'drop' is not supported; expected evolve or lenient or ignore"
                        + " or stop");
    }

    @Test
    void readsKeyColumnsForTablesWithoutAPrimaryKey() {
        PipelineConfig c = parser.parse(VALID.replace("  snapshot: never\n", """
                  snapshot: never
                  key-columns:
                    "public.events": [device, at]
                    logs: id
                """), "pipeline.yaml");

        assertThat(c.source().keyColumnsOf(new TableId("public", "events"), "public")).containsExactly("device", "at");
        assertThat(c.source().keyColumnsOf(new TableId("public", "logs"), "public")).containsExactly("id");
        assertThat(c.source().keyColumnsOf(new TableId("public", "orders"), "public")).isEmpty();
    }

    @Test
    void rejectsAnEmptyKeyColumnList() {
        assertError(VALID.replace("  snapshot: never\n", "  snapshot: never\n  key-columns:\n    events: []\n"),
                "pipeline.yaml:11: source.key-columns.events: list the columns that identify a row of events");
    }

    @Test
    void readsTheKeysASinkKindDeclaresForItself() {
        PipelineConfig c = new PipelineConfigParser(Map.of("SHOP_PG_PASSWORD", "s3cret")::get, TestConnectors.WITH_LAKE)
                .parse(VALID + """
                        sink:
                          type: lake
                          warehouse: hdfs://nn:8020/lake
                          partition-by:
                            public.orders: day(created_at)
                        """, "pipeline.yaml");

        assertThat(c.sink().database()).isNull();
        assertThat(c.sink().option("warehouse")).isEqualTo("hdfs://nn:8020/lake");
        assertThat(c.sink().option("commit-interval")).isEqualTo("10s");
        assertThat(c.sink().option("partition-by.public.orders")).isEqualTo("day(created_at)");
    }

    @Test
    void namesTheLineOfABadOrMissingSinkKindKey() {
        PipelineConfigParser lakes = new PipelineConfigParser(Map.of("SHOP_PG_PASSWORD", "s3cret")::get,
                TestConnectors.WITH_LAKE);
        assertThatThrownBy(() -> lakes.parse(VALID + "sink:\n  type: lake\n  commit-interval: soon\n", "p.yaml"))
                .hasMessageContaining("p.yaml:17: sink.commit-interval: expected seconds such as 10s, got 'soon'")
                .hasMessageContaining("sink: missing required key 'warehouse'");
        assertThatThrownBy(() -> parser.parse(VALID + "sink:\n  type: mysql\n  database: d\n  user: u\n"
                + "  warehouse: /tmp\n", "p.yaml"))
                .hasMessageContaining("p.yaml:19: sink.warehouse: unknown key");
    }

    @Test
    void servesTheApiOnLoopbackByDefault() {
        PipelineConfig c = parser.parse(VALID, "pipeline.yaml");

        assertThat(c.http()).isEqualTo(HttpConfig.defaults());
        assertThat(c.http().bind()).isEqualTo("127.0.0.1");
        assertThat(c.http().port()).isEqualTo(8083);
        assertThat(c.maxRetainedWalBytes()).isEqualTo(1L << 30);
        assertThat(c.maxLag()).isEqualTo(java.time.Duration.ofMinutes(5));
    }

    @Test
    void readsTheHttpBlockAndTheRetainedWalLimit() {
        PipelineConfig c = new PipelineConfigParser(Map.of("SHOP_PG_PASSWORD", "s3cret", "TOKEN", "t0k")::get,
                TestConnectors.BOTH).parse(VALID.replace("  snapshot: never\n", "  snapshot: never\n  max-retained-wal: 512MiB\n")
                + "http:\n  bind: 0.0.0.0\n  port: 0\n  auth-token: ${env:TOKEN}\n", "pipeline.yaml");

        assertThat(c.http().enabled()).isTrue();
        assertThat(c.http().bind()).isEqualTo("0.0.0.0");
        assertThat(c.http().port()).isZero();
        assertThat(c.http().authToken().reveal()).isEqualTo("t0k");
        assertThat(c.http().authToken().toString()).isEqualTo("[hidden]");
        assertThat(c.maxRetainedWalBytes()).isEqualTo(512L << 20);
        assertThat(parser.parse(VALID + "http:\n  enabled: false\n", "p.yaml").http().enabled()).isFalse();
    }

    @Test
    void readsTheLagAlertThresholdInEveryUnit() {
        String sink = "sink:\n  type: postgres\n  database: replica\n  user: ferry\n  max-lag: ";
        assertThat(parser.parse(VALID + sink + "90s\n", "p.yaml").maxLag()).isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(parser.parse(VALID + sink + "10 min\n", "p.yaml").maxLag()).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(parser.parse(VALID + sink + "2h\n", "p.yaml").maxLag()).isEqualTo(java.time.Duration.ofHours(2));
        assertThat(parser.parse(VALID + sink + "1500ms\n", "p.yaml").maxLag()).isEqualTo(java.time.Duration.ofMillis(1500));
        assertThat(parser.parse(VALID + "sink:\n  type: postgres\n  database: replica\n  user: ferry\n", "p.yaml")
                .maxLag()).isEqualTo(PipelineConfig.DEFAULT_MAX_LAG);
    }

    @Test
    void namesABadLagAlertThresholdByLine() {
        String sink = "sink:\n  type: postgres\n  database: replica\n  user: ferry\n  max-lag: ";
        assertError(VALID + sink + "soon\n", "pipeline.yaml:19: sink.max-lag: expected a duration above zero such as"
                + " 5m, 90s, 1h or 500ms, got 'soon'");
        assertError(VALID + sink + "0s\n", "pipeline.yaml:19: sink.max-lag: expected a duration above zero such as"
                + " 5m, 90s, 1h or 500ms, got '0s'");
    }

    @Test
    void refusesANonLoopbackBindWithoutAToken() {
        assertError(VALID + "http:\n  bind: 10.0.0.5\n",
                "pipeline.yaml:16: http.bind: listening on 10.0.0.5 needs http.auth-token (every request must then carry it)");
        assertThat(parser.parse(VALID + "http:\n  bind: localhost\n  port: 9000\n", "p.yaml").http().port())
                .isEqualTo(9000);
    }

    @Test
    void namesBadHttpAndSizeValuesByLine() {
        assertError(VALID + "http:\n  port: 70000\n  verbose: yes\n",
                "pipeline.yaml:16: http.port: expected a port number from 1 to 65535, got '70000'"
                        + System.lineSeparator() + "pipeline.yaml:17: http.verbose: unknown key");
        assertError(VALID.replace("  snapshot: never\n", "  snapshot: never\n  max-retained-wal: lots\n"),
                "pipeline.yaml:11: source.max-retained-wal: expected a size such as 1GiB, 512MiB or a number of bytes,"
                        + " got 'lots'");
    }

    @Test
    void readsTheSnapshotChunkSizeAndNamesABadOneByLine() {
        assertThat(parser.parse(VALID.replace("  snapshot: never\n", "  snapshot: never\n  snapshot-chunk-rows: 2_500\n"),
                "p.yaml").source().snapshotChunkRows()).isEqualTo(2_500);
        assertError(VALID.replace("  snapshot: never\n", "  snapshot: never\n  snapshot-chunk-rows: 0\n"),
                "pipeline.yaml:11: source.snapshot-chunk-rows: expected a whole number from 1 to 2147483647, got '0'");
        assertError(VALID.replace("  snapshot: never\n", "  snapshot: never\n  snapshot-chunk-rows: many\n"),
                "pipeline.yaml:11: source.snapshot-chunk-rows: expected a whole number from 1 to 2147483647, got 'many'");
    }

    @Test
    void readsTheSnapshotParallelismAndNamesABadOneByLine() {
        assertThat(parser.parse(VALID, "p.yaml").source().snapshotParallelism())
                .isEqualTo(SourceConfig.DEFAULT_SNAPSHOT_PARALLELISM);
        assertThat(parser.parse(VALID.replace("  snapshot: never\n", "  snapshot: never\n  snapshot-parallelism: 8\n"),
                "p.yaml").source().snapshotParallelism()).isEqualTo(8);
        assertError(VALID.replace("  snapshot: never\n", "  snapshot: never\n  snapshot-parallelism: -2\n"),
                "pipeline.yaml:11: source.snapshot-parallelism: expected a whole number from 1 to 2147483647, got '-2'");
    }

    private void assertError(String yaml, String message) {
        assertThatThrownBy(() -> parser.parse(yaml, "pipeline.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }
}
