package io.ferry.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link TableSchema} on the schemas topic, keyed by table and version so compaction keeps
 * every version. Value: {@code {"schema","table","version","topic","columns":[{"name","kind","type",
 * "nullable","id"?,"element"?}],"primary_key":[..]}}. Beside them, for a table capture transforms reshape, the
 * source's own newest shape: key {@code {"source_shape":{"schema","table"}}} (compaction keeps the newest), value
 * the same form with {@code "source_shape":true} and no topic. Thread-safe.
 */
public final class SchemaCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * A schema as read from the schemas topic, with the topic its change events go to; or, when {@code sourceShape},
     * a source's own shape of a reshaped table, which no event carries (topic null).
     */
    public record Published(TableSchema schema, String topic, boolean sourceShape) {
    }

    private SchemaCodec() {
    }

    /** The record key: {@code {"schema":..,"table":..,"version":n}}. */
    public static byte[] key(TableSchema schema) {
        ObjectNode key = MAPPER.createObjectNode();
        key.put("schema", schema.table().schema());
        key.put("table", schema.table().table());
        key.put("version", schema.version());
        return bytes(key);
    }

    /** The record key of a source's own shape of a reshaped table: one per table, so compaction keeps the newest. */
    public static byte[] sourceShapeKey(TableId table) {
        ObjectNode key = MAPPER.createObjectNode();
        ObjectNode id = key.putObject("source_shape");
        id.put("schema", table.schema());
        id.put("table", table.table());
        return bytes(key);
    }

    /** The record value describing a source's own shape of a table its events leave reshaped. */
    public static byte[] writeSourceShape(TableSchema schema) {
        return write(schema, null);
    }

    /** The record value describing {@code schema}, whose events go to {@code topic}. */
    public static byte[] write(TableSchema schema, String topic) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", schema.table().schema());
        root.put("table", schema.table().table());
        root.put("version", schema.version());
        if (topic == null) {
            root.put("source_shape", true);
        } else {
            root.put("topic", topic);
        }
        ArrayNode columns = root.putArray("columns");
        for (Column c : schema.columns()) {
            ObjectNode col = columns.addObject();
            col.put("name", c.name());
            type(col, c.type());
            col.put("nullable", c.nullable());
            if (c.id() != 0) {
                col.put("id", c.id());
            }
        }
        ArrayNode key = root.putArray("primary_key");
        schema.primaryKey().forEach(key::add);
        return bytes(root);
    }

    /** Parses a value written by {@link #write} or {@link #writeSourceShape}. */
    public static Published read(byte[] value) {
        try {
            JsonNode root = MAPPER.readTree(value);
            List<Column> columns = new ArrayList<>();
            for (JsonNode c : root.get("columns")) {
                columns.add(new Column(c.get("name").asText(), type(c), c.get("nullable").asBoolean(),
                        c.path("id").asInt(0)));
            }
            List<String> key = new ArrayList<>();
            root.get("primary_key").forEach(k -> key.add(k.asText()));
            TableSchema schema = new TableSchema(new TableId(root.get("schema").asText(), root.get("table").asText()),
                    root.get("version").asInt(), columns, key);
            boolean sourceShape = root.path("source_shape").asBoolean(false);
            return new Published(schema, sourceShape ? null : root.get("topic").asText(), sourceShape);
        } catch (IOException | RuntimeException e) {
            throw new FerryException("a record of the schemas topic cannot be read: " + e.getMessage(), e, false);
        }
    }

    private static void type(ObjectNode node, ColumnType type) {
        node.put("kind", type.kind().name());
        node.put("type", type.sourceName());
        if (type.element() != null) {
            type(node.putObject("element"), type.element());
        }
    }

    private static ColumnType type(JsonNode node) {
        JsonNode element = node.get("element");
        return new ColumnType(TypeKind.valueOf(node.get("kind").asText()), node.get("type").asText(),
                element == null || element.isNull() ? null : type(element));
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new FerryException("cannot write a schema record: " + e.getMessage(), e, false);
        }
    }
}
