package io.ferry.kafka;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaCodecTest {

    @Test
    void aSchemaRoundTripsWithNestedElementTypesAndItsTopic() {
        ColumnType intArray2d = ColumnType.arrayOf(ColumnType.arrayOf(ColumnType.of(TypeKind.INT32, "int4"), "int4[]"),
                "int4[][]");
        TableSchema schema = new TableSchema(new TableId("Sales \"Dept\"", "line items"), 4, List.of(
                new Column("order id", ColumnType.of(TypeKind.INT64, "bigint"), false),
                new Column("line", ColumnType.of(TypeKind.INT32, "integer"), false),
                new Column("amount", ColumnType.of(TypeKind.DECIMAL, "numeric(38,10)"), true),
                new Column("matrix", intArray2d, true),
                new Column("mood", ColumnType.of(TypeKind.ENUM, "\"Sales Dept\".mood"), true)),
                List.of("order id", "line"));

        SchemaCodec.Published read = SchemaCodec.read(SchemaCodec.write(schema, "ferry.topic"));

        assertThat(read.schema()).isEqualTo(schema);
        assertThat(read.topic()).isEqualTo("ferry.topic");
        assertThat(new String(SchemaCodec.key(schema), StandardCharsets.UTF_8))
                .isEqualTo("{\"schema\":\"Sales \\\"Dept\\\"\",\"table\":\"line items\",\"version\":4}");
    }

    @Test
    void aTableWithoutKeyRoundTrips() {
        TableSchema schema = new TableSchema(new TableId("public", "log"), 1,
                List.of(new Column("line", ColumnType.of(TypeKind.TEXT, "text"), true)), List.of());
        assertThat(SchemaCodec.read(SchemaCodec.write(schema, "t")).schema()).isEqualTo(schema);
    }
}
