package io.ferry.iceberg;

import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;

/**
 * Where one source schema version's columns are in the Iceberg table as it is now. A column is found by the source's
 * column identity, which the sink keeps in the field's doc ({@code ferry column id N}) and Iceberg keeps through
 * renames, else by name; a column the table lacks (policy ignore) is not written.
 */
final class TableShape {

    static final String DOC_PREFIX = "ferry column id ";

    private final TableSchema source;
    private final Schema schema;
    /** For each source column, its position among the table's top-level fields, or -1. */
    private final int[] positions;
    private final Schema keySchema;
    private final int[] keyPositions;

    TableShape(TableSchema source, Schema schema) {
        this.source = source;
        this.schema = schema;
        List<Types.NestedField> fields = schema.columns();
        positions = new int[source.columns().size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = position(fields, source.columns().get(i));
        }
        Set<Integer> keyIds = equalityIds(schema);
        keySchema = TypeUtil.select(schema, keyIds);
        keyPositions = new int[keySchema.columns().size()];
        for (int i = 0; i < keyPositions.length; i++) {
            keyPositions[i] = fields.indexOf(schema.findField(keySchema.columns().get(i).fieldId()));
        }
    }

    /** The fields deletes match on: the identifier fields (the key), or every non-list field of a keyless table. */
    static Set<Integer> equalityIds(Schema schema) {
        if (!schema.identifierFieldIds().isEmpty()) {
            return schema.identifierFieldIds();
        }
        Set<Integer> all = new java.util.LinkedHashSet<>();
        for (Types.NestedField f : schema.columns()) {
            if (f.type().isPrimitiveType()) {
                all.add(f.fieldId());
            }
        }
        return all;
    }

    static String doc(Column c) {
        return c.id() == 0 ? null : DOC_PREFIX + c.id();
    }

    private static int position(List<Types.NestedField> fields, Column c) {
        if (c.id() != 0) {
            String doc = doc(c);
            for (int i = 0; i < fields.size(); i++) {
                if (doc.equals(fields.get(i).doc())) {
                    return i;
                }
            }
        }
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).name().equals(c.name())) {
                return i;
            }
        }
        return -1;
    }

    TableSchema source() {
        return source;
    }

    Schema schema() {
        return schema;
    }

    Schema keySchema() {
        return keySchema;
    }

    /**
     * The table row for a source row image; {@code fill} (a row of this table, or null) gives the values of source
     * columns marked unchanged.
     *
     * @throws IllegalArgumentException when a value does not fit its column
     */
    Record row(Object[] image, Record fill) {
        GenericRecord r = GenericRecord.create(schema);
        List<Types.NestedField> fields = schema.columns();
        for (int i = 0; i < positions.length; i++) {
            int p = positions[i];
            if (p < 0) {
                continue;
            }
            Object v = image[i];
            if (v == io.ferry.core.ChangeEvent.UNCHANGED) {
                r.set(p, fill == null ? null : fill.get(p));
                continue;
            }
            Types.NestedField f = fields.get(p);
            try {
                r.set(p, IcebergTypes.toIceberg(v, f.type()));
            } catch (IllegalArgumentException | ClassCastException | ArithmeticException e) {
                throw new IllegalArgumentException("column " + f.name() + ": " + e.getMessage(), e);
            }
        }
        return r;
    }

    /** Source column {@code i}'s value in a table row (Iceberg's form), or null when the table lacks the column. */
    Object value(Record row, int i) {
        return positions[i] < 0 ? null : row.get(positions[i]);
    }

    /** The table positions whose values the image marks unchanged; null when none. */
    java.util.BitSet unchanged(Object[] image) {
        java.util.BitSet out = null;
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] >= 0 && image[i] == io.ferry.core.ChangeEvent.UNCHANGED) {
                if (out == null) {
                    out = new java.util.BitSet();
                }
                out.set(positions[i]);
            }
        }
        return out;
    }

    /** The key fields of a table row, as a record of {@link #keySchema()}. */
    Record key(Record row) {
        GenericRecord k = GenericRecord.create(keySchema);
        for (int i = 0; i < keyPositions.length; i++) {
            k.set(i, row.get(keyPositions[i]));
        }
        return k;
    }

    /** The key values of a table row, for messages and lookups. */
    List<Object> keyValues(Record row) {
        List<Object> out = new ArrayList<>(keyPositions.length);
        for (int p : keyPositions) {
            out.add(row.get(p));
        }
        return out;
    }

    boolean keyless() {
        return schema.identifierFieldIds().isEmpty();
    }
}
