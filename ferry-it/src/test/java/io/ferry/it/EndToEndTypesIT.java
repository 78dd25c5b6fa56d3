package io.ferry.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.cli.PipelineRunner;
import io.ferry.core.config.PipelineConfigParser;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline with a PostgreSQL sink carries every type capture supports, from the snapshot and from the
 * stream (inserts, updates, a key change, deletes, a TRUNCATE, an ALTER TABLE ADD COLUMN, an update that
 * leaves a TOASTed value alone), into a second database: the real {@code ferry verify} says every table
 * matches, and so does a row-by-row comparison of PostgreSQL's own text form of each row.
 */
class EndToEndTypesIT {

    private static final String COLUMNS = "i2, i4, i8, num, num_any, f4, f8, b, t, vc, c, by, d, tm, ttz, ts, tstz,"
            + " iv, u, j, jb, m, arr_t, arr_i, ip, mo, dom, arr_num, arr_f8, arr_b, arr_by, arr_d, arr_tstz, arr_u,"
            + " arr_jb, arr_m, arr_iv, arr_ip";

    private static final String ROW_MAX = "32767, 2147483647, 9223372036854775807,"
            + " '123456789012345678901234567890.12345678901234567890', 'NaN', 'NaN', '-0.0', true,"
            + " 'emoji 😀 ünïcode', 'short', 'ab', '\\x00ff0001'::bytea, '0044-03-15 BC', '23:59:59.999999',"
            + " '13:45:06.123456+05:30', '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+05:30',"
            + " '1 year 2 months 3 days 04:05:06.000007', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',"
            + " '{\"k\": \"värde ☃\", \"n\": [1, 2.50]}', '{\"b\": 1, \"a\": \"x\"}', 'happy ☺',"
            + " ARRAY['a b', NULL, 'quo\"te', 'back\\slash', 'NULL', '', '{x,y}'], '{{1,2},{3,NULL}}',"
            + " '192.168.0.1/24', '12.34', 5,"
            + " '{1.50,NaN,-0.000000000001,NULL}', '{NaN,Infinity,-Infinity,1.5e300,-0}', '{true,false,NULL}',"
            + " ARRAY['\\x00ff'::bytea, ''::bytea, NULL], '{2024-02-29,infinity,-infinity}',"
            + " ARRAY['2024-02-29 12:34:56.789012+05:30'::timestamptz, '294276-12-31 23:59:59.999999+00'],"
            + " ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid], ARRAY['{\"a\": [1, \"x\"]}'::jsonb, 'null'],"
            + " ARRAY['happy ☺', 'sad']::mood[], ARRAY['1 day 00:00:00.000001'::interval, '-3 mons'],"
            + " ARRAY['10.0.0.1'::inet, '::1']";

    private static final String ROW_MIN = "-32768, -2147483648, -9223372036854775808, '-0.00000000000000000001',"
            + " '-Infinity', '-Infinity', 'Infinity', false, '', '', '', ''::bytea, 'infinity', '00:00:00',"
            + " '00:00:00-03', '4713-01-01 00:00:00 BC', '294276-12-31 23:59:59.999999+00', 'P0D', '00000000-0000-0000-0000-000000000000', 'null',"
            + " '[]', 'sad', '{}', '{}', '::1', '-0.01', 1,"
            + " '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}'";

    private static final String ROW_FLOATS = "0, 0, 0, '0', '1e-30', '3.4028235e38', '1.7976931348623157e308',"
            + " NULL, NULL, NULL, NULL, NULL, '2000-01-01', '24:00:00', '23:59:59.5+14', 'infinity',"
            + " '-infinity', '-1 days -00:00:01', NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
            + " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL";

    private static final String BIG_TEXT = "repeat(md5(%d::text), 1000)";

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
    void everyTypeAndEveryKindOfChangeArrivesInTheTargetExactly() throws Exception {
        String source = servers.createDatabase("e2e_source");
        String target = servers.createDatabase("e2e_target");
        createSourceTables(source);
        insertSnapshotRows(source);
        Path pipeline = servers.pipeline(dir, "e2e", source,
                "[public.types_t, public.docs, public.scratch, public.hosts, '\"Sales Dept.\".\"Order Items\"']",
                servers.sinkYaml(target));

        try (PipelineRunner runner = new PipelineRunner(new PipelineConfigParser().parse(pipeline),
                Duration.ofSeconds(30))) {
            runner.start();
            // The snapshot is in the target before the stream changes those rows.
            await().atMost(Duration.ofSeconds(60)).until(() -> runner.failureMessage() != null
                    || servers.queryLong(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'docs'") == 1
                    && servers.queryLong(target, "SELECT count(*) FROM public.docs") == 2);
            assertThat(runner.failureMessage()).isNull();

            streamChanges(source);

            FerryProcess.Result verify = FerryInProcess.run("verify", pipeline.toString(), "--timeout", "PT90S");
            assertThat(runner.failureMessage()).isNull();
            assertThat(verify.exitCode()).as(verify.output()).isZero();
            assertThat(verify.output())
                    .contains("public.types_t: match (8 rows")
                    .contains("public.docs: match (3 rows")
                    .contains("public.scratch: match (2 rows")
                    .contains("public.hosts: match (12,001 rows, 2 chunks)")
                    .contains("Sales Dept..Order Items: match (4 rows");
        }

        try (Connection s = servers.connect(source); Connection t = servers.connect(target)) {
            assertSame(s, t, "public.types_t", "public.types_t", "id");
            assertSame(s, t, "public.docs", "public.docs", "id");
            assertSame(s, t, "public.scratch", "public.scratch", "code COLLATE \"C\"");
            assertSame(s, t, "public.hosts", "public.hosts", "addr::text COLLATE \"C\", m::text COLLATE \"C\"");
            assertSame(s, t, "\"Sales Dept.\".\"Order Items\"", "public.\"Order Items\"", "\"Order ID\", line");
        }
        // The update of n left the TOASTed big column out of the change; the target kept it.
        assertThat(servers.queryLong(target, "SELECT count(*) FROM docs WHERE n = 2 AND length(big) = 32000"))
                .isEqualTo(3);
    }

    private static void assertSame(Connection source, Connection target, String sourceTable, String targetTable,
                                   String orderBy) throws Exception {
        var expected = RowImages.of(source, sourceTable, orderBy);
        var actual = RowImages.of(target, targetTable, orderBy);
        System.out.println(sourceTable + ": " + expected.size() + " rows, target rows equal: " + expected.equals(actual));
        assertThat(actual).as(targetTable).containsExactlyElementsOf(expected);
    }

    private static void createSourceTables(String db) {
        servers.execute(db,
                "CREATE TYPE mood AS ENUM ('sad', 'happy ☺')",
                "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
                "CREATE TABLE types_t (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, num numeric(50,20),"
                        + " num_any numeric, f4 real, f8 double precision, b boolean, t text, vc varchar(10),"
                        + " c char(5), by bytea, d date, tm time, ttz timetz, ts timestamp, tstz timestamptz,"
                        + " iv interval, u uuid, j json, jb jsonb, m mood, arr_t text[], arr_i int[][], ip inet,"
                        + " mo money, dom posint, arr_num numeric[], arr_f8 float8[], arr_b bool[], arr_by bytea[],"
                        + " arr_d date[], arr_tstz timestamptz[], arr_u uuid[], arr_jb jsonb[], arr_m mood[],"
                        + " arr_iv interval[], arr_ip inet[])",
                // Stored out of line and uncompressed: an update of n sends no value for big at all.
                "CREATE TABLE docs (id int PRIMARY KEY, big text, n int)",
                "ALTER TABLE docs ALTER COLUMN big SET STORAGE EXTERNAL",
                "CREATE TABLE scratch (code text PRIMARY KEY, n int)",
                // Keys of types the target holds as text, which sort differently there: inet and an enum.
                "CREATE TABLE hosts (addr inet, m mood, seen int, PRIMARY KEY (addr, m))",
                "CREATE SCHEMA \"Sales Dept.\"",
                "CREATE TABLE \"Sales Dept.\".\"Order Items\" (\"Order ID\" bigint, line int, \"select\" text,"
                        + " \"Prïs €\" numeric(12,2), \"user\" varchar(20), \"CamelCase\" boolean,"
                        + " PRIMARY KEY (\"Order ID\", line))");
    }

    private static void insertSnapshotRows(String db) {
        servers.execute(db,
                "INSERT INTO types_t (id, " + COLUMNS + ") VALUES (1, " + ROW_MAX + "), (2, " + ROW_MIN + "),"
                        + " (3, " + ROW_FLOATS + ")",
                "INSERT INTO types_t (id) VALUES (4)",
                "INSERT INTO docs VALUES (1, " + BIG_TEXT.formatted(1) + ", 1), (2, " + BIG_TEXT.formatted(2) + ", 1)",
                "INSERT INTO scratch VALUES ('b', 1), ('B', 2), ('ä', 3)",
                "INSERT INTO hosts SELECT ('10.0.' || g / 200 || '.' || g % 200)::inet,"
                        + " (ARRAY['sad', 'happy ☺'])[g % 2 + 1]::mood, g FROM generate_series(1, 12000) g",
                "INSERT INTO \"Sales Dept.\".\"Order Items\" VALUES (1, 1, 'from', 9.99, 'ann', true),"
                        + " (1, 2, NULL, 0.01, 'bob', false), (2, 1, 'where', 100.00, 'cé', NULL)");
    }

    private static void streamChanges(String db) {
        servers.execute(db,
                // Inserts of every type, in one transaction.
                "INSERT INTO types_t (id, " + COLUMNS + ") SELECT id + 10, " + COLUMNS + " FROM types_t",
                // Updates, a key change and a delete.
                "UPDATE types_t SET t = 'changed ✓', num_any = '-98765432109876543210987654321098765432109876543210"
                        + ".0000000000000000000000000000001', f4 = 'Infinity', arr_i = '{{9}}', m = 'sad',"
                        + " tstz = '2001-02-03 04:05:06.000001-07' WHERE id = 1",
                "UPDATE types_t SET id = 100 WHERE id = 2",
                "DELETE FROM types_t WHERE id = 3",
                // A schema change, then rows that use the new columns.
                "ALTER TABLE types_t ADD COLUMN added_note text, ADD COLUMN \"Added At\" timestamptz,"
                        + " ADD COLUMN added_tags mood[]",
                "UPDATE types_t SET added_note = 'after alter', \"Added At\" = '2024-06-01 00:00:00.5+02',"
                        + " added_tags = '{sad}' WHERE id = 11",
                "INSERT INTO types_t (id, i4, added_note) VALUES (50, 50, 'new row, new column')",
                // Unchanged TOASTed values (rows from the snapshot and from the stream).
                "INSERT INTO docs VALUES (3, " + BIG_TEXT.formatted(3) + ", 1)",
                "UPDATE docs SET n = 2",
                // A truncate, and new rows after it.
                "TRUNCATE scratch",
                "INSERT INTO scratch VALUES ('a', 10), ('Z', 11)",
                "INSERT INTO hosts VALUES ('::1', 'sad', 0)",
                "UPDATE hosts SET seen = -seen WHERE seen % 997 = 0",
                // Quoted, reserved and unicode identifiers in a quoted schema.
                "INSERT INTO \"Sales Dept.\".\"Order Items\" VALUES (3, 1, 'group', 1234567890.12, 'dé', true),"
                        + " (2, 2, 'order', NULL, NULL, false)",
                "UPDATE \"Sales Dept.\".\"Order Items\" SET \"Prïs €\" = 10.50, \"select\" = 'by' WHERE \"Order ID\" = 1"
                        + " AND line = 1",
                "DELETE FROM \"Sales Dept.\".\"Order Items\" WHERE \"Order ID\" = 1 AND line = 2");
    }
}
