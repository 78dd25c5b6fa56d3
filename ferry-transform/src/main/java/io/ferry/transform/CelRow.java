package io.ferry.transform;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.TableSchema;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One row image as CEL's {@code row}: a read-only map view that converts a column's value when an expression
 * reads it, so evaluating costs no copy of the row. A NULL column is absent ({@code has(row.col)} is false); a
 * column the source did not send is taken from {@code fallback} (the before image) when it has it.
 */
final class CelRow extends AbstractMap<String, Object> {

    private final TableSchema schema;
    private final Map<String, Integer> indexes;
    private final Object[] image;
    private final Object[] fallback;

    CelRow(TableSchema schema, Map<String, Integer> indexes, Object[] image, Object[] fallback) {
        this.schema = schema;
        this.indexes = indexes;
        this.image = image;
        this.fallback = fallback;
    }

    /** Whether every column {@code columns} names was sent (in the image or the fallback). */
    boolean has(int[] columns) {
        for (int i : columns) {
            if (image[i] == ChangeEvent.UNCHANGED && (fallback == null || fallback[i] == ChangeEvent.UNCHANGED)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Object get(Object key) {
        Integer i = indexes.get(key);
        if (i == null) {
            return null;
        }
        Object v = image[i];
        if (v == ChangeEvent.UNCHANGED) {
            v = fallback == null ? null : fallback[i];
        }
        if (v == null || v == ChangeEvent.UNCHANGED) {
            return null;
        }
        Column c = schema.columns().get(i);
        return CelValues.toCel(c.type().kind(), c.type(), v);
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (String name : indexes.keySet()) {
            Object v = get(name);
            if (v != null) {
                all.put(name, v);
            }
        }
        return all.entrySet();
    }
}
