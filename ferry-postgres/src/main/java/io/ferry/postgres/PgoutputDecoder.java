package io.ferry.postgres;

import io.ferry.core.ChangeEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes messages of the {@code pgoutput} logical replication protocol, version 1 (Begin, Commit, Origin,
 * Relation, Type, Insert, Update, Delete, Truncate, Message), straight from the protocol bytes.
 *
 * <p>Hand-written because no maintained Java library decodes pgoutput (pgjdbc hands over raw messages). It is
 * the capture's hot path: it reads the backing array directly, decodes UTF-8 only for text values and uses
 * the per-column decoders resolved once per Relation message. Not thread-safe; one instance per connection.
 */
final class PgoutputDecoder {

    /** Microseconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01. */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    /** Receives decoded messages in stream order. Row images are aligned with the relation's columns. */
    interface Listener {
        void begin(long finalLsn, long commitMicros, long xid);

        void commit(long commitLsn, long endLsn, long commitMicros);

        void insert(PgRelation relation, Object[] after);

        /** {@code before} is {@code null} when the message carried no old tuple. */
        void update(PgRelation relation, Object[] before, Object[] after);

        void delete(PgRelation relation, Object[] before);

        void truncate(List<PgRelation> relations);
    }

    /** Builds a relation (schema, decoders) from a Relation message, consulting the catalog for types. */
    interface RelationResolver {
        PgRelation resolve(int oid, String schema, String table, String[] names, int[] typeOids, int[] typmods,
                           boolean[] identity);
    }

    private final RelationResolver resolver;
    private final Map<Integer, PgRelation> relations = new HashMap<>();
    private PgRelation lastRelation;

    private byte[] buf;
    private int pos;

    PgoutputDecoder(RelationResolver resolver) {
        this.resolver = resolver;
    }

    /** Decodes one message; the buffer's content between position and limit is the whole message. */
    void decode(ByteBuffer message, Listener listener) {
        int start;
        if (message.hasArray()) {
            buf = message.array();
            start = message.arrayOffset() + message.position();
        } else {
            buf = new byte[message.remaining()];
            message.duplicate().get(buf);
            start = 0;
        }
        pos = start + 1;
        byte tag = buf[start];
        switch (tag) {
            case 'B' -> listener.begin(int64(), int64() + PG_EPOCH_MICROS, int32() & 0xFFFFFFFFL);
            case 'C' -> {
                pos++;
                listener.commit(int64(), int64(), int64() + PG_EPOCH_MICROS);
            }
            case 'R' -> relation();
            case 'I' -> {
                PgRelation rel = relation(int32());
                pos++;
                listener.insert(rel, tuple(rel, false));
            }
            case 'U' -> {
                PgRelation rel = relation(int32());
                Object[] before = null;
                byte kind = buf[pos++];
                if (kind == 'K' || kind == 'O') {
                    before = tuple(rel, kind == 'K');
                    pos++;
                }
                listener.update(rel, before, tuple(rel, false));
            }
            case 'D' -> {
                PgRelation rel = relation(int32());
                byte kind = buf[pos++];
                listener.delete(rel, tuple(rel, kind == 'K'));
            }
            case 'T' -> {
                int n = int32();
                pos++;
                List<PgRelation> rels = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    rels.add(relation(int32()));
                }
                listener.truncate(rels);
            }
            case 'O', 'Y', 'M' -> {
                // Origin, Type and logical decoding messages carry nothing Ferry captures: types come from
                // the catalog when a Relation arrives.
            }
            default -> throw new IllegalStateException("unknown pgoutput message type '" + (char) tag + "'");
        }
    }

    private void relation() {
        int oid = int32();
        String schema = cstring();
        String table = cstring();
        pos++; // replica identity setting; the per-column flags say which columns it covers
        int n = int16();
        String[] names = new String[n];
        int[] types = new int[n];
        int[] typmods = new int[n];
        boolean[] identity = new boolean[n];
        for (int i = 0; i < n; i++) {
            identity[i] = (buf[pos++] & 1) != 0;
            names[i] = cstring();
            types[i] = int32();
            typmods[i] = int32();
        }
        PgRelation rel = resolver.resolve(oid, schema, table, names, types, typmods, identity);
        relations.put(oid, rel);
        lastRelation = rel;
    }

    private PgRelation relation(int oid) {
        PgRelation last = lastRelation;
        if (last != null && last.oid == oid) {
            return last;
        }
        PgRelation rel = relations.get(oid);
        if (rel == null) {
            throw new IllegalStateException("pgoutput sent a change for relation " + (oid & 0xFFFFFFFFL)
                    + " before its Relation message");
        }
        lastRelation = rel;
        return rel;
    }

    /** TupleData; in a key-only image the columns outside the replica identity are marked unchanged. */
    private Object[] tuple(PgRelation rel, boolean keyOnly) {
        int n = int16();
        ValueDecoder[] decoders = rel.decoders;
        Object[] row = new Object[decoders.length];
        for (int i = 0; i < n; i++) {
            byte kind = buf[pos++];
            if (keyOnly && !rel.identity[i]) {
                row[i] = ChangeEvent.UNCHANGED;
                if (kind == 't') {
                    pos += int32();
                }
                continue;
            }
            switch (kind) {
                case 'n' -> row[i] = null;
                case 'u' -> row[i] = ChangeEvent.UNCHANGED;
                case 't' -> {
                    int len = int32();
                    row[i] = decoders[i].decode(buf, pos, len);
                    pos += len;
                }
                default -> throw new IllegalStateException("unknown tuple data kind '" + (char) kind + "'");
            }
        }
        for (int i = n; i < row.length; i++) {
            row[i] = ChangeEvent.UNCHANGED;
        }
        return row;
    }

    private int int16() {
        int v = (buf[pos] & 0xFF) << 8 | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    private int int32() {
        int v = (buf[pos] & 0xFF) << 24 | (buf[pos + 1] & 0xFF) << 16 | (buf[pos + 2] & 0xFF) << 8 | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    private long int64() {
        long hi = int32() & 0xFFFFFFFFL;
        long lo = int32() & 0xFFFFFFFFL;
        return hi << 32 | lo;
    }

    private String cstring() {
        int end = pos;
        while (buf[end] != 0) {
            end++;
        }
        String s = new String(buf, pos, end - pos, StandardCharsets.UTF_8);
        pos = end + 1;
        return s;
    }
}
