package io.ferry.iceberg;

import static io.ferry.core.apply.Events.col;
import static io.ferry.core.apply.Events.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import io.ferry.core.connector.TargetTables;
import io.ferry.core.schema.SchemaChanges;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.io.DataWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rows {@code ferry verify} reads from Iceberg tables: every row a reader sees, none hidden by another. */
class IcebergTablesTest {

    private static final TableSchema ITEMS = IcebergSinkContract.ITEMS;

    @TempDir
    Path warehouse;

    /** Both rows of a key are what a reader sees; a map by key kept only one, and verify matched a stale table. */
    @Test
    void aKeyHeldTwiceIsNamedInsteadOfHidingOneOfItsRows() throws IOException {
        IcebergTarget target = new IcebergTarget(warehouse.toString());
        try (IcebergSink sink = new IcebergSink(target.config("v", SchemaChanges.DEFAULT, Map.of()))) {
            sink.apply(List.of(insert(ITEMS, 1L, "new", null), insert(ITEMS, 2L, "b", null)), List.of());
        }
        appendBesideTheSink(target.table("v", "items"), 1L, "stale");

        try (TargetTables tables = new IcebergConnector().targetTables(target.config("v", SchemaChanges.DEFAULT,
                Map.of()))) {
            assertThatThrownBy(() -> tables.rows(ITEMS)).isInstanceOfSatisfying(FerryException.class,
                    e -> assertThat(e.retriable()).isFalse())
                    .hasMessageContaining("Iceberg table items in namespace v holds 1 row(s) more than once")
                    .hasMessageContaining("first key (1)");
        }
    }

    @Test
    void aTableWithoutKeyKeepsEachOfItsEqualRows() {
        TableSchema log = new TableSchema(new TableId("source", "log"), 1, List.of(col("n", TypeKind.INT32,
                "integer"), col("note", TypeKind.TEXT, "text")), List.of());
        IcebergTarget target = new IcebergTarget(warehouse.toString());
        try (IcebergSink sink = new IcebergSink(target.config("k", SchemaChanges.DEFAULT, Map.of()))) {
            sink.apply(List.of(insert(log, 1, "x"), insert(log, 1, "x"), insert(log, 2, "y")), List.of());
        }

        try (TargetTables tables = new IcebergConnector().targetTables(target.config("k", SchemaChanges.DEFAULT,
                Map.of()))) {
            assertThat(tables.rows(log).rows(null, null, Integer.MAX_VALUE)).extracting(r -> r[0] + " " + r[1])
                    .containsExactlyInAnyOrder("1 x", "1 x", "2 y");
        }
    }

    /** A row appended by another writer, without a delete: the state a missed equality delete leaves. */
    private static void appendBesideTheSink(Table table, long id, String name) throws IOException {
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        DataWriter<Record> writer = factory.newDataWriter(EncryptedFiles.plainAsEncryptedOutput(table.io()
                .newOutputFile(table.locationProvider().newDataLocation("beside.parquet"))), FileFormat.PARQUET, null);
        try (writer) {
            GenericRecord r = GenericRecord.create(table.schema());
            r.setField("id", id);
            r.setField("name", name);
            writer.write(r);
        }
        table.newAppend().appendFile(writer.toDataFile()).commit();
    }
}
