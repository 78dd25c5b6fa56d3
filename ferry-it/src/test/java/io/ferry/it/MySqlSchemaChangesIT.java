package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.it.SchemaChangeScenario.Phase;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MariaDB → Kafka → PostgreSQL and MySQL 8 → Kafka → MySQL 8 under ordinary DDL: 27 schema changes interleaved
 * with writes, five of the eleven phases made while {@code ferry run} is killed. Added columns with constant and
 * {@code CURRENT_TIMESTAMP(6)} defaults, drops, renames ({@code RENAME COLUMN} and {@code CHANGE}), widening
 * {@code MODIFY}s, TIME durations, a primary key change, tables created under the pattern, truncate. {@code ferry
 * verify} passes after every phase, with the default policy (lenient).
 */
@ParameterizedClass
@EnumSource(MySqlSchemaChangesIT.Path2.class)
class MySqlSchemaChangesIT {

    /** Source flavor and target kind. */
    enum Path2 { MARIADB_TO_POSTGRES, MYSQL_TO_MYSQL }

    private static TestServers servers;

    @TempDir
    Path dir;

    private final Path2 path;
    private final MySqlDatabases mysql;

    MySqlSchemaChangesIT(Path2 path) {
        this.path = path;
        this.mysql = new MySqlDatabases(path == Path2.MARIADB_TO_POSTGRES ? Flavor.MARIADB : Flavor.MYSQL);
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
    void everyOrdinaryDdlLeavesTheTargetEqualToTheSourceWhetherFerryRunsOrWasDown() throws Exception {
        String name = "my-ddl-" + path.name().toLowerCase(Locale.ROOT).replace('_', '-');
        String source = mysql.create("ddl_src_" + path.name().toLowerCase(Locale.ROOT));
        mysql.execute(source,
                "CREATE TABLE items (id int PRIMARY KEY, title varchar(50), code varchar(20), n int,"
                        + " price decimal(10,2), ratio float, flag tinyint, legacy text, dur time(6))",
                "CREATE TABLE orders (id int PRIMARY KEY, region varchar(10), amount decimal(12,2))",
                "CREATE TABLE audit (id bigint AUTO_INCREMENT PRIMARY KEY, msg text)");
        mysql.execute(source, mysql.insertNumbered("items", 60, "SELECT seq, concat('item ', seq),"
                + " concat('c', seq), seq, seq * 1.25, seq / 3, seq % 2, 'old', sec_to_time(seq * 3600) FROM numbers"));
        mysql.execute(source, mysql.insertNumbered("orders", 30, "SELECT seq, IF(seq % 4 = 0, NULL, 'eu'),"
                + " seq * 10 FROM numbers"));
        mysql.execute(source, "INSERT INTO audit (msg) VALUES ('one'), ('two'), ('three')");
        String sink;
        if (path == Path2.MARIADB_TO_POSTGRES) {
            sink = servers.sinkYaml(servers.createDatabase(name.replace('-', '_') + "_target"));
        } else {
            sink = "sink:\n" + mysql.section(mysql.create(name.replace('-', '_') + "_target"));
        }
        Path pipeline = java.nio.file.Files.writeString(dir.resolve(name + ".yaml"), "name: " + name + "\n"
                + "source:\n" + mysql.section(source)
                + "  tables: [\"" + source + ".*\"]\n"
                + "kafka:\n"
                + "  bootstrap-servers: " + servers.bootstrapServers() + "\n"
                + sink);

        int ddl = new SchemaChangeScenario(dir, pipeline, sql -> mysql.execute(source, sql.toArray(String[]::new)))
                .run(List.of(
                        Phase.running("add nullable and NOT NULL DEFAULT constant",
                                "ALTER TABLE items ADD COLUMN note text",
                                "UPDATE items SET note = concat('n', id) WHERE id % 3 = 0",
                                "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 7",
                                "INSERT INTO items (id, title, code, n, price, ratio, flag, legacy, dur, qty)"
                                        + " VALUES (101, 'new', 'c101', 101, 1.5, 0.5, 1, 'old', '838:59:59', 9)"),
                        Phase.down("CURRENT_TIMESTAMP(6) default while down",
                                "ALTER TABLE items ADD COLUMN created datetime(6) DEFAULT CURRENT_TIMESTAMP(6)",
                                "ALTER TABLE orders ADD COLUMN status varchar(20) NOT NULL DEFAULT 'new'",
                                "UPDATE items SET n = n + 1, dur = '-12:00:00' WHERE id <= 10"),
                        Phase.running("drop and rename",
                                "ALTER TABLE items DROP COLUMN legacy",
                                "ALTER TABLE items RENAME COLUMN title TO name",
                                "UPDATE items SET name = concat(name, '!') WHERE id % 5 = 0",
                                "INSERT INTO items (id, name, code, n, price, ratio, flag)"
                                        + " VALUES (102, 'renamed', 'c102', 102, 2.5, 1.5, 0)"),
                        Phase.down("widen types while down",
                                "ALTER TABLE items MODIFY code varchar(200)",
                                "UPDATE items SET code = repeat('x', 150) WHERE id = 1",
                                "ALTER TABLE items MODIFY n bigint",
                                "UPDATE items SET n = 5000000000 WHERE id = 2",
                                "ALTER TABLE items MODIFY price decimal(14,4)",
                                "UPDATE items SET price = 12345.6789 WHERE id = 3",
                                "ALTER TABLE items MODIFY ratio double",
                                "UPDATE items SET ratio = 0.1, dur = '-838:59:59' WHERE id = 4"),
                        Phase.running("anything to text, rename with CHANGE",
                                "ALTER TABLE items MODIFY flag text",
                                "UPDATE items SET flag = 'maybe' WHERE id = 5",
                                "ALTER TABLE items CHANGE name title2 varchar(80)",
                                "UPDATE items SET title2 = 'changed' WHERE id = 6"),
                        Phase.down("primary key changed while down",
                                "UPDATE orders SET region = 'us' WHERE region IS NULL",
                                "ALTER TABLE orders MODIFY region varchar(10) NOT NULL",
                                "ALTER TABLE orders DROP PRIMARY KEY, ADD PRIMARY KEY (id, region)",
                                "INSERT INTO orders (id, region, amount) VALUES (1, 'apac', 99)"),
                        Phase.running("new tables under the pattern",
                                "CREATE TABLE items_archive (id int PRIMARY KEY, payload json)",
                                "INSERT INTO items_archive VALUES (1, '{\"g\": 1}'), (2, '{\"g\": 2}')",
                                "CREATE TABLE shipments (id int PRIMARY KEY,"
                                        + " at datetime(6) DEFAULT CURRENT_TIMESTAMP(6))",
                                "INSERT INTO shipments (id) VALUES (1), (2), (3)",
                                "ALTER TABLE shipments ADD COLUMN carrier varchar(10) DEFAULT 'dhl'"),
                        Phase.down("default on a new table and truncate while down",
                                "INSERT INTO items_archive VALUES (16, '{\"late\": true}')",
                                "ALTER TABLE items_archive ADD COLUMN archived_at datetime(6)"
                                        + " DEFAULT CURRENT_TIMESTAMP(6)",
                                "TRUNCATE audit",
                                "INSERT INTO audit (msg) VALUES ('after truncate')"),
                        Phase.running("enum and a widened enum",
                                "ALTER TABLE items ADD COLUMN tag enum('a','b','c') DEFAULT 'b'",
                                "ALTER TABLE items MODIFY tag enum('a','b','c','d') DEFAULT 'b'",
                                "UPDATE items SET tag = 'd' WHERE id = 7"),
                        Phase.down("rename back, drop, re-add under the dropped name while down",
                                "ALTER TABLE items CHANGE title2 title varchar(80)",
                                "ALTER TABLE items DROP COLUMN note",
                                "ALTER TABLE items ADD COLUMN note varchar(20) DEFAULT 'again'",
                                "DELETE FROM items WHERE id > 100"),
                        Phase.running("no change of shape, and a duration column",
                                "CREATE INDEX items_code ON items (code)",
                                "ALTER TABLE items COMMENT 'changes every week'",
                                "ALTER TABLE items ADD COLUMN dur2 time DEFAULT '-01:00:00'",
                                "INSERT INTO items (id, title, code, n, price, ratio, flag, dur)"
                                        + " VALUES (103, 'last', 'c103', 103, 3.5, 2.5, 'yes', '100:00:00.5')")));

        assertThat(ddl).isGreaterThanOrEqualTo(25);
    }
}
