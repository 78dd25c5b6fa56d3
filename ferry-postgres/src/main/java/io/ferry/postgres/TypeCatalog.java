package io.ferry.postgres;

import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.TypeKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Looks up column types and table facts in the catalog over a regular connection and turns them into
 * {@link PgRelation}s. Snapshot and streaming build relations the same way, so their shapes and values agree.
 * Not thread-safe.
 */
final class TypeCatalog implements PgoutputDecoder.RelationResolver {

    /** A resolved column type with its decoder. */
    record PgType(ColumnType type, ValueDecoder decoder) {
    }

    private final Connection connection;
    private final Function<TableId, List<String>> keyColumns;
    private final Map<Long, PgType> types = new HashMap<>();

    TypeCatalog(Connection connection) {
        this(connection, table -> List.of());
    }

    /** @param keyColumns the configured key of a table without a primary key ({@code source.key-columns}) */
    TypeCatalog(Connection connection, Function<TableId, List<String>> keyColumns) {
        this.connection = connection;
        this.keyColumns = keyColumns;
    }

    Connection connection() {
        return connection;
    }

    /** The relation of a table as the catalog describes it now (for the snapshot). */
    PgRelation describe(TableId table, int oid) throws SQLException {
        List<String> names = new ArrayList<>();
        List<int[]> typeMods = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT attname, atttypid, atttypmod FROM pg_attribute"
                + " WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
            ps.setInt(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                    typeMods.add(new int[] {(int) rs.getLong(2), rs.getInt(3)});
                }
            }
        }
        int n = names.size();
        int[] typeOids = new int[n];
        int[] typmods = new int[n];
        for (int i = 0; i < n; i++) {
            typeOids[i] = typeMods.get(i)[0];
            typmods[i] = typeMods.get(i)[1];
        }
        return resolve(oid, table.schema(), table.table(), names.toArray(new String[0]), typeOids, typmods, null);
    }

    @Override
    public PgRelation resolve(int oid, String schema, String table, String[] names, int[] typeOids, int[] typmods,
                              boolean[] identity) {
        try {
            Set<String> notNull = new HashSet<>();
            Map<String, Integer> attnums = new HashMap<>();
            try (PreparedStatement ps = connection.prepareStatement("SELECT attname, attnum, attnotnull"
                    + " FROM pg_attribute WHERE attrelid = ? AND attnum > 0 AND NOT attisdropped")) {
                ps.setInt(1, oid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        attnums.put(rs.getString(1), rs.getInt(2));
                        if (rs.getBoolean(3)) {
                            notNull.add(rs.getString(1));
                        }
                    }
                }
            }
            TableId id = new TableId(schema.isEmpty() ? "pg_catalog" : schema, table);
            List<String> primaryKey = key(id, oid, names, identity);
            List<Column> columns = new ArrayList<>(names.length);
            ValueDecoder[] decoders = new ValueDecoder[names.length];
            boolean[] ident = identity != null ? identity : new boolean[names.length];
            for (int i = 0; i < names.length; i++) {
                PgType t = type(typeOids[i], typmods[i]);
                // The attnum survives a rename; a name the catalog no longer has (renamed since the Relation
                // message was written) keeps id 0 and is matched by name.
                columns.add(new Column(names[i], t.type(), !notNull.contains(names[i]),
                        attnums.getOrDefault(names[i], 0)));
                decoders[i] = t.decoder();
                if (identity == null) {
                    ident[i] = primaryKey.contains(names[i]);
                }
            }
            TableSchema shape = new TableSchema(id, 0, columns, primaryKey);
            return new PgRelation(oid, shape, decoders, ident);
        } catch (SQLException e) {
            throw new IllegalStateException("catalog lookup for " + schema + "." + table + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The key events of a table carry: the replica identity columns a Relation message flags (its primary key,
     * or the index of REPLICA IDENTITY USING INDEX; a primary key changed by DDL shows here first), else the
     * primary key, else the replica identity index, else the configured {@code source.key-columns}, else none
     * (REPLICA IDENTITY FULL without a key: the whole row identifies a row).
     */
    private List<String> key(TableId id, int oid, String[] names, boolean[] identity) throws SQLException {
        List<String> all = List.of(names);
        if (identity != null) {
            List<String> flagged = new ArrayList<>();
            for (int i = 0; i < names.length; i++) {
                if (identity[i]) {
                    flagged.add(names[i]);
                }
            }
            // FULL flags every column; then the flags do not name a key.
            if (!flagged.isEmpty() && flagged.size() < names.length) {
                return flagged;
            }
        }
        List<String> key = primaryKey(oid);
        if (key.isEmpty()) {
            key = replicaIdentityIndex(oid);
        }
        if (key.isEmpty()) {
            key = keyColumns.apply(id);
        }
        return all.containsAll(key) ? key : List.of();
    }

    /** The columns of the REPLICA IDENTITY USING INDEX index, in index order; empty without one. */
    List<String> replicaIdentityIndex(int oid) throws SQLException {
        return indexColumns(oid, "i.indisreplident");
    }

    /** The table's {@code relreplident}: d(efault), n(othing), f(ull) or i(ndex). */
    char replicaIdentity(int oid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT relreplident FROM pg_class WHERE oid = ?")) {
            ps.setLong(1, oid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1).charAt(0) : 'd';
            }
        }
    }

    /** Primary key column names in key order, empty when the table has none. */
    List<String> primaryKey(int oid) throws SQLException {
        return indexColumns(oid, "i.indisprimary");
    }

    private List<String> indexColumns(int oid, String which) throws SQLException {
        List<String> pk = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("SELECT a.attname FROM pg_index i"
                + " CROSS JOIN generate_series(0, i.indnkeyatts - 1) s(n)"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[s.n]"
                + " WHERE i.indrelid = ? AND " + which + " ORDER BY s.n")) {
            ps.setInt(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pk.add(rs.getString(1));
                }
            }
        }
        return pk;
    }

    /** The type of a column with this type OID and modifier, cached. */
    PgType type(int typeOid, int typmod) throws SQLException {
        long key = ((long) typeOid << 32) | (typmod & 0xFFFFFFFFL);
        PgType cached = types.get(key);
        if (cached != null) {
            return cached;
        }
        PgType t = lookup(typeOid, typmod);
        types.put(key, t);
        return t;
    }

    private PgType lookup(int typeOid, int typmod) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT t.typtype, t.typelem,"
                + " t.typbasetype, t.typtypmod, coalesce((SELECT e.typdelim FROM pg_type e WHERE e.oid = t.typelem),"
                + " t.typdelim), format_type(t.oid, ?), t.typinput = 'array_in'::regproc, t.typname"
                + " FROM pg_type t WHERE t.oid = ?")) {
            ps.setInt(1, typmod);
            ps.setLong(2, typeOid & 0xFFFFFFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    ColumnType unknown = ColumnType.of(TypeKind.UNKNOWN, "oid " + typeOid);
                    return new PgType(unknown, TextValues.TEXT);
                }
                String typtype = rs.getString(1);
                int elem = (int) rs.getLong(2);
                int base = (int) rs.getLong(3);
                int baseTypmod = rs.getInt(4);
                String delim = rs.getString(5);
                String name = rs.getString(6);
                boolean array = rs.getBoolean(7) && elem != 0;
                String typname = rs.getString(8);
                if ("d".equals(typtype)) {
                    PgType b = type(base, baseTypmod);
                    return new PgType(new ColumnType(b.type().kind(), name, b.type().element()), b.decoder());
                }
                if (array) {
                    PgType e = type(elem, typmod);
                    char d = delim == null || delim.isEmpty() ? ',' : delim.charAt(0);
                    return new PgType(ColumnType.arrayOf(e.type(), name),
                            TextValues.forKind(TypeKind.ARRAY, e.decoder(), d));
                }
                // citext is text compared case-insensitively: its values are exact text. Every other type outside
                // builtinKind (composite, range, multirange, money, bit, xml, hstore, geometric, network ...) is
                // UNKNOWN: the server's text form, with the type's name in sourceName.
                TypeKind kind = "e".equals(typtype) ? TypeKind.ENUM
                        : "citext".equals(typname) ? TypeKind.TEXT : builtinKind(typeOid);
                return new PgType(ColumnType.of(kind, name), TextValues.forKind(kind, null, ','));
            }
        }
    }

    static TypeKind builtinKind(int oid) {
        return switch (oid) {
            case 21 -> TypeKind.INT16;
            case 23 -> TypeKind.INT32;
            case 20 -> TypeKind.INT64;
            case 1700 -> TypeKind.DECIMAL;
            case 700 -> TypeKind.FLOAT32;
            case 701 -> TypeKind.FLOAT64;
            case 16 -> TypeKind.BOOLEAN;
            case 25, 1043, 1042, 18, 19 -> TypeKind.TEXT;
            case 17 -> TypeKind.BYTES;
            case 1082 -> TypeKind.DATE;
            case 1083 -> TypeKind.TIME;
            case 1266 -> TypeKind.TIMETZ;
            case 1114 -> TypeKind.TIMESTAMP;
            case 1184 -> TypeKind.TIMESTAMPTZ;
            case 1186 -> TypeKind.INTERVAL;
            case 2950 -> TypeKind.UUID;
            case 114, 3802 -> TypeKind.JSON;
            default -> TypeKind.UNKNOWN;
        };
    }
}
