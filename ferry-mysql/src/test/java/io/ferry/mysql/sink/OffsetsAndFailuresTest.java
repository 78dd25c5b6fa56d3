package io.ferry.mysql.sink;

import io.ferry.core.schema.SchemaHistory;
import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Secret;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.mysql.MySqlTestServer.Flavor;
import io.ferry.core.config.SinkConfig;
import io.ferry.mysql.MySqlTestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

@ParameterizedClass
@EnumSource(Flavor.class)
class OffsetsAndFailuresTest {

    private static final TableSchema ITEMS = table("items", 1,
            col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "text"));

    private final TargetDb target;

    OffsetsAndFailuresTest(Flavor flavor) {
        target = new TargetDb(flavor);
    }

    private String database;
    private MySqlSink sink;

    @BeforeEach
    void open() {
        database = target.freshDatabase();
        sink = new MySqlSink(target.config(database));
        sink.ensureTable(ITEMS, SchemaHistory.NONE);
    }

    @AfterEach
    void close() {
        sink.close();
    }

    @Test
    void offsetsAreStoredWithTheRowsAndReadBack() {
        sink.apply(List.of(insert(ITEMS, 1L, "a")), List.of(new OffsetUpdate("t", 0, -1, 10),
                new OffsetUpdate("t", 1, -1, 5), new OffsetUpdate("other", 0, -1, 7)));
        sink.apply(List.of(insert(ITEMS, 2L, "b")), List.of(new OffsetUpdate("t", 0, 10, 11)));
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 1, 5, 5)));

        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 11L, 1, 5L));
        assertThat(sink.storedOffsets("unknown")).isEmpty();
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void aStaleExpectedOffsetThrowsPartitionLostAndWritesNothing() {
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 1L, "a")), List.of(
                new OffsetUpdate("t", 1, -1, 3), new OffsetUpdate("t", 0, 7, 12))))
                .isInstanceOf(Sink.PartitionLostException.class).hasMessageContaining("t/0");

        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void expectingNoOffsetWhenOneIsStoredThrowsPartitionLost() {
        sink.apply(List.of(), List.of(new OffsetUpdate("t", 0, -1, 10)));

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 1L, "a")), List.of(new OffsetUpdate("t", 0, -1, 4))))
                .isInstanceOf(Sink.PartitionLostException.class);
        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void aConstraintViolationNamesTheEventIndexTableAndKeyAndLeavesNeitherRowsNorOffsets() {
        target.execute(database, "ALTER TABLE items ADD CONSTRAINT not_bad CHECK (name <> 'bad')");
        List<ChangeEvent> batch = new ArrayList<>();
        for (long i = 0; i < 3000; i++) {
            batch.add(insert(ITEMS, i, i == 2345 ? "bad" : "ok"));
        }

        assertThatThrownBy(() -> sink.apply(batch, List.of(new OffsetUpdate("t", 0, -1, 3000))))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(2345);
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.getMessage()).contains("#2345", database + ".items", "{id=2345}", "not_bad");
                });

        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEmpty();
        sink.apply(List.of(insert(ITEMS, 1L, "fine")), List.of(new OffsetUpdate("t", 0, -1, 1)));
        assertThat(count()).isEqualTo(1);
    }

    @Test
    void aValueTooLongForTheColumnIsRejectedWithItsIndexNotTruncated() {
        TableSchema narrow = table("narrow", 1, col("id", TypeKind.INT32, "int"),
                col("code", TypeKind.TEXT, "varchar(3)"));

        assertThatThrownBy(() -> sink.apply(List.of(insert(narrow, 1, "abc"), insert(narrow, 2, "abcd")), List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.getMessage()).contains(database + ".narrow", "{id=2}", "too long");
                });
        assertThat(target.query(database, "SELECT count(*) FROM narrow").get(0).get(0)).isEqualTo(0L);
    }

    @Test
    void aNaNFloatOrANaNDecimalIsRejectedNotStoredAsSomethingElse() {
        TableSchema floats = table("floats", 1, col("id", TypeKind.INT32, "int"), col("f", TypeKind.FLOAT64, "double"),
                col("n", TypeKind.DECIMAL, "numeric(10,2)"));

        assertThatThrownBy(() -> sink.apply(List.of(insert(floats, 1, 1.5, null), insert(floats, 2, Double.NaN, null)),
                List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("{id=2}", "NaN");
                });
        assertThatThrownBy(() -> sink.apply(List.of(insert(floats, 3, 1.0, "NaN")), List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> assertThat(e.index()).isZero());
        assertThat(target.query(database, "SELECT count(*) FROM floats").get(0).get(0)).isEqualTo(0L);
    }

    @Test
    void aLostConnectionIsRetriableAndTheNextCallReconnects() {
        sink.apply(List.of(insert(ITEMS, 1L, "a")), List.of());
        for (List<Object> p : target.query(database, "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '"
                + database + "' AND ID <> CONNECTION_ID()")) {
            target.execute(database, "KILL CONNECTION " + p.get(0));
        }

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 2L, "b")), List.of()))
                .isInstanceOfSatisfying(FerryException.class, e -> {
                    assertThat(e.retriable()).isTrue();
                    assertThat(e.getMessage()).contains(target.server.host() + ":" + target.server.port());
                });

        sink.apply(List.of(insert(ITEMS, 2L, "b")), List.of());
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void anUnreachablePortIsARetriableErrorNamingHostAndPort() {
        int port = MySqlTestServer.freePort();
        SinkConfig config = new SinkConfig("mysql", "127.0.0.1", port, "ferry", "ferry", new Secret("pw"),
                null, true, SinkConfig.OnError.STOP);

        try (MySqlSink unreachable = new MySqlSink(config)) {
            assertThatThrownBy(() -> unreachable.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isTrue())
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void aWrongPasswordIsAFatalErrorNamingTheLoginButNotThePassword() {
        SinkConfig config = new SinkConfig("mysql", target.server.host(), target.server.port(), MySqlTestServer.DATABASE,
                MySqlTestServer.USER, new Secret("not-the-password"), null, true, SinkConfig.OnError.STOP);

        try (MySqlSink refused = new MySqlSink(config)) {
            assertThatThrownBy(() -> refused.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                    .hasMessageContaining("ferry@ferry")
                    .hasMessageNotContaining("not-the-password");
        }
    }

    @Test
    void aMissingTableWithoutCreateTablesIsNamed() {
        SinkConfig config = new SinkConfig("mysql", target.server.host(), target.server.port(), database,
                MySqlTestServer.ADMIN, new Secret(MySqlTestServer.ADMIN_PASSWORD), null, false,
                SinkConfig.OnError.STOP);
        try (MySqlSink noCreate = new MySqlSink(config)) {
            assertThatThrownBy(() -> noCreate.ensureTable(table("absent", 1, col("id", TypeKind.INT32, "int")), SchemaHistory.NONE))
                    .isInstanceOf(FerryException.class)
                    .hasMessageContaining(database + ".absent").hasMessageContaining("sink.create-tables");
        }
    }

    private long count() {
        return (Long) target.query(database, "SELECT count(*) FROM items").get(0).get(0);
    }
}
