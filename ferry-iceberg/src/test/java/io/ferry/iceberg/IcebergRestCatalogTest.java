package io.ferry.iceberg;

import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.update;
import static io.ferry.iceberg.IcebergTarget.onTopic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Sink;
import io.ferry.core.Sink.OffsetUpdate;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.schema.SchemaChanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sink.catalog: rest}: the sink creates, writes and commits its tables through a real REST catalog server,
 * keeps its Kafka offsets in the snapshots the server commits, resumes from them, and {@code ferry verify} reads the
 * tables through the same catalog.
 */
class IcebergRestCatalogTest {

    private static final TableSchema ITEMS = IcebergSinkContract.ITEMS;

    @TempDir
    Path serverWarehouse;
    @TempDir
    Path sinkWarehouse;
    private RestCatalogServer server;
    private SinkConfig config;

    @BeforeEach
    void start() throws Exception {
        server = RestCatalogServer.start(serverWarehouse);
        // The sink's own warehouse is only a hint to the catalog: where tables go is the server's choice.
        config = new IcebergTarget(sinkWarehouse.toString()).config("shop", SchemaChanges.DEFAULT,
                Map.of("catalog", "rest", "catalog-uri", server.uri()));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void changesAndOffsetsCommitThroughTheCatalogAndARestartResumesFromThem() throws Exception {
        try (IcebergSink sink = new IcebergSink(config)) {
            sink.apply(List.of(at(insert(ITEMS, 1L, "a", "x"), 0), at(insert(ITEMS, 2L, "b", "y"), 1)),
                    List.of(new OffsetUpdate("t", 0, -1, 2)));
            sink.apply(List.of(at(update(ITEMS, 1L, "a2", ChangeEvent.UNCHANGED), 2), at(delete(ITEMS, 2L, null, null),
                    3)), List.of(new OffsetUpdate("t", 0, 2, 4)));
        }

        Table held = server.backend().loadTable(TableIdentifier.of("shop", "items"));
        assertThat(held.currentSnapshot().summary()).containsEntry("ferry.offsets.t", "{\"0\":4}");
        assertThat(new IcebergTarget(serverWarehouse.toString()).rows("shop", "items"))
                .containsExactly(IcebergTarget.row(1L, "a2", "x"));
        try (var written = Files.list(sinkWarehouse)) {
            assertThat(written).isEmpty();
        }

        try (IcebergSink restarted = new IcebergSink(config)) {
            assertThat(restarted.storedOffsets("t")).isEqualTo(Map.of(0, 4L));
            // A batch from an offset the catalog's newest snapshot no longer has is refused, not committed twice.
            assertThatThrownBy(() -> restarted.apply(List.of(at(insert(ITEMS, 3L, "c", null), 2)),
                    List.of(new OffsetUpdate("t", 0, 2, 3)))).isInstanceOf(Sink.PartitionLostException.class);
        }
        try (TargetTables tables = new IcebergConnector().targetTables(config)) {
            assertThat(tables.rows(ITEMS).rows(null, null, 10)).extracting(r -> List.of(r))
                    .containsExactly(List.of(1L, "a2", "x"));
        }
    }

    private static ChangeEvent at(ChangeEvent e, long offset) {
        return onTopic(e, "t", 0, offset);
    }
}
