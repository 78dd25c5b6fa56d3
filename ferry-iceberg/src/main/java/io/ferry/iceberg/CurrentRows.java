package io.ferry.iceberg;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * Reads the committed rows of some keys, for updates whose source left values out because they did not change (an
 * unchanged TOASTed PostgreSQL value) and sent no before image. One scan per few hundred keys.
 */
final class CurrentRows {

    private static final int KEYS_PER_SCAN = 500;

    private CurrentRows() {
    }

    static Map<List<Object>, Record> lookup(IcebergSink.TableState state, List<Change> changes) throws IOException {
        Map<List<Object>, Record> out = new HashMap<>();
        if (state.pending.truncated() || state.table.currentSnapshot() == null) {
            return out;
        }
        Map<List<Object>, Change> wanted = new LinkedHashMap<>();
        for (Change c : changes) {
            if (!state.pending.rows().containsKey(c.keyValues())) {
                wanted.putIfAbsent(c.keyValues(), c);
            }
        }
        List<Map.Entry<List<Object>, Change>> all = List.copyOf(wanted.entrySet());
        for (int from = 0; from < all.size(); from += KEYS_PER_SCAN) {
            Expression where = Expressions.alwaysFalse();
            TableShape shape = null;
            for (Map.Entry<List<Object>, Change> e : all.subList(from, Math.min(all.size(), from + KEYS_PER_SCAN))) {
                shape = e.getValue().shape();
                Expression one = Expressions.alwaysTrue();
                List<Types.NestedField> keyFields = shape.keySchema().columns();
                for (int i = 0; i < keyFields.size(); i++) {
                    one = Expressions.and(one, Expressions.equal(keyFields.get(i).name(), e.getKey().get(i)));
                }
                where = Expressions.or(where, one);
            }
            TableShape current = new TableShape(shape.source(), state.table.schema());
            try (CloseableIterable<Record> rows = IcebergGenerics.read(state.table).where(where).build()) {
                for (Record r : rows) {
                    out.put(Change.internal(current, current.key(r)), r.copy());
                }
            }
        }
        return out;
    }
}
