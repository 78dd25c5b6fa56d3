package io.ferry.iceberg;

import io.ferry.core.ChangeEvent;
import io.ferry.core.Operation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;

/**
 * One change event as rows of its Iceberg table, its values already converted (so a value that does not fit is
 * refused before anything is written). An update or insert of a keyed table replaces the row with its key (an
 * insert may be a replay); a key change first removes the old key; a table without a key adds and removes whole
 * rows.
 */
final class Change {

    enum Kind { UPSERT, INSERT, DELETE_KEY, DELETE_ROW, TRUNCATE }

    final IcebergSink.TableState state;
    private final TableShape shape;
    private final Kind kind;
    private final Record row;
    private final Record key;
    private final List<Object> keyValues;
    /** Table positions whose values the source did not send, or null. */
    private final BitSet unchanged;
    /** The row before the change, when the source sent it: the values of unchanged columns. */
    final Record before;
    /** For a key change: the old key's row and key. */
    private final Record movedFromRow;
    private final Record movedFromKey;
    private final List<Object> movedFromKeyValues;

    private Change(IcebergSink.TableState state, TableShape shape, Kind kind, Record row, BitSet unchanged,
                   Record before, Record movedFromRow) {
        this.state = state;
        this.shape = shape;
        this.kind = kind;
        this.row = row;
        this.key = row == null || shape.keyless() ? null : shape.key(row);
        this.keyValues = key == null ? null : internal(shape, key);
        this.unchanged = unchanged;
        this.before = before;
        this.movedFromRow = movedFromRow;
        this.movedFromKey = movedFromRow == null ? null : shape.key(movedFromRow);
        this.movedFromKeyValues = movedFromKey == null ? null : internal(shape, movedFromKey);
    }

    /** @throws IllegalArgumentException when a value does not fit its column, or a needed image is missing */
    static Change of(ChangeEvent e, TableShape shape, IcebergSink.TableState state) {
        if (e.op() == Operation.TRUNCATE) {
            return new Change(state, shape, Kind.TRUNCATE, null, null, null, null);
        }
        Record before = e.before() == null ? null : shape.row(e.before(), null);
        if (shape.keyless()) {
            if (e.op() == Operation.DELETE || e.op() == Operation.UPDATE) {
                if (before == null) {
                    throw new IllegalArgumentException("the source sent no before image for a change of a table"
                            + " without a primary key: set REPLICA IDENTITY FULL (PostgreSQL) or"
                            + " binlog_row_image=FULL (MySQL), or name key columns in source.key-columns");
                }
                if (e.op() == Operation.DELETE) {
                    return new Change(state, shape, Kind.DELETE_ROW, before, null, null, null);
                }
                return new Change(state, shape, Kind.INSERT, shape.row(e.after(), before), null, null, before);
            }
            return new Change(state, shape, Kind.INSERT, shape.row(e.after(), null), null, null, null);
        }
        if (e.op() == Operation.DELETE) {
            return new Change(state, shape, Kind.DELETE_KEY, before, null, null, null);
        }
        Record after = shape.row(e.after(), null);
        Record movedFrom = null;
        if (before != null && !internal(shape, shape.key(before)).equals(internal(shape, shape.key(after)))) {
            movedFrom = before;
        }
        return new Change(state, shape, Kind.UPSERT, after, shape.unchanged(e.after()), before, movedFrom);
    }

    boolean needsFill() {
        return unchanged != null;
    }

    List<Object> keyValues() {
        return keyValues;
    }

    TableShape shape() {
        return shape;
    }

    Record key() {
        return key;
    }

    /** Writes the change into its table's batch; {@code committed} holds current rows by key for filling. */
    void write(Map<List<Object>, Record> committed) throws IOException {
        PendingBatch batch = state.pending;
        switch (kind) {
            case TRUNCATE -> batch.truncate();
            case INSERT -> {
                if (movedFromRow != null) {
                    batch.writer(state.table).deleteRow(movedFromRow);
                }
                batch.writer(state.table).write(row);
            }
            case DELETE_ROW -> batch.writer(state.table).deleteRow(row);
            case DELETE_KEY -> {
                batch.writer(state.table).deleteKey(row, key);
                batch.rows().put(keyValues, null);
            }
            case UPSERT -> {
                if (movedFromRow != null) {
                    batch.writer(state.table).deleteKey(movedFromRow, movedFromKey);
                    batch.rows().put(movedFromKeyValues, null);
                }
                if (unchanged != null) {
                    fill(batch, committed);
                }
                batch.writer(state.table).upsert(row, key);
                batch.rows().put(keyValues, row);
            }
        }
    }

    /** Values of unchanged columns: from the before image, else this batch's latest row, else the table's. */
    private void fill(PendingBatch batch, Map<List<Object>, Record> committed) {
        Record from;
        if (before != null) {
            from = before;
        } else if (batch.rows().containsKey(keyValues)) {
            from = batch.rows().get(keyValues);
        } else {
            from = batch.truncated() ? null : committed.get(keyValues);
        }
        for (int p = unchanged.nextSetBit(0); p >= 0; p = unchanged.nextSetBit(p + 1)) {
            row.set(p, from == null ? null : from.get(p));
        }
    }

    /** A key's values in Iceberg's internal form (timestamps as longs), comparable by equals. */
    static List<Object> internal(TableShape shape, Record key) {
        InternalRecordWrapper w = new InternalRecordWrapper(shape.keySchema().asStruct()).wrap(key);
        List<Object> out = new ArrayList<>(w.size());
        for (int i = 0; i < w.size(); i++) {
            out.add(w.get(i, Object.class));
        }
        return out;
    }
}
