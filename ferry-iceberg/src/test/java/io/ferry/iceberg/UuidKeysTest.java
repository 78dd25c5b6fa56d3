package io.ferry.iceberg;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.insert;
import static io.ferry.core.apply.Events.table;
import static io.ferry.core.apply.Events.update;
import static io.ferry.core.apply.Events.updateKey;
import static io.ferry.iceberg.IcebergTarget.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.ChangeEvent;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.schema.SchemaChanges;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables keyed by a uuid, with keys on both sides of {@code 80000000-...}: Iceberg 1.10 compares UUIDs as signed
 * longs, while file bounds order them as unsigned bytes ({@link UuidStatistics}). A local warehouse: the file system
 * plays no part.
 */
class UuidKeysTest {

    private static final Object U = ChangeEvent.UNCHANGED;

    @TempDir
    Path warehouse;
    private IcebergTarget target;
    private IcebergSink sink;

    @BeforeEach
    void open() {
        target = new IcebergTarget(warehouse.toString());
        sink = new IcebergSink(target.config("ns", SchemaChanges.DEFAULT, Map.of()));
    }

    @AfterEach
    void close() {
        sink.close();
    }

    /**
     * MariaDB's (uuid, inet6) key: a file holding uuids on both sides of the signed-long midpoint has bounds Iceberg
     * 1.10 misorders (apache/iceberg#14216); with them the later commits' equality deletes skipped that file and the
     * old rows stayed visible beside the new ones.
     */
    @Test
    void aUuidKeyIsUpdatedAndDeletedInLaterCommitsWhateverItsFirstBit() {
        TableSchema own = new TableSchema(new TableId("source", "own_keys"), 1, List.of(col("u", TypeKind.UUID, "uuid"),
                col("a", TypeKind.TEXT, "inet6"), col("n", TypeKind.INT32, "int")), List.of("u", "a"));
        UUID low = UUID.fromString("00000000-0000-0000-0000-000000000001");
        UUID high = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        sink.apply(List.of(insert(own, low, "::ffff:1.2.3.4", 1), insert(own, low, "a::1", 2),
                insert(own, high, "2001:db8::1", 3), insert(own, high, "::", 4)), List.of());

        sink.apply(List.of(updateKey(own, new Object[] {high, "::", 4}, new Object[] {high, "::", -4})), List.of());
        sink.apply(List.of(delete(own, high, "2001:db8::1", 3), delete(own, low, "a::1", 2)), List.of());

        assertThat(target.rows("ns", "own_keys")).containsExactlyInAnyOrder(row(high, "::", -4),
                row(low, "::ffff:1.2.3.4", 1));
        assertThat(target.table("ns", "own_keys").properties())
                .containsEntry("write.metadata.metrics.column.u", "counts")
                .containsEntry("write.parquet.stats-enabled.column.u", "false");
    }

    /** An unchanged value of a uuid-keyed row is found in the table (the keyed scan is not misled by bounds). */
    @Test
    void anUnchangedValueOfAUuidKeyedRowIsFoundInTheTable() {
        TableSchema docs = table("docs", 1, col("u", TypeKind.UUID, "uuid"), col("name", TypeKind.TEXT, "text"),
                col("doc", TypeKind.TEXT, "text"));
        UUID low = UUID.fromString("00000000-0000-0000-0000-000000000001");
        UUID high = UUID.fromString("ffffffff-ffff-4fff-bfff-ffffffffffff");
        sink.apply(List.of(insert(docs, low, "a", "doc a"), insert(docs, high, "b", "large toasted doc b")), List.of());

        sink.apply(List.of(update(docs, high, "b2", U)), List.of());

        assertThat(target.rows("ns", "docs")).containsExactlyInAnyOrder(row(low, "a", "doc a"),
                row(high, "b2", "large toasted doc b"));
    }
}
