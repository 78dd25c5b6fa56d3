package io.ferry.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SourceConfig.SnapshotMode;
import io.ferry.core.schema.SchemaDiff;
import io.ferry.core.schema.TypeChange;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each kind of DDL, made while the capture streams and followed by one insert, reaches the handler as a new schema
 * version whose {@link SchemaDiff} names the change; the changes that give existing rows new values are followed by
 * a backfill of the rows as the source holds them, those that do not are not.
 */
class SchemaChangesInTheStreamTest {

    private static final PostgresTestServer PG = PostgresTestServer.shared();
    private static final String SLOT = "ddl_matrix_slot";
    private static final Map<String, String[]> CASES = new java.util.LinkedHashMap<>();
    private static Capture capture;

    static {
        CASES.put("ddl_add_null", new String[] {"v int", "ADD COLUMN x int", "1, 2"});
        CASES.put("ddl_add_const", new String[] {"v int", "ADD COLUMN x int NOT NULL DEFAULT 42", "1, 2"});
        CASES.put("ddl_drop", new String[] {"v int, w int", "DROP COLUMN w", "1"});
        CASES.put("ddl_rename", new String[] {"v int", "RENAME COLUMN v TO v2", "1"});
        CASES.put("ddl_varchar", new String[] {"v varchar(50)", "ALTER COLUMN v TYPE varchar(200)",
            "'" + "x".repeat(150) + "'"});
        CASES.put("ddl_bigint", new String[] {"v int", "ALTER COLUMN v TYPE bigint", "9000000000"});
        CASES.put("ddl_numeric", new String[] {"v numeric(10,2)", "ALTER COLUMN v TYPE numeric(14,4)", "1.2345"});
        CASES.put("ddl_double", new String[] {"v real", "ALTER COLUMN v TYPE double precision", "0.1"});
        CASES.put("ddl_to_text", new String[] {"v int", "ALTER COLUMN v TYPE text", "'text now'"});
        CASES.put("ddl_key", new String[] {"v int NOT NULL", "DROP CONSTRAINT ddl_key_pkey, ADD PRIMARY KEY (id, v)",
            "1"});
    }

    @BeforeAll
    static void streamAndAlter() {
        PG.dropSlot(SLOT);
        CASES.forEach((table, c) -> PG.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, " + c[0] + ")"));
        PG.execute("INSERT INTO ddl_add_null VALUES (1, 1)", "INSERT INTO ddl_add_const VALUES (1, 1)",
                "INSERT INTO ddl_drop VALUES (1, 1, 1)", "INSERT INTO ddl_rename VALUES (1, 1)",
                "INSERT INTO ddl_varchar VALUES (1, 'short')", "INSERT INTO ddl_bigint VALUES (1, 7)",
                "INSERT INTO ddl_numeric VALUES (1, 1.5)", "INSERT INTO ddl_double VALUES (1, 0.1)",
                "INSERT INTO ddl_to_text VALUES (1, 12)", "INSERT INTO ddl_key VALUES (1, 1)");
        capture = Capture.start(new PostgresSource(PG.sourceConfig(List.of("ddl_*"), SnapshotMode.INITIAL), SLOT),
                Map.of(), true);
        await().atMost(Duration.ofSeconds(30)).until(() -> capture.handler.changes.size() == CASES.size()
                || capture.failure() != null);
        CASES.forEach((table, c) -> PG.execute("ALTER TABLE " + table + " " + c[1],
                "INSERT INTO " + table + " VALUES (2, " + c[2] + ")"));
        await().atMost(Duration.ofSeconds(30)).until(() -> capture.failure() != null || CASES.keySet().stream()
                .allMatch(t -> capture.handler.changesOf(t).stream().anyMatch(e -> e.op() == Operation.CREATE)));
        assertThat(capture.failure()).isNull();
    }

    @AfterAll
    static void stop() throws Exception {
        capture.close();
        PG.dropSlot(SLOT);
    }

    /** The table's snapshot schema, its schema after the DDL, and the events handed over after the DDL. */
    private record Outcome(TableSchema before, TableSchema after, SchemaDiff diff, List<ChangeEvent> backfill,
                           ChangeEvent insert) {
    }

    private static Outcome outcome(String table) {
        List<ChangeEvent> events = capture.handler.changesOf(table);
        TableSchema before = events.get(0).schema();
        ChangeEvent insert = events.get(events.size() - 1);
        assertThat(insert.op()).isEqualTo(Operation.CREATE);
        return new Outcome(before, insert.schema(), SchemaDiff.between(before, insert.schema()),
                events.subList(1, events.size() - 1), insert);
    }

    @Test
    void addingANullableColumnReadsTheRowsAgainWithNull() {
        Outcome o = outcome("ddl_add_null");
        assertThat(o.diff().changes()).hasOnlyElementsOfType(SchemaDiff.Added.class).hasSize(1);
        assertThat(o.backfill()).extracting(e -> java.util.Arrays.asList(e.after()))
                .contains(java.util.Arrays.asList(1, 1, null));
    }

    @Test
    void addingANotNullColumnWithAConstantDefaultBackfillsTheDefault() {
        Outcome o = outcome("ddl_add_const");
        assertThat(o.after().columns().get(2).nullable()).isFalse();
        assertThat(o.backfill()).allMatch(e -> e.op() == Operation.READ)
                .extracting(e -> List.of(e.after())).contains(List.of(1, 1, 42));
    }

    @Test
    void droppingAColumnNeedsNoBackfill() {
        Outcome o = outcome("ddl_drop");
        assertThat(o.diff().changes()).singleElement().isInstanceOf(SchemaDiff.Dropped.class);
        assertThat(o.backfill()).isEmpty();
        assertThat(o.insert().after()).containsExactly(2, 1);
    }

    @Test
    void renamingAColumnIsARenameOfTheSameAttnum() {
        Outcome o = outcome("ddl_rename");
        assertThat(o.diff().changes()).singleElement().isInstanceOf(SchemaDiff.Renamed.class);
        assertThat(o.after().columns().get(1).id()).isEqualTo(o.before().columns().get(1).id()).isEqualTo(2);
        assertThat(o.backfill()).isEmpty();
    }

    @Test
    void wideningTypesAreWideningRetypesFollowedByTheRowsInTheirNewType() {
        for (String table : List.of("ddl_varchar", "ddl_bigint", "ddl_numeric", "ddl_double", "ddl_to_text")) {
            Outcome o = outcome(table);
            assertThat(o.diff().changes()).as(table).singleElement().isInstanceOfSatisfying(SchemaDiff.Retyped.class,
                    r -> assertThat(r.kind()).isEqualTo(TypeChange.WIDENING));
            assertThat(o.backfill()).as(table).isNotEmpty().allMatch(e -> e.op() == Operation.READ);
        }
        assertThat(row1(outcome("ddl_bigint"))).isEqualTo(7L);
        assertThat(row1(outcome("ddl_numeric"))).isEqualTo(new BigDecimal("1.5000"));
        // real 0.1 widened by PostgreSQL: the double nearest the float, as the server now stores it.
        assertThat(row1(outcome("ddl_double"))).isEqualTo((double) 0.1f);
        assertThat(row1(outcome("ddl_to_text"))).isEqualTo("12");
        assertThat(outcome("ddl_varchar").insert().after()[1]).isEqualTo("x".repeat(150));
    }

    @Test
    void aChangedPrimaryKeyIsPublishedWithoutBackfill() {
        Outcome o = outcome("ddl_key");
        assertThat(o.after().primaryKey()).containsExactly("id", "v");
        assertThat(o.diff().changes()).singleElement().isInstanceOf(SchemaDiff.KeyChanged.class);
        assertThat(o.backfill()).isEmpty();
    }

    private static Object row1(Outcome o) {
        return o.backfill().stream().filter(e -> e.after()[0].equals(1)).findFirst().orElseThrow().after()[1];
    }
}
