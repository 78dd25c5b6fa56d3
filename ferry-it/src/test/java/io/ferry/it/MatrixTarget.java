package io.ferry.it;

import io.ferry.clickhouse.ClickHouseTestServer;
import io.ferry.iceberg.IcebergTarget;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * One kind of target for the end-to-end tests that run the same source into every target: a fresh database there
 * (for Iceberg a fresh warehouse directory), the pipeline's {@code sink:} section for it, and reads of what it holds
 * (plain SQL; {@code FINAL} for ClickHouse; Iceberg's generic reader).
 */
enum MatrixTarget {
    POSTGRES, MARIADB, MYSQL, CLICKHOUSE, ICEBERG;

    /** The namespace an Iceberg target's tables are written to (its {@code sink.namespace}). */
    static final String LAKE_NAMESPACE = "lake";

    /** The pipeline's name part and the target database's name part: {@code postgres}, {@code mariadb}, ... */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    boolean isMySql() {
        return this == MARIADB || this == MYSQL;
    }

    /** Binds this target to the class's servers; MariaDB, MySQL 8 and ClickHouse are the JVM-wide shared ones. */
    Bound on(TestServers servers) {
        return new Bound(this, servers, switch (this) {
            case MARIADB -> new MySqlDatabases(Flavor.MARIADB);
            case MYSQL -> new MySqlDatabases(Flavor.MYSQL);
            default -> null;
        }, this == CLICKHOUSE ? ClickHouseTestServer.shared() : null);
    }

    /** A target kind on real servers. */
    record Bound(MatrixTarget kind, TestServers servers, MySqlDatabases mysql, ClickHouseTestServer clickhouse) {

        /** A fresh, empty database; for Iceberg the path of a fresh warehouse. */
        String create(String name) {
            return switch (kind) {
                case POSTGRES -> servers.createDatabase(name);
                case MARIADB, MYSQL -> mysql.create(name);
                case CLICKHOUSE -> clickhouse.freshDatabase();
                case ICEBERG -> {
                    try {
                        yield Files.createTempDirectory("ferry-" + name).resolve("warehouse").toString();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        }

        /** The {@code sink:} section applying to {@code database}, plus {@code extraKeys} (e.g. {@code on-error: ...}). */
        String sinkYaml(String database, String... extraKeys) {
            if (kind == POSTGRES) {
                return servers.sinkYaml(database, extraKeys);
            }
            StringBuilder sb = new StringBuilder("sink:\n").append(switch (kind) {
                case CLICKHOUSE -> "  type: clickhouse\n  host: " + ClickHouseTestServer.HOST + "\n  port: "
                        + clickhouse.httpPort() + "\n  database: " + database + "\n  user: " + ClickHouseTestServer.USER
                        + "\n  password: " + ClickHouseTestServer.PASSWORD + "\n";
                case ICEBERG -> "  type: iceberg\n  warehouse: " + database + "\n  namespace: " + LAKE_NAMESPACE
                        + "\n  commit-interval: 1s\n";
                default -> mysql.section(database);
            });
            for (String k : extraKeys) {
                sb.append("  ").append(k).append('\n');
            }
            return sb.toString();
        }

        /**
         * Every row of {@code sql}, each column as {@code getString} gives it (ClickHouse: its TSV text, tables named
         * with their database); an error (no such table) is null. Not for Iceberg: read it with {@link #lake}.
         */
        List<List<String>> query(String database, String sql) {
            if (kind == CLICKHOUSE) {
                try {
                    return clickhouse.query(sql);
                } catch (IllegalStateException e) {
                    return null;
                }
            }
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
            if (kind == ICEBERG) {
                try {
                    return lake(database).rows(LAKE_NAMESPACE, table).size();
                } catch (RuntimeException e) {
                    return -1; // no commit yet
                }
            }
            List<List<String>> rows = query(database, kind == CLICKHOUSE
                    ? "SELECT count() FROM " + database + "." + quote(table) + " FINAL WHERE _ferry_deleted = 0"
                    : "SELECT count(*) FROM " + table);
            return rows == null ? -1 : Long.parseLong(rows.get(0).get(0));
        }

        /** An Iceberg target's warehouse, to read back with Iceberg's generic reader. */
        IcebergTarget lake(String warehouse) {
            return new IcebergTarget(warehouse);
        }

        /** Quotes an identifier for this target. */
        String quote(String identifier) {
            return kind.isMySql() || kind == CLICKHOUSE ? "`" + identifier.replace("`", "``") + "`"
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
