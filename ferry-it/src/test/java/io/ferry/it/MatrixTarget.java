package io.ferry.it;

import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * One kind of target database for the end-to-end tests that run the same source into every target: a fresh
 * database there, the pipeline's {@code sink:} section for it, and plain SQL reads of what it holds.
 */
enum MatrixTarget {
    POSTGRES, MARIADB, MYSQL;

    /** The pipeline's name part and the target database's name part: {@code postgres}, {@code mariadb}, {@code mysql}. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    boolean isMySql() {
        return this != POSTGRES;
    }

    /** Binds this target to the class's servers; MariaDB and MySQL 8 are the JVM-wide shared ones. */
    Bound on(TestServers servers) {
        return new Bound(this, servers, switch (this) {
            case POSTGRES -> null;
            case MARIADB -> new MySqlDatabases(Flavor.MARIADB);
            case MYSQL -> new MySqlDatabases(Flavor.MYSQL);
        });
    }

    /** A target kind on real servers. */
    record Bound(MatrixTarget kind, TestServers servers, MySqlDatabases mysql) {

        /** A fresh, empty database. */
        String create(String name) {
            return kind.isMySql() ? mysql.create(name) : servers.createDatabase(name);
        }

        /** The {@code sink:} section applying to {@code database}, plus {@code extraKeys} (e.g. {@code on-error: ...}). */
        String sinkYaml(String database, String... extraKeys) {
            if (!kind.isMySql()) {
                return servers.sinkYaml(database, extraKeys);
            }
            StringBuilder sb = new StringBuilder("sink:\n").append(mysql.section(database));
            for (String k : extraKeys) {
                sb.append("  ").append(k).append('\n');
            }
            return sb.toString();
        }

        /** Every row of {@code sql}, each column as {@code getString} gives it; an error (no such table) is null. */
        List<List<String>> query(String database, String sql) {
            try (Connection c = kind.isMySql() ? mysql.connect(database) : servers.connect(database);
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                List<List<String>> rows = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
                return rows;
            } catch (SQLException e) {
                return null;
            }
        }

        /** {@code SELECT count(*)} of a table, or -1 while it does not exist. */
        long count(String database, String table) {
            List<List<String>> rows = query(database, "SELECT count(*) FROM " + table);
            return rows == null ? -1 : Long.parseLong(rows.get(0).get(0));
        }

        /** Quotes an identifier for this target. */
        String quote(String identifier) {
            return kind.isMySql() ? "`" + identifier.replace("`", "``") + "`"
                    : "\"" + identifier.replace("\"", "\"\"") + "\"";
        }
    }

    /** The {@code ferry.error.reason} header of every record in the dead-letter topic, none when it was never created. */
    static List<String> deadLetterReasons(String bootstrapServers, String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(p)) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return List.of();
            }
        }
        return TopicWatcher.drain(bootstrapServers, List.of(topic)).stream()
                .map(r -> new String(r.headers().lastHeader("ferry.error.reason").value(), StandardCharsets.UTF_8))
                .toList();
    }
}
