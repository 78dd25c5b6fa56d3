package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.it.SchemaChangeScenario.Phase;
import io.ferry.mysql.MySqlTestServer.Flavor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * PostgreSQL → Kafka → PostgreSQL or MariaDB under ordinary DDL: 28 schema changes interleaved with writes, five of
 * the eleven phases made while {@code ferry run} is killed. Added columns with constant, volatile and per-row
 * defaults, drops, renames, widening type changes, a primary key change, tables created under the
 * {@code public.*} pattern, truncate. {@code ferry verify} passes after every phase, with the default policy
 * (lenient).
 */
@ParameterizedClass
@EnumSource(PostgresSchemaChangesIT.Target.class)
class PostgresSchemaChangesIT {

    enum Target { POSTGRES, MARIADB }

    private static final String SOURCE = "ddl_source";

    private static TestServers servers;

    @TempDir
    Path dir;

    private final Target target;

    PostgresSchemaChangesIT(Target target) {
        this.target = target;
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
        String name = "pg-ddl-" + target.name().toLowerCase(java.util.Locale.ROOT);
        String source = servers.createDatabase(SOURCE + "_" + target.name().toLowerCase(java.util.Locale.ROOT));
        servers.execute(source,
                "CREATE TABLE items (id int PRIMARY KEY, title text, code varchar(20), n int, price numeric(10,2),"
                        + " ratio real, flag boolean, legacy text)",
                "INSERT INTO items SELECT g, 'item ' || g, 'c' || g, g, g * 1.25, g / 3.0, g % 2 = 0, 'old'"
                        + " FROM generate_series(1, 60) g",
                "CREATE TABLE orders (id int PRIMARY KEY, region text, amount numeric(12,2))",
                "INSERT INTO orders SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE 'eu' END, g * 10"
                        + " FROM generate_series(1, 30) g",
                "CREATE TABLE audit (id bigserial PRIMARY KEY, msg text)",
                "INSERT INTO audit (msg) SELECT 'event ' || g FROM generate_series(1, 10) g");
        String sink;
        if (target == Target.POSTGRES) {
            sink = servers.sinkYaml(servers.createDatabase(name.replace('-', '_') + "_target"));
        } else {
            MySqlDatabases mysql = new MySqlDatabases(Flavor.MARIADB);
            sink = "sink:\n" + mysql.section(mysql.create(name.replace('-', '_') + "_target"));
        }
        Path pipeline = servers.pipeline(dir, name, source, "[\"public.*\"]", sink);

        int ddl = new SchemaChangeScenario(dir, pipeline, sql -> servers.execute(source, sql.toArray(String[]::new)))
                .run(List.of(
                        Phase.running("add nullable and NOT NULL DEFAULT constant",
                                "ALTER TABLE items ADD COLUMN note text",
                                "UPDATE items SET note = 'n' || id WHERE id % 3 = 0",
                                "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 7",
                                "INSERT INTO items (id, title, code, n, price, ratio, flag, legacy, qty)"
                                        + " VALUES (101, 'new', 'c101', 101, 1.5, 0.5, true, 'old', 9)"),
                        Phase.down("volatile defaults while down",
                                "ALTER TABLE items ADD COLUMN created timestamptz DEFAULT now()",
                                "ALTER TABLE items ADD COLUMN token uuid DEFAULT gen_random_uuid()",
                                "ALTER TABLE orders ADD COLUMN status varchar(20) NOT NULL DEFAULT 'new'",
                                "UPDATE items SET n = n + 1 WHERE id <= 10"),
                        Phase.running("drop and rename",
                                "ALTER TABLE items DROP COLUMN legacy",
                                "ALTER TABLE items RENAME COLUMN title TO name",
                                "UPDATE items SET name = name || '!' WHERE id % 5 = 0",
                                "INSERT INTO items (id, name, code, n, price, ratio, flag)"
                                        + " VALUES (102, 'renamed', 'c102', 102, 2.5, 1.5, false)"),
                        Phase.down("widen types while down",
                                "ALTER TABLE items ALTER COLUMN code TYPE varchar(200)",
                                "UPDATE items SET code = repeat('x', 150) WHERE id = 1",
                                "ALTER TABLE items ALTER COLUMN n TYPE bigint",
                                "UPDATE items SET n = 5000000000 WHERE id = 2",
                                "ALTER TABLE items ALTER COLUMN price TYPE numeric(14,4)",
                                "UPDATE items SET price = 12345.6789 WHERE id = 3",
                                "ALTER TABLE items ALTER COLUMN ratio TYPE double precision",
                                "UPDATE items SET ratio = 0.1 WHERE id = 4"),
                        Phase.running("anything to text, nullability",
                                "ALTER TABLE items ALTER COLUMN flag TYPE text",
                                "UPDATE items SET flag = 'maybe' WHERE id = 5",
                                "UPDATE orders SET amount = 0 WHERE amount IS NULL",
                                "ALTER TABLE orders ALTER COLUMN amount SET NOT NULL"),
                        Phase.down("primary key changed while down",
                                "UPDATE orders SET region = 'us' WHERE region IS NULL",
                                "ALTER TABLE orders ALTER COLUMN region SET NOT NULL",
                                "ALTER TABLE orders DROP CONSTRAINT orders_pkey",
                                "ALTER TABLE orders ADD PRIMARY KEY (id, region)",
                                "INSERT INTO orders (id, region, amount) VALUES (1, 'apac', 99)"),
                        Phase.running("new tables under the pattern",
                                "CREATE TABLE items_archive (id int PRIMARY KEY, payload jsonb)",
                                "INSERT INTO items_archive SELECT g, jsonb_build_object('g', g)"
                                        + " FROM generate_series(1, 15) g",
                                "CREATE TABLE shipments (id int PRIMARY KEY, at timestamptz DEFAULT now())",
                                "INSERT INTO shipments (id) SELECT generate_series(1, 20)",
                                "ALTER TABLE shipments ADD COLUMN carrier text DEFAULT 'dhl'"),
                        Phase.down("per-row volatile default and truncate while down",
                                "INSERT INTO items_archive VALUES (16, '{\"late\": true}')",
                                "ALTER TABLE items_archive ADD COLUMN archived_at timestamptz"
                                        + " DEFAULT clock_timestamp()",
                                "TRUNCATE audit",
                                "INSERT INTO audit (msg) VALUES ('after truncate')"),
                        Phase.running("serial and array columns",
                                "ALTER TABLE items ADD COLUMN seq serial",
                                "ALTER TABLE items ADD COLUMN tags text[] DEFAULT '{a,b}'",
                                "UPDATE items SET tags = '{}' WHERE id = 4"),
                        Phase.down("rename back, drop, re-add under the dropped name while down",
                                "ALTER TABLE items RENAME COLUMN name TO title",
                                "ALTER TABLE items DROP COLUMN note",
                                "ALTER TABLE items ADD COLUMN note text DEFAULT 'again'",
                                "DELETE FROM items WHERE id > 100"),
                        Phase.running("no change of shape",
                                "CREATE INDEX items_code ON items (code)",
                                "COMMENT ON TABLE items IS 'changes every week'",
                                "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 8",
                                "INSERT INTO items (id, title, code, n, price, ratio, flag)"
                                        + " VALUES (103, 'last', 'c103', 103, 3.5, 2.5, 'yes')")));

        assertThat(ddl).isGreaterThanOrEqualTo(25);
    }
}
