package io.ferry.postgres.sink;

import io.ferry.core.schema.SchemaHistory;
import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.FerryException;
import io.ferry.core.Secret;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.config.SinkConfig;
import io.ferry.postgres.PostgresTestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OffsetsAndFailuresTest {

    private static final TableSchema ITEMS = table("items", 1,
            col("id", TypeKind.INT64, "bigint"), col("name", TypeKind.TEXT, "text"));

    private String schema;
    private PostgresSink sink;

    @BeforeEach
    void open() {
        schema = TargetDb.freshSchema();
        sink = new PostgresSink(TargetDb.config(schema));
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
        assertThat(sink.storedOffsets("t")).isEqualTo(Map.of(0, 10L));
    }

    @Test
    void aConstraintViolationNamesTheEventIndexTableAndKeyAndLeavesNeitherRowsNorOffsets() {
        TargetDb.PG.execute("ALTER TABLE " + Sql.qualified(schema, "items") + " ADD CHECK (name <> 'bad')");
        List<io.ferry.core.ChangeEvent> batch = new java.util.ArrayList<>();
        for (long i = 0; i < 3000; i++) {
            batch.add(insert(ITEMS, i, i == 2345 ? "bad" : "ok"));
        }

        assertThatThrownBy(() -> sink.apply(batch, List.of(new OffsetUpdate("t", 0, -1, 3000))))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(2345);
                    assertThat(e.retriable()).isFalse();
                    assertThat(e.getMessage()).contains("#2345", schema + ".items", "{id=2345}", "check constraint");
                });

        assertThat(count()).isZero();
        assertThat(sink.storedOffsets("t")).isEmpty();
        sink.apply(List.of(insert(ITEMS, 1L, "fine")), List.of(new OffsetUpdate("t", 0, -1, 1)));
        assertThat(count()).isEqualTo(1);
    }

    @Test
    void aValueTheTargetTypeRefusesIsRejectedWithItsIndex() {
        TableSchema narrow = table("narrow", 1, col("id", TypeKind.INT32, "integer"),
                col("code", TypeKind.TEXT, "character varying(3)"));

        assertThatThrownBy(() -> sink.apply(List.of(insert(narrow, 1, "abc"), insert(narrow, 2, "abcd")), List.of()))
                .isInstanceOfSatisfying(Sink.RejectedChangeException.class, e -> {
                    assertThat(e.index()).isEqualTo(1);
                    assertThat(e.getMessage()).contains(schema + ".narrow", "{id=2}", "too long");
                });
    }

    @Test
    void aLostConnectionIsRetriableAndTheNextCallReconnects() {
        sink.apply(List.of(insert(ITEMS, 1L, "a")), List.of());
        TargetDb.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ferry-sink'"
                + " AND pid <> pg_backend_pid()");

        assertThatThrownBy(() -> sink.apply(List.of(insert(ITEMS, 2L, "b")), List.of()))
                .isInstanceOfSatisfying(FerryException.class, e -> {
                    assertThat(e.retriable()).isTrue();
                    assertThat(e.getMessage()).contains(TargetDb.PG.host() + ":" + TargetDb.PG.port());
                });

        sink.apply(List.of(insert(ITEMS, 2L, "b")), List.of());
        assertThat(count()).isEqualTo(2);
    }

    @Test
    void anUnreachablePortIsARetriableErrorNamingHostAndPort() {
        int port = PostgresTestServer.freePort();
        SinkConfig config = new SinkConfig("postgres", "127.0.0.1", port, "ferry", "ferry", new Secret("pw"),
                "public", true, SinkConfig.OnError.STOP);

        try (PostgresSink unreachable = new PostgresSink(config)) {
            assertThatThrownBy(() -> unreachable.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isTrue())
                    .hasMessageContaining("127.0.0.1:" + port);
        }
    }

    @Test
    void aWrongPasswordIsAFatalErrorNamingTheLoginButNotThePassword() {
        SinkConfig config = new SinkConfig("postgres", TargetDb.PG.host(), TargetDb.PG.port(), "ferry", "ferry",
                new Secret("not-the-password"), "public", true, SinkConfig.OnError.STOP);

        try (PostgresSink refused = new PostgresSink(config)) {
            assertThatThrownBy(() -> refused.storedOffsets("t"))
                    .isInstanceOfSatisfying(FerryException.class, e -> assertThat(e.retriable()).isFalse())
                    .hasMessageContaining("ferry@ferry")
                    .hasMessageNotContaining("not-the-password");
        }
    }

    @Test
    void aMissingTableWithoutCreateTablesIsNamed() {
        SinkConfig config = new SinkConfig("postgres", TargetDb.PG.host(), TargetDb.PG.port(), "ferry", "ferry",
                new Secret(PostgresTestServer.PASSWORD), schema, false, SinkConfig.OnError.STOP);
        try (PostgresSink noCreate = new PostgresSink(config)) {
            assertThatThrownBy(() -> noCreate.ensureTable(table("absent", 1, col("id", TypeKind.INT32, "integer")), SchemaHistory.NONE))
                    .isInstanceOf(FerryException.class)
                    .hasMessageContaining(schema + ".absent").hasMessageContaining("sink.create-tables");
        }
    }

    private long count() {
        return (Long) TargetDb.query("SELECT count(*) FROM " + Sql.qualified(schema, "items")).get(0).get(0);
    }
}
