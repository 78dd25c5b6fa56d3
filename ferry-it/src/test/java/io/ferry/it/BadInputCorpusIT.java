package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.mysql.MySqlTestServer;
import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.postgres.PostgresTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of bad inputs beyond the pipeline file and the PostgreSQL source ({@link BadConfigurationIT}): Kafka and
 * sinks that are out of reach, refuse the login, lack a database or privileges or have the wrong settings, and
 * MySQL/MariaDB sources with the same faults. Each makes the real {@code ferry run} exit with code 2 and one line
 * naming the part and what is wrong, before anything starts, without a stack trace on the terminal. The command runs
 * in this JVM ({@link FerryInProcess}) so that 30 cases take seconds each instead of a JVM start each; that the real
 * process prints the same single line is {@link BadConfigurationIT}'s part.
 */
class BadInputCorpusIT {

    private static final String SINK_DB = "corpus_sink";
    private static final String READONLY_DB = "corpus_ro";
    private static final String MYSQL_SINK_DB = "corpus_msink";

    private static PostgresTestServer pg;
    private static MySqlTestServer maria;
    private static KafkaTestCluster kafka;
    private static KafkaTestCluster kafkaTransactionsImpossible;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresTestServer.shared();
        pg.execute("CREATE TABLE IF NOT EXISTS corpus_present (id int PRIMARY KEY)",
                "DROP PUBLICATION IF EXISTS ferry_corpus",
                // Cases run side by side: the publication they would all create exists from the start.
                "CREATE PUBLICATION ferry_corpus FOR TABLE corpus_present");
        try (Connection c = pg.admin("postgres"); Statement s = c.createStatement()) {
            for (String db : List.of(SINK_DB, READONLY_DB)) {
                s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                s.execute("CREATE DATABASE " + db + " OWNER " + PostgresTestServer.USER);
            }
            for (String role : List.of("corpus_nocreate", "corpus_readonly")) {
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN "
                        + "CREATE ROLE " + role + " LOGIN PASSWORD 'pw'; END IF; END $$");
            }
        }
        // A login that may create tables but only read Ferry's: its first offset write would fail.
        try (Connection c = pg.admin(READONLY_DB); Statement s = c.createStatement()) {
            s.execute("SET ROLE " + PostgresTestServer.USER);
            s.execute("CREATE TABLE ferry_offsets (topic text NOT NULL, \"partition\" int NOT NULL,"
                    + " next_offset bigint NOT NULL, PRIMARY KEY (topic, \"partition\"))");
            s.execute("CREATE TABLE ferry_schemas (table_name text NOT NULL PRIMARY KEY, version int NOT NULL)");
            s.execute("GRANT CREATE ON SCHEMA public TO corpus_readonly");
            s.execute("GRANT CREATE ON DATABASE " + READONLY_DB + " TO corpus_readonly");
            s.execute("GRANT SELECT ON ferry_offsets, ferry_schemas TO corpus_readonly");
        }
        pg.requirePassword("corpus_nocreate");
        pg.requirePassword("corpus_readonly");

        maria = MySqlTestServer.shared(Flavor.MARIADB);
        maria.execute("CREATE TABLE IF NOT EXISTS corpus_present (id int PRIMARY KEY)");
        maria.executeAsAdmin("DROP DATABASE IF EXISTS " + MYSQL_SINK_DB, "CREATE DATABASE " + MYSQL_SINK_DB);
        maria.grantAllOn(MYSQL_SINK_DB, MySqlTestServer.USER);
        maria.createUser("corpus_norepl", "pw", "SELECT");
        maria.createUser("corpus_select", "pw", "USAGE");
        maria.createUser("corpus_usage", "pw", "USAGE");
        maria.executeAsAdmin("GRANT SELECT ON " + MYSQL_SINK_DB + ".* TO 'corpus_select'@'%'",
                "GRANT SELECT ON " + MYSQL_SINK_DB + ".* TO 'corpus_select'@'localhost'");

        kafka = KafkaTestCluster.start(1);
        kafkaTransactionsImpossible = KafkaTestCluster.start(1, Map.of("transaction.state.log.replication.factor", "3"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("corpus-minisr.ferry-offsets", 1, (short) 1)
                    .configs(Map.of("min.insync.replicas", "2", "cleanup.policy", "compact")))).all().get();
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
        kafkaTransactionsImpossible.close();
        try (Connection c = pg.admin(PostgresTestServer.DATABASE); Statement s = c.createStatement()) {
            s.execute("DROP PUBLICATION IF EXISTS ferry_corpus");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        maria.execute("DROP TABLE IF EXISTS corpus_present");
    }

    /** A pipeline file as sections of keys, so that a case can change one key of one section. */
    static final class Pipeline {
        String name = "corpus";
        final Map<String, String> source = new LinkedHashMap<>();
        final Map<String, String> kafka = new LinkedHashMap<>();
        Map<String, String> sink = new LinkedHashMap<>();
        final Map<String, String> kafkaProperties = new LinkedHashMap<>();

        Pipeline() {
            source.put("type", "postgres");
            source.put("host", PostgresTestServer.HOST);
            source.put("port", Integer.toString(pg.port()));
            source.put("database", PostgresTestServer.DATABASE);
            source.put("user", PostgresTestServer.USER);
            source.put("password", PostgresTestServer.PASSWORD);
            source.put("tables", "[public.corpus_present]");
            kafka.put("bootstrap-servers", BadInputCorpusIT.kafka.bootstrapServers());
            sink.put("type", "postgres");
            sink.put("host", PostgresTestServer.HOST);
            sink.put("port", Integer.toString(pg.port()));
            sink.put("database", SINK_DB);
            sink.put("user", PostgresTestServer.USER);
            sink.put("password", PostgresTestServer.PASSWORD);
        }

        Pipeline mariaSource() {
            source.put("type", "mariadb");
            source.put("port", Integer.toString(maria.port()));
            source.put("database", MySqlTestServer.DATABASE);
            source.put("user", MySqlTestServer.USER);
            source.put("password", MySqlTestServer.PASSWORD);
            source.put("tables", "[corpus_present]");
            return this;
        }

        Pipeline mariaSink() {
            sink.put("type", "mariadb");
            sink.put("port", Integer.toString(maria.port()));
            sink.put("database", MYSQL_SINK_DB);
            sink.put("user", MySqlTestServer.USER);
            sink.put("password", MySqlTestServer.PASSWORD);
            return this;
        }

        String yaml() {
            StringBuilder b = new StringBuilder("name: ").append(name).append('\n');
            section(b, "source", source);
            b.append("kafka:\n");
            kafka.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
            if (!kafkaProperties.isEmpty()) {
                b.append("  properties:\n");
                kafkaProperties.forEach((k, v) -> b.append("    ").append(k).append(": ").append(v).append('\n'));
            }
            if (sink != null) {
                section(b, "sink", sink);
            }
            return b.toString();
        }

        private static void section(StringBuilder b, String name, Map<String, String> keys) {
            b.append(name).append(":\n");
            keys.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
        }
    }

    private static Arguments bad(String problem, Consumer<Pipeline> change, String expected) {
        return Arguments.of(problem, change, expected);
    }

    static Stream<Arguments> corpus() {
        int nobody = PostgresTestServer.freePort();
        return Stream.of(
                // Kafka
                bad("Kafka unreachable", p -> p.kafka.put("bootstrap-servers", "127.0.0.1:" + nobody),
                        "cannot reach Kafka at 127.0.0.1:" + nobody + ": connection refused"),
                bad("Kafka address not host:port", p -> p.kafka.put("bootstrap-servers", "kafka1"),
                        "kafka.bootstrap-servers: 'kafka1' is not host:port"),
                bad("Kafka address is a PostgreSQL server", p -> p.kafka.put("bootstrap-servers",
                        "127.0.0.1:" + pg.port()), "did not answer as a Kafka cluster"),
                bad("Kafka client properties it refuses", p -> p.kafkaProperties.put("security.protocol", "SASL_PLAINTEXT"),
                        "kafka.properties: the Kafka client refuses them"),
                bad("Kafka cannot run transactions with one broker", p -> p.kafka.put("bootstrap-servers",
                        kafkaTransactionsImpossible.bootstrapServers()), "transaction.state.log.replication.factor=3"),
                bad("offsets topic with min.insync.replicas above its replicas", p -> {
                    p.name = "corpus-minisr";
                }, "topic corpus-minisr.ferry-offsets"),
                // PostgreSQL sink
                bad("sink wrong password", p -> p.sink.put("password", "wrong"), "password authentication failed"),
                bad("sink database missing", p -> p.sink.put("database", "corpus_nosuchdb"),
                        "has no database corpus_nosuchdb"),
                bad("sink unreachable", p -> p.sink.put("port", Integer.toString(nobody)),
                        "PostgreSQL target 127.0.0.1:" + nobody),
                bad("sink login may not create tables", p -> {
                    p.sink.put("user", "corpus_nocreate");
                    p.sink.put("password", "pw");
                }, "may not create Ferry's tables public.ferry_offsets and public.ferry_schemas"),
                bad("sink login may not create its schema", p -> {
                    p.sink.put("user", "corpus_nocreate");
                    p.sink.put("password", "pw");
                    p.sink.put("schema", "corpus_own");
                }, "permission denied"),
                bad("sink login may not write offsets", p -> {
                    p.sink.put("database", READONLY_DB);
                    p.sink.put("user", "corpus_readonly");
                    p.sink.put("password", "pw");
                }, "may not write public.ferry_offsets (it needs SELECT, INSERT, UPDATE and DELETE on it)"),
                bad("sink role does not exist", p -> {
                    p.sink.put("user", "corpus_nobody");
                    p.sink.put("password", "pw");
                }, "corpus_nobody"),
                bad("sink type unknown", p -> p.sink.put("type", "oracle"), "sink.type: 'oracle' is not supported"),
                bad("sink database key missing", p -> p.sink.remove("database"), "sink"),
                bad("sink on-error unknown", p -> p.sink.put("on-error", "ignore"), "sink.on-error"),
                // MariaDB sink
                bad("MariaDB sink wrong password", p -> p.mariaSink().sink.put("password", "wrong"),
                        "refused the login"),
                bad("MariaDB sink database missing", p -> p.mariaSink().sink.put("database", "corpus_nosuchdb"),
                        "corpus_nosuchdb"),
                bad("MariaDB sink login may only read", p -> {
                    p.mariaSink();
                    p.sink.put("user", "corpus_select");
                    p.sink.put("password", "pw");
                }, "may not create Ferry's tables " + MYSQL_SINK_DB + ".ferry_offsets and"),
                bad("MariaDB sink login without access to the database", p -> {
                    p.mariaSink();
                    p.sink.put("user", "corpus_usage");
                    p.sink.put("password", "pw");
                }, "refused the login corpus_usage@" + MYSQL_SINK_DB),
                // MariaDB source
                bad("MariaDB source wrong password", p -> p.mariaSource().source.put("password", "wrong"),
                        "MySQL rejected the password"),
                bad("MariaDB source database missing", p -> p.mariaSource().source.put("database", "corpus_nosuchdb"),
                        "database \"corpus_nosuchdb\" does not exist"),
                bad("MariaDB source unknown table", p -> p.mariaSource().source.put("tables", "[nosuchtable]"),
                        "nosuchtable"),
                bad("MariaDB source unreachable", p -> p.mariaSource().source.put("port", Integer.toString(nobody)),
                        "cannot reach MySQL at 127.0.0.1:" + nobody),
                bad("MariaDB source login without replication", p -> {
                    p.mariaSource();
                    p.source.put("user", "corpus_norepl");
                    p.source.put("password", "pw");
                }, "lacks REPLICATION SLAVE"),
                // Files
                bad("pipeline name invalid", p -> p.name = "no spaces allowed", "is not a valid pipeline name"),
                bad("source type missing", p -> p.source.remove("type"), "source: missing required key 'type'"),
                bad("password placeholder from a missing file", p -> p.sink.put("password",
                        "${file:/nonexistent/sink-password}"), "cannot read file /nonexistent/sink-password (no such file)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void exitsWithCode2AndOneClearLine(String problem, Consumer<Pipeline> change, String expected) throws Exception {
        Pipeline p = new Pipeline();
        change.accept(p);
        Path file = Files.writeString(dir.resolve("bad.yaml"), p.yaml());

        long started = System.nanoTime();
        FerryProcess.Result result = FerryInProcess.run("run", file.toString(), "--startup-timeout", "PT0S");

        assertOneClearLine(result, expected);
        // Bounded: nothing waits out a Kafka client's own timeouts (a minute, or forever for a transaction). Generous,
        // for a machine shared with other builds.
        assertThat((System.nanoTime() - started) / 1e9).as("seconds to fail").isLessThan(45);
    }

    @ParameterizedTest(name = "MariaDB source with {0}")
    @MethodSource("wrongBinlogSettings")
    void aMariaDbSourceWithTheWrongBinlogSettingIsNamed(String setting, String value) throws Exception {
        Pipeline p = new Pipeline().mariaSource();
        Path file = Files.writeString(dir.resolve("bad.yaml"), p.yaml());
        String previous = maria.queryString("SELECT @@GLOBAL." + setting);
        maria.executeAsAdmin("SET GLOBAL " + setting + " = '" + value + "'");
        FerryProcess.Result result;
        try {
            result = FerryInProcess.run("run", file.toString(), "--startup-timeout", "PT0S");
        } finally {
            maria.executeAsAdmin("SET GLOBAL " + setting + " = '" + previous + "'");
        }
        assertOneClearLine(result, setting + "=" + value);
    }

    static Stream<Arguments> wrongBinlogSettings() {
        return Stream.of(Arguments.of("binlog_format", "STATEMENT"), Arguments.of("binlog_row_image", "MINIMAL"));
    }

    @org.junit.jupiter.api.Test
    void aFileThatDoesNotExistIsNamed() throws Exception {
        FerryProcess.Result result = FerryInProcess.run("run", dir.resolve("missing.yaml").toString());

        assertOneClearLine(result, "cannot read the pipeline file");
    }

    @org.junit.jupiter.api.Test
    void anEmptyFileIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("empty.yaml"), "");

        assertOneClearLine(FerryInProcess.run("run", file.toString()), "the file is empty");
    }

    static void assertOneClearLine(FerryProcess.Result result, String expected) {
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        String[] lines = result.output().strip().split("\n");
        assertThat(lines).as(result.output()).hasSize(1);
        assertThat(lines[0]).startsWith("ferry: ").contains(expected)
                .doesNotContain("Exception").doesNotContain("ferry-secret").doesNotContain("\tat ");
    }
}
