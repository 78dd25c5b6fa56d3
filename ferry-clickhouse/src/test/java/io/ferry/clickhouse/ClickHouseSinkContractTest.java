package io.ferry.clickhouse;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.truncate;
import static io.ferry.core.apply.Events.update;
import static io.ferry.core.apply.Events.updateKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaHistory;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sink contract the JDBC sinks meet ({@code JdbcSinkContract}), against a real ClickHouse server, plus what
 * only a versioned, transaction-less target needs: replays after a crash between rows and offsets converge, and a
 * replayed change never wins over a newer one.
 */
class ClickHouseSinkContractTest {

    static final ClickHouseTestServer CH = ClickHouseTestServer.shared();
    private static final Object U = ChangeEvent.UNCHANGED;
    static final TableSchema ITEMS = table("items", 1, col("id", TypeKind.INT64, "bigint"),
            col("name", TypeKind.TEXT, "varchar(50)"), col("doc", TypeKind.TEXT, "text"));

    String database;
    Sink sink;

    @BeforeEach
    void open() {
        database = CH.freshDatabase();
        sink = new ClickHouseConnector().sink(CH.config(database));
    }

    @AfterEach
    void close() {
        sink.close();
    }

    /** The event as the applier hands it over: its position names the Kafka record it came from. */
    static ChangeEvent at(long offset, ChangeEvent e) {
        SourcePosition p = out -> {
            out.put("topic", "t");
            out.put("partition", 0);
            out.put("offset", offset);
        };
        return new ChangeEvent(e.op(), e.schema(), e.before(), e.after(), p, e.txId(), e.commitMicros());
    }

    List<List<String>> rows() {
        return CH.query("SELECT id, name, doc FROM " + database + ".items FINAL WHERE _ferry_deleted = 0 ORDER BY id");
    }

    static List<String> row(Object... values) {
        List<String> out = new ArrayList<>();
        for (Object v : values) {
            out.add(v == null ? null : v.toString());
        }
        return out;
    }

    @Test
    void aTableIsCreatedWithAwkwardIdentifiersSpelledExactly() {
        List<Column> columns = List.of(col("id", TypeKind.INT32, "integer"), col("Select", TypeKind.TEXT, "text"),
                col("my col", TypeKind.TEXT, "text"), col("say \"hi\" `x` \\", TypeKind.TEXT, "text"),
                col("ünïcødé ✓", TypeKind.TEXT, "text"), col("UPPER", TypeKind.TEXT, "text"),
                col("partition", TypeKind.TEXT, "text"));
        TableSchema awkward = new TableSchema(new TableId("Sales Dept", "Order \"Items\" `2024` ü"), 1, columns,
                List.of("id", "UPPER"));

        sink.ensureTable(awkward, SchemaHistory.NONE);
        sink.apply(List.of(insert(awkward, 1, "s", "m", "q", "u", "K", "p")), List.of());

        assertThat(CH.query("SELECT name, is_in_sorting_key FROM system.columns WHERE database = '" + database
                + "' AND table = 'Order \"Items\" \\`2024\\` ü'")).containsExactly(row("id", 1), row("Select", 0),
                row("my col", 0), row("say \"hi\" `x` \\", 0), row("ünïcødé ✓", 0), row("UPPER", 1),
                row("partition", 0), row("_ferry_version", 0), row("_ferry_deleted", 0));
        assertThat(CH.query("SELECT id, `Select`, `my col`, `say \"hi\" \\`x\\` \\\\`, `ünïcødé ✓`, UPPER,"
                + " `partition` FROM " + database + ".`Order \"Items\" \\`2024\\` ü` FINAL"))
                .containsExactly(row(1, "s", "m", "q", "u", "K", "p"));
    }

    @Test
    void anUpsertUpdatesTheExistingRowAndADeleteRemovesByKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x"), insert(ITEMS, 2L, "b", "y"), insert(ITEMS, 3L, "c", "z")),
                List.of());
        sink.apply(List.of(update(ITEMS, 1L, "a2", "x2"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(row(1, "a2", "x2"), row(3, "c", "z"));
        assertThat(CH.query("SELECT count() FROM " + database + ".items FINAL WHERE _ferry_deleted = 1"))
                .containsExactly(row(1));
    }

    @Test
    void aKeyChangeDeletesTheOldKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());

        sink.apply(List.of(updateKey(ITEMS, new Object[] {1L, "a", "x"}, new Object[] {7L, "a", "x"})), List.of());

        assertThat(rows()).containsExactly(row(7, "a", "x"));
    }

    @Test
    void aTruncateEmptiesTheTableInOrderWithTheRowsAroundIt() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        sink.apply(List.of(insert(ITEMS, 2L, "b", "y"), truncate(ITEMS), insert(ITEMS, 3L, "c", "z")), List.of());

        assertThat(rows()).containsExactly(row(3, "c", "z"));
    }

    @Test
    void aNewSchemaVersionAddsItsColumnsAndKeepsTheRows() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        TableSchema v2 = table("items", 2, col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "varchar(50)"),
                col("doc", TypeKind.TEXT, "text"), col("price", TypeKind.DECIMAL, "numeric(10,2)"));

        sink.apply(List.of(insert(v2, 2L, "b", "y", new BigDecimal("9.90"))), List.of());

        assertThat(CH.query("SELECT id, price, toTypeName(price) FROM " + database + ".items FINAL ORDER BY id"))
                .containsExactly(row(1, null, "Nullable(Decimal(10, 2))"), row(2, "9.90", "Nullable(Decimal(10, 2))"));
    }

    @Test
    void anUnchangedValueKeepsItsOldTargetValue() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "large toasted document")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "renamed", U), update(ITEMS, 2L, "new row", U)), List.of());

        assertThat(rows()).containsExactly(row(1, "renamed", "large toasted document"), row(2, "new row", null));
    }

    @Test
    void severalEventsForOneKeyInOneBatchEndInTheFinalState() {
        sink.apply(List.of(insert(ITEMS, 1L, "old", "old")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "u1", "d1"), delete(ITEMS, 1L, null, null), insert(ITEMS, 1L, "i2", U),
                update(ITEMS, 1L, "u3", U), insert(ITEMS, 2L, "x", "x"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(row(1, "u3", null));
    }

    @Test
    void textKeysDifferingOnlyInCaseOrTrailingSpaceAreDistinctRows() {
        TableSchema words = table("words", 1, col("w", TypeKind.TEXT, "text"), col("n", TypeKind.INT32, "integer"));

        sink.apply(List.of(insert(words, "a", 1), insert(words, "A", 2), insert(words, "a ", 3)), List.of());

        assertThat(CH.query("SELECT n FROM " + database + ".words FINAL ORDER BY n")).containsExactly(row(1), row(2),
                row(3));
    }

    @Test
    void aLongRandomHistoryConvergesToWhatApplyingEventsOneByOneGives() {
        Random random = new Random(42);
        Map<Long, Object[]> expected = new LinkedHashMap<>();
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            long id = random.nextInt(300);
            int op = random.nextInt(10);
            if (op < 2) {
                events.add(at(i, delete(ITEMS, id, null, null)));
                expected.remove(id);
            } else {
                Object doc = op < 5 ? U : "doc " + i;
                events.add(at(i, update(ITEMS, id, "name " + i, doc)));
                Object[] old = expected.get(id);
                expected.put(id, new Object[] {id, "name " + i, doc == U ? (old == null ? null : old[2]) : doc});
            }
        }
        for (int from = 0; from < events.size(); from += 700) {
            sink.apply(events.subList(from, Math.min(events.size(), from + 700)), List.of());
        }

        List<List<String>> want = new ArrayList<>();
        expected.values().stream().sorted((a, b) -> Long.compare((Long) a[0], (Long) b[0]))
                .forEach(r -> want.add(row(r)));
        assertThat(rows()).isEqualTo(want);
    }

    @Test
    void aBatchReplayedAfterACrashBeforeItsOffsetsConvergesWithoutDuplicates() {
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long id = i % 50;
            events.add(at(100 + i, i % 7 == 6 ? delete(ITEMS, id, null, null) : update(ITEMS, id, "v" + i, "d" + i)));
        }
        // The crashed run: its rows reached ClickHouse, its offsets did not.
        sink.apply(events, List.of());
        List<List<String>> crashed = rows();

        // The restart reads the old offsets and replays the same records, cut into other batches.
        assertThat(sink.storedOffsets("t")).isEmpty();
        sink.apply(events.subList(0, 120), List.of(new OffsetUpdate("t", 0, -1, 220)));
        sink.apply(events.subList(120, 300), List.of(new OffsetUpdate("t", 0, 220, 400)));

        assertThat(rows()).isEqualTo(crashed);
        assertThat(CH.query("SELECT count(), uniqExact(id) FROM " + database + ".items FINAL"))
                .containsExactly(row(50, 50));
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 400L));
    }

    @Test
    void aReplayedOlderChangeNeverWinsOverANewerOne() {
        sink.apply(List.of(at(5, insert(ITEMS, 1L, "old", "old")), at(9, update(ITEMS, 1L, "new", "new")),
                at(6, insert(ITEMS, 2L, "kept", "kept")), at(8, delete(ITEMS, 2L, null, null))), List.of());

        sink.apply(List.of(at(5, insert(ITEMS, 1L, "old", "old")), at(6, insert(ITEMS, 2L, "kept", "kept"))),
                List.of());
        CH.execute("OPTIMIZE TABLE " + database + ".items FINAL");

        assertThat(rows()).containsExactly(row(1, "new", "new"));
    }

    @Test
    void offsetsAreStoredWithTheRowsAndReadBack() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", null)), List.of(new OffsetUpdate("t", 0, -1, 10),
                new OffsetUpdate("t", 1, -1, 5), new OffsetUpdate("other", 0, -1, 7)));
        sink.apply(List.of(insert(ITEMS, 2L, "b", null)), List.of(new OffsetUpdate("t", 0, 10, 11)));
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 1, 5, 5)));

        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 11L, 1, 5L));
        assertThat(sink.storedOffsets("unknown")).isEmpty();
        assertThat(rows()).hasSize(2);
    }

    @Test
    void aStaleExpectedOffsetThrowsPartitionLostAndWritesNothing() {
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 1L, "a", null)), List.of(
                new OffsetUpdate("t", 1, -1, 3), new OffsetUpdate("t", 0, 7, 12))))
                .isInstanceOf(Sink.PartitionLostException.class).hasMessageContaining("t/0");

        assertThat(rows()).isEmpty();
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void expectingNoOffsetWhenOneIsStoredThrowsPartitionLost() {
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 1L, "a", null)),
                List.of(new OffsetUpdate("t", 0, -1, 4))))
                .isInstanceOf(Sink.PartitionLostException.class);
        assertThat(rows()).isEmpty();
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void aValueTheColumnCannotHoldIsRejectedWithItsIndexAndNothingIsWritten() {
        TableSchema days = table("days", 1, col("id", TypeKind.INT32, "integer"), col("d", TypeKind.DATE, "date"),
                col("price", TypeKind.DECIMAL, "numeric(5,2)"));
        List<ChangeEvent> batch = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            batch.add(insert(days, i, i == 2345 ? LocalDate.of(1969, 12, 31) : LocalDate.of(2024, 1, 1),
                    new BigDecimal("1.25")));
        }

        assertThatThrownBy(() -> sink.apply(batch, List.of(new OffsetUpdate("t", 0, -1, 3000))))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(2345);
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.getMessage()).contains("#2345", database + ".days", "{id=2345}", "1969-12-31");
                });
        assertThatThrownBy(() -> sink.apply(List.of(insert(days, 1, null, new BigDecimal("1234.5"))), List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class,
                        e -> assertThat(e.getMessage()).contains("1234.5", "Decimal(5, 2)"));
        assertThatThrownBy(() -> sink.apply(List.of(insert(days, 1, null, "NaN")), List.of()))
                .isInstanceOf(Sink.RejectedChangeException.class).hasMessageContaining("NaN");

        assertThat(CH.query("SELECT count() FROM " + database + ".days")).containsExactly(row(0));
        assertThat(sink.storedOffsets("t")).isEmpty();
    }

    @Test
    void anUnreachablePortIsARetriableErrorNamingHostAndPort() {
        int port = ClickHouseTestServer.freePort();
        SinkConfig c = CH.config(database);
        SinkConfig config = new SinkConfig(c.type(), "127.0.0.1", port, c.database(), c.user(), c.password(),
                null, true, SinkConfig.OnError.STOP);

        try (Sink unreachable = new ClickHouseConnector().sink(config)) {
            assertThatThrownBy(() -> unreachable.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isTrue())
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void aWrongPasswordIsARefusedLoginNamingTheLoginButNotThePassword() {
        SinkConfig c = CH.config(database);
        SinkConfig config = new SinkConfig(c.type(), c.host(), c.port(), c.database(), c.user(),
                new io.ferry.core.Secret("not-the-password"), null, true, SinkConfig.OnError.STOP);

        try (Sink refused = new ClickHouseConnector().sink(config)) {
            // Fatal before start (preflight); a running pipeline retries the same refusal (PostgresToClickHouseIT).
            assertThatThrownBy(() -> refused.storedOffsets("t"))
                    .isInstanceOfSatisfying(LoginRefusedException.class, e -> {
                        assertThat(e.retriable()).isFalse();
                        assertThat(e.whileRunning().retriable()).isTrue();
                        assertThat(e.whileRunning().getMessage()).startsWith("login refused for user " + c.user()
                                + " at " + c.host() + ":" + c.port() + ": code 193, ").doesNotContain("not-the-password");
                    })
                    .hasMessageContaining(config.user() + "@" + config.database())
                    .hasMessageNotContaining("not-the-password");
        }
    }

    @Test
    void aMissingTableWithoutCreateTablesIsNamed() {
        SinkConfig c = CH.config(database);
        SinkConfig config = new SinkConfig(c.type(), c.host(), c.port(), c.database(), c.user(), c.password(),
                null, false, SinkConfig.OnError.STOP);
        try (Sink noCreate = new ClickHouseConnector().sink(config)) {
            assertThatThrownBy(() -> noCreate.ensureTable(table("absent", 1, col("id", TypeKind.INT32, "integer")),
                    SchemaHistory.NONE))
                    .isInstanceOf(FerryException.class)
                    .hasMessageContaining(database + ".absent").hasMessageContaining("sink.create-tables");
        }
    }

    @Test
    void aTableWithoutKeyTakesDuplicateRowsAndADeleteRemovesExactlyOne() {
        TableSchema log = new TableSchema(new TableId("source", "log"), 1, List.of(col("n", TypeKind.INT32, "integer"),
                col("note", TypeKind.TEXT, "text"), col("doc", TypeKind.JSON, "json")), List.of());
        String doc = "{\"a\": [1, 2]}";

        sink.apply(List.of(at(1, insert(log, 1, "x", doc)), at(2, insert(log, 1, "x", doc)),
                at(3, insert(log, 1, "x", doc)), at(4, insert(log, 2, null, null)), at(5, insert(log, 3, "y", doc))),
                List.of());
        List<ChangeEvent> second = List.of(at(6, delete(log, 1, "x", doc)), at(7, delete(log, 2, null, null)),
                at(8, updateKey(log, new Object[] {3, "y", doc}, new Object[] {3, "z", doc})),
                at(9, insert(log, 4, "w", null)));
        sink.apply(second, List.of(new OffsetUpdate("t", 0, -1, 9)));
        // A replay of the second batch changes nothing.
        sink.apply(second, List.of());

        assertThat(sorted(new ClickHouseConnector().targetTables(CH.config(database)), log)).containsExactly(
                "[1, x, {\"a\": [1, 2]}]", "[1, x, {\"a\": [1, 2]}]", "[3, z, {\"a\": [1, 2]}]", "[4, w, null]");
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 9L));
    }

    private static List<String> sorted(io.ferry.core.connector.TargetTables tables, TableSchema schema) {
        try (tables) {
            return tables.rows(schema).rows(null, null, Integer.MAX_VALUE).stream().map(Arrays::toString).sorted()
                    .toList();
        }
    }
}
