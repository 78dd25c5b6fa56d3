package io.ferry.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.Secret;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.verify.RowSource;
import io.ferry.core.verify.TableDiff;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import io.ferry.mysql.MySqlTestServer.Flavor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MySQL row reader of {@code ferry verify}, against a real MariaDB: a source table and a copy in another
 * database with other column types compare equal; tampering is named by key; and a copy of a PostgreSQL table
 * (uuid, boolean, timestamptz held as MySQL types) reads back as the PostgreSQL source's kinds.
 */
@ParameterizedClass
@EnumSource(Flavor.class)
class MySqlTableRowsTest {

    private final MySqlTestServer db;

    MySqlTableRowsTest(Flavor flavor) {
        db = MySqlTestServer.shared(flavor);
    }
    private static final String TARGET_DB = "ferry_verify_target";

    private SinkConfig target() {
        return new SinkConfig("mysql", db.host(), db.port(), TARGET_DB, MySqlTestServer.USER,
                new Secret(MySqlTestServer.PASSWORD), null, true, SinkConfig.OnError.STOP);
    }

    private void createTargetDatabase() {
        db.executeAsAdmin("DROP DATABASE IF EXISTS " + TARGET_DB, "CREATE DATABASE " + TARGET_DB);
        db.grantAllOn(TARGET_DB, MySqlTestServer.USER);
    }

    @Test
    void aCopyWithOtherColumnTypesMatchesAndTamperingIsNamed() {
        createTargetDatabase();
        db.execute("DROP TABLE IF EXISTS vr_t",
                "CREATE TABLE vr_t (name varchar(20) COLLATE utf8mb4_unicode_ci, n int, big bigint unsigned,"
                        + " amount decimal(12,3), at datetime(6), ts timestamp(6) NULL, doc json, data blob,"
                        + " mood enum('sad','ok','happy'), y year, PRIMARY KEY (name, n))",
                db.allowRecursion(100_000),
                "INSERT INTO vr_t WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 9000)"
                        + " SELECT ELT(i % 5 + 1, 'a', 'B', 'é', 'Z', '😀'), i, 18446744073709551615 - i, i / 7,"
                        + " TIMESTAMP'2024-01-01 00:00:00' + INTERVAL i SECOND + INTERVAL 123456 MICROSECOND,"
                        + " TIMESTAMP'2024-06-01 00:00:00' + INTERVAL i MINUTE, JSON_OBJECT('g', i, 'name', CONCAT('x', i)),"
                        + " UNHEX(MD5(i)), ELT(i % 3 + 1, 'sad', 'ok', 'happy'), 1990 + i % 30 FROM g",
                "CREATE TABLE " + TARGET_DB + ".vr_t (name varchar(20) COLLATE utf8mb4_bin, n bigint,"
                        + " big decimal(20,0), amount decimal(30,8), at datetime(6), ts timestamp(6) NULL,"
                        + " doc longtext, data longblob, mood varchar(10), y year, PRIMARY KEY (name, n))",
                "INSERT INTO " + TARGET_DB + ".vr_t SELECT name, n, big, amount, at, ts,"
                        + " CONCAT('{\"name\": \"', JSON_UNQUOTE(JSON_EXTRACT(doc, '$.name')), '\", \"g\": ', JSON_EXTRACT(doc, '$.g'), '.0}'), data, mood, y"
                        + " FROM vr_t");
        try (MySqlRows source = MySqlRows.source(db.sourceConfig(List.of("vr_t"), SnapshotMode.NEVER));
             MySqlRows target = MySqlRows.target(target())) {
            List<TableSchema> tables = source.describeTables();
            assertThat(tables).hasSize(1);
            TableSchema schema = tables.get(0);
            TableDiff diff = new TableDiff(schema, 4000, 20);
            TableDiff.Result same = diff.compare(source.rows(schema), target.rows(schema));
            assertThat(same.matches()).as("%s", same).isTrue();
            assertThat(same.sourceRows()).isEqualTo(9000);
            assertThat(same.chunks()).isEqualTo(3);

            List<Object[]> first = source.rows(schema).rows(null, null, 1);
            assertThat(first.get(0)[0]).isEqualTo("B");   // binary order, though the column's collation says 'a' first
            assertThat(first.get(0)[2]).isInstanceOf(BigDecimal.class);
            assertThat(first.get(0)[5]).isInstanceOf(Instant.class);

            db.execute("UPDATE " + TARGET_DB + ".vr_t SET amount = amount + 0.001 WHERE name = 'é' AND n = 1002",
                    "DELETE FROM " + TARGET_DB + ".vr_t WHERE name = '😀' AND n = 4",
                    "INSERT INTO " + TARGET_DB + ".vr_t VALUES ('A', 1, 1, 1, NULL, NULL, '{}', '', 'ok', 2000)");
            TableDiff.Result r = diff.compare(source.rows(schema), target.rows(schema));
            assertThat(r.matches()).isFalse();
            assertThat(r.sourceRows()).isEqualTo(9000);
            assertThat(r.targetRows()).isEqualTo(9000);
            assertThat(r.differences()).extracting(TableDiff.Difference::key)
                    .containsExactlyInAnyOrder("'é', 1002", "'😀', 4", "'A', 1");
            TableDiff.Difference changed = r.differences().stream().filter(d -> d.key().equals("'é', 1002"))
                    .findFirst().orElseThrow();
            assertThat(changed.sourceRow()).contains("143.143");
            assertThat(changed.targetRow()).contains("143.14400000");
        }
    }

    @Test
    void aCopyOfAPostgresTableReadsAsThePostgresKinds() {
        createTargetDatabase();
        db.execute("CREATE TABLE " + TARGET_DB + ".accounts (id char(36), flag tinyint(1), at datetime(6),"
                        + " price decimal(20,4), note text, PRIMARY KEY (id))",
                "INSERT INTO " + TARGET_DB + ".accounts VALUES"
                        + " ('0b6c3f8e-6b1a-4c55-9f0e-2f3c1d9a7b10', 1, '2024-03-01 12:00:00.5', 10.5, 'x'),"
                        + " ('f0000000-0000-4000-8000-000000000001', 0, NULL, 2, NULL),"
                        + " ('8a000000-0000-4000-8000-000000000002', 1, '1999-12-31 23:59:59', 0, 'ü')");
        TableSchema pg = new TableSchema(new TableId("public", "accounts"), 1, List.of(
                new Column("id", ColumnType.of(TypeKind.UUID, "uuid"), false),
                new Column("flag", ColumnType.of(TypeKind.BOOLEAN, "boolean"), true),
                new Column("at", ColumnType.of(TypeKind.TIMESTAMPTZ, "timestamp with time zone"), true),
                new Column("price", ColumnType.of(TypeKind.DECIMAL, "numeric"), true),
                new Column("note", ColumnType.of(TypeKind.TEXT, "text"), true)), List.of("id"));
        List<Object[]> pgRows = new ArrayList<>(List.of(
                new Object[] {UUID.fromString("0b6c3f8e-6b1a-4c55-9f0e-2f3c1d9a7b10"), true,
                        Instant.parse("2024-03-01T12:00:00.5Z"), new BigDecimal("10.50"), "x"},
                new Object[] {UUID.fromString("8a000000-0000-4000-8000-000000000002"), true,
                        Instant.parse("1999-12-31T23:59:59Z"), BigDecimal.ZERO, "ü"},
                new Object[] {UUID.fromString("f0000000-0000-4000-8000-000000000001"), false, null,
                        new BigDecimal("2"), null}));
        // what a PostgreSQL reader gives, in key order (uuid text order)
        RowSource source = (after, through, limit) -> after == null ? pgRows : List.of();
        try (MySqlRows target = MySqlRows.target(target())) {
            RowSource rows = target.rows(pg);
            List<Object[]> read = rows.rows(null, null, 10);
            assertThat(read).hasSize(3);
            assertThat(read.get(0)[0]).isInstanceOf(UUID.class);
            assertThat(read.get(0)[1]).isEqualTo(true);
            assertThat(read.get(0)[2]).isEqualTo(Instant.parse("2024-03-01T12:00:00.5Z"));
            assertThat(rows.rows(new Object[] {UUID.fromString("8a000000-0000-4000-8000-000000000002")}, null, 10))
                    .hasSize(1);
            TableDiff.Result r = new TableDiff(pg, 2, 20).compare(source, rows);
            assertThat(r.matches()).as("%s", r).isTrue();
            pgRows.set(1, new Object[] {pgRows.get(1)[0], false, pgRows.get(1)[2], BigDecimal.ZERO, "ü"});
            r = new TableDiff(pg, 2, 20).compare(source, rows);
            assertThat(r.differences()).extracting(TableDiff.Difference::key)
                    .containsExactly("'8a000000-0000-4000-8000-000000000002'");
        }
    }
}
