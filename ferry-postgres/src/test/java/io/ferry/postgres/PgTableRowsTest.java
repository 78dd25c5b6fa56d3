package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.Secret;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.verify.TableDiff;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL row reader of {@code ferry verify}: a source table and a copy whose column types differ (enum
 * held as text, numeric without scale, json instead of jsonb) compare equal through the normalized rows, and a
 * tampered copy is named key by key.
 */
class PgTableRowsTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();

    private static SinkConfig target() {
        return new SinkConfig("postgres", PG.host(), PG.port(), PostgresTestServer.DATABASE, PostgresTestServer.USER,
                new Secret(PostgresTestServer.PASSWORD), "vr_replica", true, SinkConfig.OnError.STOP);
    }

    private static TableSchema describe(String table) {
        try (PostgresSource s = new PostgresSource(PG.sourceConfig(List.of(table), SnapshotMode.NEVER), "vr_slot")) {
            return s.describeTables().get(0);
        }
    }

    @Test
    void aCopyWithOtherColumnTypesMatchesAndTamperingIsNamed() {
        PG.execute("DROP SCHEMA IF EXISTS vr_replica CASCADE", "DROP TABLE IF EXISTS vr_t",
                "DROP TYPE IF EXISTS vr_mood", "CREATE SCHEMA vr_replica",
                "CREATE TYPE vr_mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE TABLE vr_t (name text, n int, mood vr_mood, amount numeric(12,3), at timestamptz,"
                        + " doc jsonb, data bytea, tags text[], PRIMARY KEY (name, n))",
                "INSERT INTO vr_t SELECT (ARRAY['a','B','é','Z','😀','ab'])[g % 6 + 1], g,"
                        + " (ARRAY['sad','ok','happy'])[g % 3 + 1]::vr_mood, g / 7.0, '2024-01-01'::timestamptz"
                        + " + g * interval '1 second', jsonb_build_object('g', g, 'name', 'x' || g),"
                        + " decode(md5(g::text), 'hex'), ARRAY['t' || g, NULL] FROM generate_series(1, 12000) g",
                "CREATE TABLE vr_replica.vr_t (name text, n int, mood text, amount numeric, at timestamptz,"
                        + " doc json, data bytea, tags text[], PRIMARY KEY (name, n))",
                "INSERT INTO vr_replica.vr_t SELECT name, n, mood::text, amount::numeric(20,8),"
                        + " at, ('{ \"name\" : ' || to_json(doc->>'name') || ', \"g\": ' || (doc->>'g') || '.0 }')::json,"
                        + " data, tags FROM vr_t");
        TableSchema schema = describe("vr_t");
        assertThat(schema.columns().get(2).type().kind()).isEqualTo(TypeKind.ENUM);
        try (PostgresRows source = PostgresRows.source(PG.sourceConfig(List.of("vr_t"), SnapshotMode.NEVER));
             PostgresRows target = PostgresRows.target(target())) {
            TableDiff diff = new TableDiff(schema, 5000, 20);
            TableDiff.Result same = diff.compare(source.rows(schema), target.rows(schema));
            assertThat(same.matches()).as("%s", same).isTrue();
            assertThat(same.sourceRows()).isEqualTo(12000);
            assertThat(same.chunks()).isEqualTo(3);

            List<Object[]> first = source.rows(schema).rows(null, null, 2);
            assertThat(first.get(0)[0]).isEqualTo("B");   // code point order: 'B' before 'a'
            assertThat(first.get(0)[3]).isInstanceOf(BigDecimal.class);
            assertThat(first.get(0)[4]).isInstanceOf(Instant.class);
            assertThat(first.get(0)[7]).isInstanceOf(List.class);

            PG.execute("UPDATE vr_replica.vr_t SET amount = amount + 0.001 WHERE name = 'é' AND n = 1004",
                    "DELETE FROM vr_replica.vr_t WHERE name = '😀' AND n = 4",
                    "INSERT INTO vr_replica.vr_t VALUES ('zz', 1, 'ok', 1, now(), '{}', '\\x00', '{}')");
            TableDiff.Result r = diff.compare(source.rows(schema), target.rows(schema));
            assertThat(r.matches()).isFalse();
            assertThat(r.sourceRows()).isEqualTo(12000);
            assertThat(r.targetRows()).isEqualTo(12000);
            assertThat(r.differences()).extracting(TableDiff.Difference::key)
                    .containsExactlyInAnyOrder("'é', 1004", "'😀', 4", "'zz', 1");
            TableDiff.Difference changed = r.differences().stream().filter(d -> d.key().equals("'é', 1004"))
                    .findFirst().orElseThrow();
            assertThat(changed.sourceRow()).contains("143.429");
            assertThat(changed.targetRow()).contains("143.43000000");
        }
    }

    @Test
    void anIntervalTargetColumnHoldingAMySqlTimeReadsAsDurationToTheMicrosecond() {
        PG.execute("DROP SCHEMA IF EXISTS vr_replica CASCADE", "CREATE SCHEMA vr_replica",
                "CREATE TABLE vr_replica.vr_durations (id int PRIMARY KEY, d interval)",
                "INSERT INTO vr_replica.vr_durations VALUES (1, '838:59:59.999999'), (2, '-838:59:59.999999'),"
                        + " (3, '-12:00:00'), (4, '0'), (5, '-00:00:00.000001'), (6, NULL)");
        // The schema a MySQL source published: TIME is a DURATION there.
        TableSchema schema = new TableSchema(new io.ferry.core.TableId("shop", "vr_durations"), 1, List.of(
                new io.ferry.core.Column("id", io.ferry.core.ColumnType.of(TypeKind.INT32, "int"), false),
                new io.ferry.core.Column("d", io.ferry.core.ColumnType.of(TypeKind.DURATION, "time(6)"), true)),
                List.of("id"));
        try (PostgresRows target = PostgresRows.target(target())) {
            List<Object[]> rows = target.rows(schema).rows(null, null, 10);
            assertThat(rows).extracting(r -> r[1]).containsExactly(
                    java.time.Duration.parse("PT838H59M59.999999S"), java.time.Duration.parse("-PT838H59M59.999999S"),
                    java.time.Duration.ofHours(-12), java.time.Duration.ZERO, java.time.Duration.ofNanos(-1000), null);
        }
    }
}
