package io.ferry.sink.jdbc;

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
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaHistory;
import java.io.IOException;
import java.net.ServerSocket;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JdbcSink} dialect does, against its real server: applying, offsets, failures, tables without
 * a key and durations. A dialect's module runs it by extending it with its {@link SinkTarget};
 * {@link SchemaChangeContract} is run the same way.
 */
public abstract class JdbcSinkContract extends SinkTestBase {

    private static final Object U = ChangeEvent.UNCHANGED;
    static final TableSchema ITEMS = table("items", 1,
            col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "varchar(50)"), col("doc", TypeKind.TEXT, "text"));


    @Test
    void aTableIsCreatedWithAwkwardIdentifiersSpelledExactly() {
        List<Column> columns = List.of(col("id", TypeKind.INT32, "integer"), col("Select", TypeKind.TEXT, "text"),
                col("my col", TypeKind.TEXT, "text"), col("say \"hi\" `x`", TypeKind.TEXT, "text"),
                col("ünïcødé ✓", TypeKind.TEXT, "text"), col("UPPER", TypeKind.TEXT, "text"),
                col("partition", TypeKind.TEXT, "text"));
        TableSchema awkward = new TableSchema(new TableId("Sales Dept", "Order \"Items\" `2024` ü"), 1, columns,
                List.of("id", "UPPER"));

        sink.ensureTable(awkward, SchemaHistory.NONE);
        sink.apply(List.of(insert(awkward, 1, "s", "m", "q", "u", "K", "p")), List.of());

        assertThat(columnNames(awkward.table().table()))
                .containsExactly("id", "Select", "my col", "say \"hi\" `x`", "ünïcødé ✓", "UPPER", "partition");
        assertThat(query("SELECT * FROM " + qualified(awkward.table().table())))
                .containsExactly(List.of(1, "s", "m", "q", "u", "K", "p"));
        assertThat(primaryKey(awkward.table().table())).containsExactly("id", "UPPER");
    }

    @Test
    void anUpsertUpdatesTheExistingRowAndADeleteRemovesByKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x"), insert(ITEMS, 2L, "b", "y"), insert(ITEMS, 3L, "c", "z")),
                List.of());
        sink.apply(List.of(update(ITEMS, 1L, "a2", "x2"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(List.of(1L, "a2", "x2"), List.of(3L, "c", "z"));
    }

    @Test
    void aKeyChangeDeletesTheOldKey() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());

        sink.apply(List.of(updateKey(ITEMS, new Object[] {1L, "a", "x"}, new Object[] {7L, "a", "x"})), List.of());

        assertThat(rows()).containsExactly(List.of(7L, "a", "x"));
    }

    @Test
    void aTruncateEmptiesTheTableInOrderWithTheRowsAroundIt() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        sink.apply(List.of(insert(ITEMS, 2L, "b", "y"), truncate(ITEMS), insert(ITEMS, 3L, "c", "z")), List.of());

        assertThat(rows()).containsExactly(List.of(3L, "c", "z"));
    }

    @Test
    void aNewSchemaVersionAddsItsColumnsAndKeepsTheRows() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "x")), List.of());
        TableSchema v2 = table("items", 2, col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "varchar(50)"),
                col("doc", TypeKind.TEXT, "text"), col("price", TypeKind.DECIMAL, "numeric(10,2)"));

        sink.apply(List.of(insert(v2, 2L, "b", "y", new java.math.BigDecimal("9.90"))), List.of());

        assertThat(query("SELECT id, price FROM " + qualified("items") + " ORDER BY id"))
                .containsExactly(Arrays.asList(1L, null), List.of(2L, new java.math.BigDecimal("9.90")));
        assertThat(columnType("items", "price")).endsWith("(10,2)");
    }

    @Test
    void anUnchangedValueKeepsItsOldTargetValue() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", "large toasted document")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "renamed", U), update(ITEMS, 2L, "new row", U)), List.of());

        assertThat(rows()).containsExactly(List.of(1L, "renamed", "large toasted document"),
                Arrays.asList(2L, "new row", null));
    }

    @Test
    void severalEventsForOneKeyInOneBatchEndInTheFinalState() {
        sink.apply(List.of(insert(ITEMS, 1L, "old", "old")), List.of());

        sink.apply(List.of(update(ITEMS, 1L, "u1", "d1"), delete(ITEMS, 1L, null, null), insert(ITEMS, 1L, "i2", U),
                update(ITEMS, 1L, "u3", U), insert(ITEMS, 2L, "x", "x"), delete(ITEMS, 2L, null, null)), List.of());

        assertThat(rows()).containsExactly(Arrays.asList(1L, "u3", null));
    }

    @Test
    void textKeysDifferingOnlyInCaseOrTrailingSpaceAreDistinctRows() {
        TableSchema words = table("words", 1, col("w", TypeKind.TEXT, "text"), col("n", TypeKind.INT32, "integer"));

        sink.apply(List.of(insert(words, "a", 1), insert(words, "A", 2), insert(words, "a ", 3)), List.of());

        assertThat(query("SELECT n FROM " + qualified("words") + " ORDER BY n")).extracting(r -> r.get(0))
                .containsExactly(1, 2, 3);
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
                events.add(delete(ITEMS, id, null, null));
                expected.remove(id);
            } else {
                Object doc = op < 5 ? U : "doc " + i;
                events.add(update(ITEMS, id, "name " + i, doc));
                Object[] old = expected.get(id);
                expected.put(id, new Object[] {id, "name " + i, doc == U ? (old == null ? null : old[2]) : doc});
            }
        }
        for (int from = 0; from < events.size(); from += 2500) {
            sink.apply(events.subList(from, Math.min(events.size(), from + 2500)), List.of());
        }

        List<List<Object>> want = new ArrayList<>();
        expected.values().stream().sorted((a, b) -> Long.compare((Long) a[0], (Long) b[0]))
                .forEach(r -> want.add(Arrays.asList(r)));
        assertThat(rows()).isEqualTo(want);
    }

    @Test
    void offsetsAreStoredWithTheRowsAndReadBack() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", null)), List.of(new OffsetUpdate("t", 0, -1, 10),
                new OffsetUpdate("t", 1, -1, 5), new OffsetUpdate("other", 0, -1, 7)));
        sink.apply(List.of(insert(ITEMS, 2L, "b", null)), List.of(new OffsetUpdate("t", 0, 10, 11)));
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 1, 5, 5)));

        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 11L, 1, 5L));
        assertThat(sink.storedOffsets("unknown")).isEmpty();
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void aStaleExpectedOffsetThrowsPartitionLostAndWritesNothing() {
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 1L, "a", null)), List.of(
                new OffsetUpdate("t", 1, -1, 3), new OffsetUpdate("t", 0, 7, 12))))
                .isInstanceOf(Sink.PartitionLostException.class).hasMessageContaining("t/0");

        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void expectingNoOffsetWhenOneIsStoredThrowsPartitionLost() {
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 1L, "a", null)),
                List.of(new OffsetUpdate("t", 0, -1, 4))))
                .isInstanceOf(Sink.PartitionLostException.class);
        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void aConstraintViolationNamesTheEventIndexTableAndKeyAndLeavesNeitherRowsNorOffsets() {
        sink.ensureTable(ITEMS, SchemaHistory.NONE);
        target().execute(namespace, "ALTER TABLE " + qualified("items") + " ADD CONSTRAINT not_bad CHECK (name <> 'bad')");
        List<ChangeEvent> batch = new ArrayList<>();
        for (long i = 0; i < 3000; i++) {
            batch.add(insert(ITEMS, i, i == 2345 ? "bad" : "ok", null));
        }

        assertThatThrownBy(() -> sink.apply(batch, List.of(new OffsetUpdate("t", 0, -1, 3000))))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(2345);
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.getMessage()).contains("#2345", namespace + ".items", "{id=2345}", "not_bad");
                });

        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEmpty();
        sink.apply(List.of(insert(ITEMS, 1L, "fine", null)), List.of(new OffsetUpdate("t", 0, -1, 1)));
        assertThat(count()).isEqualTo(1);
    }

    @Test
    void aValueTooLongForTheColumnIsRejectedWithItsIndexNotTruncated() {
        TableSchema narrow = table("narrow", 1, col("id", TypeKind.INT32, "integer"),
                col("code", TypeKind.TEXT, "varchar(3)"));

        assertThatThrownBy(() -> sink.apply(List.of(insert(narrow, 1, "abc"), insert(narrow, 2, "abcd")), List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.getMessage()).contains(namespace + ".narrow", "{id=2}", "too long");
                });
        assertThat(query("SELECT count(*) FROM " + qualified("narrow")).get(0).get(0)).isEqualTo(0L);
    }

    @Test
    void aLostConnectionIsRetriableAndTheNextCallReconnects() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", null)), List.of());
        target().killSinkSessions(namespace);

        SinkConfig config = target().config(namespace);
        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 2L, "b", null)), List.of()))
                .isInstanceOfSatisfying(FerryException.class, e -> {
                    assertThat(e.retriable()).isTrue();
                    assertThat(e.getMessage()).contains(config.host() + ":" + config.port());
                });

        sink.apply(List.of(insert(ITEMS, 2L, "b", null)), List.of());
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void aTableDroppedWhileTheConnectionWasLostIsCreatedAgainOnTheNextConnection() {
        sink.apply(List.of(insert(ITEMS, 1L, "a", null)), List.of());
        target().killSinkSessions(namespace);
        target().execute(namespace, "DROP TABLE " + qualified(ITEMS.table().table()));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 2L, "b", null)), List.of()))
                .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isTrue());
        sink.apply(List.of(insert(ITEMS, 2L, "b", null)), List.of());

        assertThat(count()).isEqualTo(1);
    }

    @Test
    void anUnreachablePortIsARetriableErrorNamingHostAndPort() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SinkConfig c = target().config(namespace);
        SinkConfig config = new SinkConfig(c.type(), "127.0.0.1", port, c.database(), c.user(), c.password(),
                c.schema(), true, SinkConfig.OnError.STOP);

        try (JdbcSink unreachable = new JdbcSink(config, target().dialect())) {
            assertThatThrownBy(() -> unreachable.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isTrue())
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void aWrongPasswordIsAFatalErrorNamingTheLoginButNotThePassword() {
        SinkConfig config = target().wrongPassword();

        try (JdbcSink refused = new JdbcSink(config, target().dialect())) {
            assertThatThrownBy(() -> refused.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                    .hasMessageContaining(config.user() + "@" + config.database())
                    .hasMessageNotContaining(config.password().reveal())
                    .isInstanceOfSatisfying(LoginRefusedException.class, e -> {
                        // Once a pipeline has run, the same refusal is waited for: a password rotated comes back.
                        FerryException running = e.whileRunning();
                        assertThat(running.retriable()).isTrue();
                        assertThat(running.getMessage()).startsWith("login refused for user " + config.user() + " at ").doesNotContain(config.password().reveal()).doesNotContain("\n");
                    });
        }
    }

    @Test
    void aMissingTableWithoutCreateTablesIsNamed() {
        SinkConfig c = target().config(namespace);
        SinkConfig config = new SinkConfig(c.type(), c.host(), c.port(), c.database(), c.user(), c.password(),
                c.schema(), false, SinkConfig.OnError.STOP);
        try (JdbcSink noCreate = new JdbcSink(config, target().dialect())) {
            assertThatThrownBy(() -> noCreate.ensureTable(table("absent", 1, col("id", TypeKind.INT32, "integer")),
                    SchemaHistory.NONE))
                    .isInstanceOf(FerryException.class)
                    .hasMessageContaining(namespace + ".absent").hasMessageContaining("sink.create-tables");
        }
    }

    @Test
    void aTableWithoutKeyTakesDuplicateRowsAndADeleteRemovesExactlyOne() {
        TableSchema log = new TableSchema(new TableId("source", "log"), 1, List.of(col("n", TypeKind.INT32, "integer"),
                col("note", TypeKind.TEXT, "text"), col("doc", TypeKind.JSON, "json")), List.of());
        String doc = "{\"a\": [1, 2]}";

        sink.apply(List.of(insert(log, 1, "x", doc), insert(log, 1, "x", doc), insert(log, 1, "x", doc),
                insert(log, 2, null, null), insert(log, 3, "y", doc)), List.of());
        sink.apply(List.of(delete(log, 1, "x", doc), delete(log, 2, null, null),
                updateKey(log, new Object[] {3, "y", doc}, new Object[] {3, "z", doc}), insert(log, 4, "w", null)),
                List.of(new OffsetUpdate("t", 0, -1, 9)));

        assertThat(primaryKey("log")).isEmpty();
        assertThat(query("SELECT n, note FROM " + qualified("log") + " ORDER BY n, note"))
                .containsExactly(List.of(1, "x"), List.of(1, "x"), List.of(3, "z"), List.of(4, "w"));
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 9L));
    }

    @Test
    void aTableWithoutKeyAppliesEachEventInOrderEvenWhenRowsRepeat() {
        TableSchema log = new TableSchema(new TableId("source", "pairs"), 1, List.of(col("k", TypeKind.TEXT, "text"),
                col("v", TypeKind.INT32, "integer")), List.of());

        sink.apply(List.of(insert(log, "a", 1), delete(log, "a", 1), insert(log, "a", 1), insert(log, "a", 1),
                updateKey(log, new Object[] {"a", 1}, new Object[] {"a", 2}), delete(log, "b", 9)), List.of());

        assertThat(query("SELECT k, v FROM " + qualified("pairs") + " ORDER BY v"))
                .containsExactly(List.of("a", 1), List.of("a", 2));
    }

    @Test
    void durationsLandExactlyOverMySqlTimesWholeRangeAndBeyondTheTargetsAreRefused() {
        TableSchema times = table("times", 1, col("id", TypeKind.INT32, "integer"), col("d", TypeKind.DURATION, "time(6)"));
        List<Duration> values = List.of(Duration.parse("PT838H59M59.999999S"), Duration.parse("-PT838H59M59.999999S"),
                Duration.parse("PT838H59M59S"), Duration.parse("-PT838H59M59S"), Duration.ofNanos(-1_000),
                Duration.ZERO, Duration.ofHours(24), Duration.parse("PT100H0.5S"), Duration.parse("-PT12H"));
        List<Duration> held = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Duration d = values.get(i);
            if (d.abs().compareTo(target().longestDuration()) > 0) {
                int id = i;
                assertThatThrownBy(() -> sink.apply(List.of(insert(times, id, d)), List.of()))
                        .isInstanceOfSatisfying(Sink.RejectedChangeException.class,
                                e -> assertThat(e.getMessage()).contains("{id=" + id + "}"));
            } else {
                sink.apply(List.of(insert(times, i, d)), List.of());
                held.add(d);
            }
        }
        sink.apply(List.of(insert(times, values.size(), null)), List.of());

        List<Duration> back = new ArrayList<>();
        for (List<Object> r : query("SELECT " + target().asText("d") + " FROM " + qualified("times") + " ORDER BY id")) {
            back.add(r.get(0) == null ? null : clock((String) r.get(0)));
        }
        held.add(null);
        assertThat(back).isEqualTo(held);
        assertThat(held).contains(Duration.parse("-PT838H59M59S"), Duration.ofNanos(-1_000), Duration.ZERO,
                Duration.ofHours(24), Duration.parse("PT100H0.5S"));
    }

    /** {@code [-]H:MM:SS[.ffffff]}, as MySQL prints a time and PostgreSQL an interval of hours. */
    private static Duration clock(String text) {
        boolean negative = text.startsWith("-");
        String[] parts = (negative ? text.substring(1) : text).split(":");
        Duration d = Duration.ofHours(Long.parseLong(parts[0]))
                .plusMinutes(Long.parseLong(parts[1]))
                .plusNanos(new BigDecimal(parts[2]).movePointRight(9).longValueExact());
        return negative ? d.negated() : d;
    }

    private long count() {
        return ((Number) query("SELECT count(*) FROM " + qualified("items")).get(0).get(0)).longValue();
    }

    private List<List<Object>> rows() {
        return query("SELECT id, name, doc FROM " + qualified("items") + " ORDER BY id");
    }
}
