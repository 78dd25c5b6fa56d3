package io.ferry.postgres;

import io.ferry.core.RequestedCopies;
import io.ferry.core.TableId;
import io.ferry.core.TableSelector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** PostgreSQL's form of the requested-copies queue: array text of quoted names, as positions already carry it. */
final class PgQueueText implements RequestedCopies.QueueText {

    static final PgQueueText INSTANCE = new PgQueueText();

    @Override
    public String encode(Collection<TableId> tables) {
        String[] names = new String[tables.size()];
        int i = 0;
        for (TableId t : tables) {
            names[i++] = TableSelector.quote(t);
        }
        return Backfill.keyText(names);
    }

    @Override
    public List<TableId> decode(String text) {
        List<TableId> out = new ArrayList<>();
        for (String name : Backfill.parseKey(text)) {
            TableSelector.Entry e = TableSelector.parse(name, "public");
            out.add(new TableId(e.schema(), e.table()));
        }
        return out;
    }
}
