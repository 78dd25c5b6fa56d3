package io.ferry.it;

import io.ferry.kafka.KafkaTestCluster;
import io.ferry.postgres.PostgresTestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The real servers an integration test runs against: the shared embedded PostgreSQL and a Kafka broker.
 * {@link #close()} drops the replication slots left in the databases this instance created: the shared server has
 * a fixed number of slots for all the test classes of its JVM.
 */
final class TestServers implements AutoCloseable {

    private final PostgresTestServer postgres;
    private final KafkaTestCluster kafka;
    private final String bootstrapServers;
    private final AutoCloseable kafkaToClose;
    private final List<String> databases = new ArrayList<>();

    /** SQLSTATE of dropping a slot a walsender holds. */
    private static final String OBJECT_IN_USE = "55006";

    private TestServers(PostgresTestServer postgres, KafkaTestCluster kafka, String bootstrapServers,
                        AutoCloseable kafkaToClose) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.bootstrapServers = bootstrapServers;
        this.kafkaToClose = kafkaToClose;
    }

    static TestServers start() {
        return start(1);
    }

    /** With a Kafka cluster of {@code brokers} brokers, to lose one in a test. */
    static TestServers start(int brokers) {
        KafkaTestCluster kafka = KafkaTestCluster.start(brokers);
        return new TestServers(PostgresTestServer.shared(), kafka, kafka.bootstrapServers(), kafka);
    }

    /** With Kafka brokers run elsewhere (processes a test kills, say); {@link #close()} closes {@code kafka}. */
    static TestServers with(String bootstrapServers, AutoCloseable kafka) {
        return new TestServers(PostgresTestServer.shared(), null, bootstrapServers, kafka);
    }

    /** The in-process cluster; not there for {@link #with}. */
    KafkaTestCluster kafka() {
        if (kafka == null) {
            throw new IllegalStateException("this test's Kafka is not in process: " + bootstrapServers);
        }
        return kafka;
    }

    PostgresTestServer postgres() {
        return postgres;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** A fresh database owned by the test role. */
    String createDatabase(String name) {
        try (Connection c = postgres.admin("postgres"); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
            s.execute("CREATE DATABASE \"" + name + "\" OWNER " + PostgresTestServer.USER);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        databases.add(name);
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
                + "  bootstrap-servers: " + bootstrapServers + "\n"
                + extraYaml;
        try {
            return Files.writeString(dir.resolve(name + ".yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code sink:} section applying to {@code database} on the same PostgreSQL, plus {@code extraKeys}. */
    String sinkYaml(String database, String... extraKeys) {
        StringBuilder sb = new StringBuilder("sink:\n")
                .append("  type: postgres\n")
                .append("  host: ").append(postgres.host()).append('\n')
                .append("  port: ").append(postgres.port()).append('\n')
                .append("  database: ").append(database).append('\n')
                .append("  user: ").append(PostgresTestServer.USER).append('\n')
                .append("  password: ").append(PostgresTestServer.PASSWORD).append('\n');
        for (String k : extraKeys) {
            sb.append("  ").append(k).append('\n');
        }
        return sb.toString();
    }

    /** Runs statements in {@code database}, each in its own transaction. */
    void execute(String database, String... sql) {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The first column of the first row of {@code sql} in {@code database}, as a long (0 when null). */
    long queryLong(String database, String sql) {
        try (Connection c = connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            dropSlots();
            kafkaToClose.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every pipeline leaves its slot behind, and a slot outlives the test class that made it: once the shared
     * server's {@code max_replication_slots} are taken, the next class's capture retries "all replication slots
     * are in use" until its test times out. Walsenders still attached (a ferry child killed with -9) are ended
     * first; a slot some capture took again meanwhile stays.
     */
    private void dropSlots() throws SQLException {
        if (databases.isEmpty()) {
            return;
        }
        List<String> slots = new ArrayList<>();
        try (Connection c = postgres.admin("postgres");
             PreparedStatement find = c.prepareStatement("SELECT slot_name, active_pid FROM pg_replication_slots"
                     + " WHERE database = ANY(?)");
             PreparedStatement end = c.prepareStatement("SELECT pg_terminate_backend(?, 5000)");
             PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            find.setArray(1, c.createArrayOf("text", databases.toArray()));
            try (ResultSet rs = find.executeQuery()) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                    int pid = rs.getInt(2);
                    if (!rs.wasNull()) {
                        end.setInt(1, pid);
                        end.execute();
                    }
                }
            }
            for (String slot : slots) {
                drop.setString(1, slot);
                try {
                    drop.execute();
                } catch (SQLException e) {
                    if (!OBJECT_IN_USE.equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        }
    }
}
