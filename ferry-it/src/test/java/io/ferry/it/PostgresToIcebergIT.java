package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.iceberg.IcebergTarget;
import io.ferry.it.SchemaChangeScenario.Phase;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL → Kafka → Apache Iceberg tables on the local file system, through the real {@code ferry run} (killed
 * with SIGKILL in every other phase) and {@code ferry verify}: snapshot, updates, deletes, a truncate, added,
 * renamed and dropped columns, widenings Iceberg promotes in place, a new table. After every phase the tables read
 * back equal the source; at the end no key is there twice and deleted keys are gone.
 */
class PostgresToIcebergIT {

    private static TestServers servers;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        servers = TestServers.start();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @Test
    void updatesDeletesAndSchemaChangesReachTheLakeExactlyOnceAcrossKills() throws Exception {
        String source = servers.createDatabase("lake_source");
        servers.execute(source,
                "CREATE TABLE items (id int PRIMARY KEY, title text, code varchar(20), n int, price numeric(10,2),"
                        + " ratio real, at timestamptz, token uuid, doc jsonb, tags text[], legacy text)",
                "INSERT INTO items SELECT g, 'item ' || g, 'c' || g, g, g * 1.25, g / 3.0,"
                        + " '2024-01-01 00:00:00.123456+00'::timestamptz + g * interval '1 second',"
                        + " gen_random_uuid(), jsonb_build_object('g', g), ARRAY['a', 'b' || g], 'old'"
                        + " FROM generate_series(1, 500) g",
                "CREATE TABLE audit (id bigserial PRIMARY KEY, msg text)",
                "INSERT INTO audit (msg) SELECT 'event ' || g FROM generate_series(1, 50) g");
        Path lake = dir.resolve("lake");
        Path pipeline = servers.pipeline(dir, "pg-lake", source, "[\"public.*\"]",
                "sink:\n  type: iceberg\n  warehouse: " + lake + "\n  commit-interval: 1s\n");

        new SchemaChangeScenario(dir, pipeline, sql -> servers.execute(source, sql.toArray(String[]::new)))
                .run(List.of(
                        Phase.running("updates and deletes",
                                "UPDATE items SET title = title || '!', price = price + 1 WHERE id % 3 = 0",
                                "DELETE FROM items WHERE id % 7 = 0",
                                "UPDATE items SET id = id + 1000 WHERE id = 1"),
                        Phase.down("added columns and more changes while down",
                                "ALTER TABLE items ADD COLUMN note text",
                                "ALTER TABLE items ADD COLUMN qty int NOT NULL DEFAULT 7",
                                "UPDATE items SET note = 'n' || id WHERE id % 5 = 0",
                                "DELETE FROM items WHERE id BETWEEN 100 AND 120"),
                        Phase.running("rename and drop",
                                "ALTER TABLE items RENAME COLUMN title TO name",
                                "ALTER TABLE items DROP COLUMN legacy",
                                "UPDATE items SET name = name || '?' WHERE id % 11 = 0",
                                "INSERT INTO items (id, name, code, n, price, ratio) VALUES (2000, 'renamed', 'x', 1, 1, 1)"),
                        Phase.down("widenings Iceberg promotes, while down",
                                "ALTER TABLE items ALTER COLUMN code TYPE varchar(200)",
                                "UPDATE items SET code = repeat('x', 150) WHERE id = 2",
                                "ALTER TABLE items ALTER COLUMN n TYPE bigint",
                                "UPDATE items SET n = 5000000000 WHERE id = 3",
                                "ALTER TABLE items ALTER COLUMN price TYPE numeric(14,2)",
                                "UPDATE items SET price = 123456789012.34 WHERE id = 4",
                                "ALTER TABLE items ALTER COLUMN ratio TYPE double precision",
                                "UPDATE items SET ratio = 0.1 WHERE id = 5"),
                        Phase.running("a truncate and a new table",
                                "TRUNCATE audit",
                                "INSERT INTO audit (msg) VALUES ('after truncate')",
                                "CREATE TABLE shipments (id int PRIMARY KEY, carrier text)",
                                "INSERT INTO shipments SELECT g, 'dhl' FROM generate_series(1, 40) g",
                                "DELETE FROM shipments WHERE id > 30")));

        IcebergTarget target = new IcebergTarget(lake.toString());
        List<List<Object>> items = target.rows("public", "items", "id");
        Set<Object> keys = new HashSet<>();
        for (List<Object> r : items) {
            assertThat(keys.add(r.get(0))).as("key %s is there once", r.get(0)).isTrue();
        }
        assertThat(items).hasSize((int) servers.queryLong(source, "SELECT count(*) FROM items"));
        assertThat(keys).doesNotContain(7, 110, 1).contains(1001, 2000);
        assertThat(target.rows("public", "audit", "msg")).containsExactly(List.of("after truncate"));
        assertThat(target.table("public", "items").currentSnapshot().summary())
                .containsKey("ferry.offsets.pg-lake.public.items");
    }
}
