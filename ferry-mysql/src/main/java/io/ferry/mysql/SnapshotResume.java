package io.ferry.mysql;

import io.ferry.core.ChangeHandler;
import io.ferry.core.TableSchema;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the rest of an interrupted snapshot from its {@link SnapshotProgress}: done tables are skipped, a table
 * with a primary key goes on after the last key handed over, any other table an earlier run was inside is read
 * again whole (emptied first where nothing identifies its rows), and the rest start from their first row.
 */
final class SnapshotResume {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotResume.class);

    private SnapshotResume() {
    }

    /** The tables to list and read, in {@code defs}' order; each one in progress gets one INFO line. */
    static List<SnapshotReader.Table> plan(List<TableDef> defs, SnapshotProgress progress, ChangeHandler handler) {
        List<SnapshotReader.Table> out = new ArrayList<>();
        for (TableDef def : defs) {
            String name = def.id.toString();
            SnapshotProgress.Table p = progress.of(name);
            if (p == null) {
                out.add(new SnapshotReader.Table(def, 0));
            } else if (p.done()) {
                out.add(new SnapshotReader.Table(def, 0, p.rows(), p.chunks(), null, false, true));
            } else if (def.catalogKey && p.lastKey() != null && sameKey(def, handler.published(def.id).orElse(null),
                    p.lastKey().size())) {
                LOG.info("Resuming snapshot of {} after {} row(s) ({} chunk(s) done)", name, p.rows(), p.chunks());
                out.add(new SnapshotReader.Table(def, 0, p.rows(), p.chunks(), p.lastKey().toArray(new String[0]),
                        false, false));
            } else if (def.catalogKey) {
                LOG.info("Snapshot of {} stopped after {} row(s) ({} chunk(s) done), but its primary key changed since:"
                        + " reading it again from the first row", name, p.rows(), p.chunks());
                out.add(new SnapshotReader.Table(def, 0));
            } else {
                boolean keyless = def.shape.primaryKey().isEmpty();
                LOG.info("Snapshot of {} stopped after {} row(s) ({} chunk(s) done); it has no primary key to go on"
                        + " after, so it is read again whole{}", name, p.rows(), p.chunks(),
                        keyless ? " after a TRUNCATE" : "");
                out.add(new SnapshotReader.Table(def, 0, 0, 0, null, keyless, false));
            }
        }
        return out;
    }

    /**
     * Whether a key handed over under the {@code published} shape still orders and binds like {@code def}'s: same
     * key columns of the same kinds ({@code published} is null when nothing is known, which counts as the same).
     */
    private static boolean sameKey(TableDef def, TableSchema published, int values) {
        List<String> key = def.shape.primaryKey();
        if (key.size() != values) {
            return false;
        }
        if (published == null) {
            return true;
        }
        if (!published.primaryKey().equals(key)) {
            return false;
        }
        for (String k : key) {
            int was = published.indexOf(k);
            if (was < 0 || published.columns().get(was).type().kind()
                    != def.shape.columns().get(def.shape.indexOf(k)).type().kind()) {
                return false;
            }
        }
        return true;
    }
}
