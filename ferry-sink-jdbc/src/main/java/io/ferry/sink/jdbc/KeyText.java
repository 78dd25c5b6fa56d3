package io.ferry.sink.jdbc;

import io.ferry.core.Column;
import io.ferry.core.TableSchema;

/** A row's key as people read it in errors: {@code {id=5, Region=EU}}; the whole row for a table without a key. */
final class KeyText {

    private static final int MAX_VALUE_CHARS = 100;

    private KeyText() {
    }

    static String of(JdbcDialect dialect, TableSchema schema, Object[] image) {
        if (image == null) {
            return "{}";
        }
        StringBuilder sb = new StringBuilder("{");
        int[] key = schema.keyIndexes();
        for (int i = 0; i < key.length; i++) {
            Column col = schema.columns().get(key[i]);
            Object v = image[key[i]];
            String text = v == null ? "null" : dialect.text(col.type(), v);
            if (text.length() > MAX_VALUE_CHARS) {
                text = text.substring(0, MAX_VALUE_CHARS) + "...";
            }
            sb.append(i > 0 ? ", " : "").append(col.name()).append('=').append(text);
        }
        return sb.append('}').toString();
    }
}
