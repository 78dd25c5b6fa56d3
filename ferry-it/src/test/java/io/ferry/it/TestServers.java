package io.ferry.it;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.postgres.PostgresTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** The real servers an integration test runs against: the shared embedded PostgreSQL and a Kafka broker. */
final class TestServers implements AutoCloseable {

    private final PostgresTestServer postgres;
    private final KafkaTestCluster kafka;

    private TestServers(PostgresTestServer postgres, KafkaTestCluster kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    static TestServers start() {
        return new TestServers(PostgresTestServer.shared(), KafkaTestCluster.start(1));
    }

    PostgresTestServer postgres() {
        return postgres;
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** A fresh database owned by the test role. */
    String createDatabase(String name) {
        try (Connection c = postgres.admin("postgres"); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
            s.execute("CREATE DATABASE \"" + name + "\" OWNER " + PostgresTestServer.USER);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return name;
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(database), PostgresTestServer.USER,
                PostgresTestServer.PASSWORD);
    }

    /** Writes a pipeline file capturing {@code tablesYaml} of {@code database} into this Kafka. */
    Path pipeline(Path dir, String name, String database, String tablesYaml) {
        return pipeline(dir, name, database, tablesYaml, "");
    }

    /** Same, with extra top-level YAML (a sink section, say) appended. */
    Path pipeline(Path dir, String name, String database, String tablesYaml, String extraYaml) {
        String yaml = "name: " + name + "\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  host: " + postgres.host() + "\n"
                + "  port: " + postgres.port() + "\n"
                + "  database: " + database + "\n"
                + "  user: " + PostgresTestServer.USER + "\n"
                + "  password: " + PostgresTestServer.PASSWORD + "\n"
                + "  tables: " + tablesYaml + "\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + kafka.bootstrapServers() + "\n"
                + extraYaml;
        try {
            return Files.writeString(dir.resolve(name + ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kafka.close();
    }
}
