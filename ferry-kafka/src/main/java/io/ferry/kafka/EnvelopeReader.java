package io.ferry.kafka;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what {@link EnvelopeWriter} wrote (and Debezium envelopes in the same conventions) back into row
 * images aligned with a {@link TableSchema}: each value of the Java class its {@link io.ferry.core.TypeKind}
 * defines, {@link ChangeEvent#UNCHANGED} for a column the envelope leaves out. Malformed input fails with a
 * {@link FerryException}. Not thread-safe (it keeps the field names it expects next): one per thread.
 */
public final class EnvelopeReader {

    /**
     * One decoded envelope.
     *
     * @param before        the row before the change, or {@code null}
     * @param after         the row after the change, or {@code null}
     * @param schemaVersion {@code source.schema_version}, or -1 when absent
     * @param commitMicros  {@code source.ts_us} (else {@code ts_ms} * 1000), or 0 when absent
     */
    public record Envelope(Operation op, Object[] before, Object[] after, int schemaVersion, long commitMicros) {
    }

    /** The top-level fields in the order {@link EnvelopeWriter} writes them. */
    private static final SerializedString[] TOP = names("before", "after", "source", "op", "ts_ms");

    /**
     * The source block's field names in the order the previous envelope had them. Matching the bytes of the name
     * expected next is much cheaper than reading a name (Jackson hashes it into its symbol table), and the source
     * block's dozen names are most of an envelope's; learnt, so any writer's order matches from its second event.
     */
    private SerializedString[] sourceNames = new SerializedString[0];
    /** Column names of each schema version read, by identity (one instance per version: SchemaStore). */
    private final Map<TableSchema, SerializedString[]> columnNames = new IdentityHashMap<>();

    /** Decodes an envelope value against the schema version it was written with (or a compatible one). */
    public Envelope read(TableSchema schema, byte[] value) {
        return read(schema, value, 0, value.length);
    }

    /** {@link #read(TableSchema, byte[])} of the buffer's remaining bytes, in place; its position does not move. */
    public Envelope read(TableSchema schema, ByteBuffer value) {
        return read(schema, value, null);
    }

    /**
     * {@link #read(TableSchema, ByteBuffer)}; when the record's header said its op, schema version and commit time
     * ({@code known} not null), only the row images are read, and the parse stops after them.
     */
    Envelope read(TableSchema schema, ByteBuffer value, EnvelopeHeader known) {
        if (value == null) {
            throw new FerryException("a change envelope of " + schema.table() + " is empty (a tombstone)", null, false);
        }
        byte[] bytes = value.hasArray() ? value.array() : copy(value);
        int offset = value.hasArray() ? value.arrayOffset() + value.position() : 0;
        return known == null ? read(schema, bytes, offset, value.remaining())
                : readRows(schema, bytes, offset, value.remaining(), known);
    }

    /** The row images of an envelope whose op, schema version and commit time its record's header gave. */
    private Envelope readRows(TableSchema schema, byte[] bytes, int offset, int length, EnvelopeHeader known) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(bytes, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            Object[] before = null;
            Object[] after = null;
            boolean beforeRead = false;
            boolean afterRead = false;
            SerializedString[] columns = columnNames(schema);
            String field;
            while (!(beforeRead && afterRead) && (field = nextName(p, TOP, beforeRead ? 1 : 0)) != null) {
                JsonToken t = p.nextToken();
                if (field.equals("before")) {
                    before = t == JsonToken.VALUE_NULL ? null : row(p, schema, t, columns);
                    beforeRead = true;
                } else if (field.equals("after")) {
                    after = t == JsonToken.VALUE_NULL ? null : row(p, schema, t, columns);
                    afterRead = true;
                } else {
                    p.skipChildren();
                }
            }
            return new Envelope(known.op(), before, after, known.schemaVersion(), known.commitMicros());
        } catch (IOException | RuntimeException e) {
            throw malformed(schema, e);
        }
    }

    private Envelope read(TableSchema schema, byte[] value, int offset, int length) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(value, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            Operation op = null;
            Object[] before = null;
            Object[] after = null;
            int version = -1;
            long micros = 0;
            long millis = 0;
            SerializedString[] columns = columnNames(schema);
            int next = 0;
            String field;
            while ((field = nextName(p, TOP, next)) != null) {
                next = field == TOP[Math.min(next, TOP.length - 1)].getValue() ? next + 1 : next;
                JsonToken t = p.nextToken();
                switch (field) {
                    case "before" -> before = t == JsonToken.VALUE_NULL ? null : row(p, schema, t, columns);
                    case "after" -> after = t == JsonToken.VALUE_NULL ? null : row(p, schema, t, columns);
                    case "op" -> op = operation(p);
                    case "source" -> {
                        expect(t, JsonToken.START_OBJECT);
                        int k = 0;
                        String name;
                        while ((name = nextSourceName(p, k)) != null) {
                            k++;
                            p.nextToken();
                            switch (name) {
                                case "schema_version" -> version = p.getIntValue();
                                case "ts_us" -> micros = p.getLongValue();
                                case "ts_ms" -> millis = p.getLongValue();
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (op == null) {
                throw new FerryException("a change envelope of " + schema.table() + " has no op field", null, false);
            }
            return new Envelope(op, before, after, version, micros != 0 ? micros : millis * 1000);
        } catch (IOException | RuntimeException e) {
            throw malformed(schema, e);
        }
    }

    /**
     * The next field name of the object the parser is in, matched against {@code expected[at]} first, or null at the
     * object's end. A name that matched is {@code expected[at]}'s own String instance.
     */
    private static String nextName(JsonParser p, SerializedString[] expected, int at) throws IOException {
        SerializedString want = at < expected.length ? expected[at] : null;
        if (want == null) {
            return p.nextToken() == JsonToken.FIELD_NAME ? p.currentName() : null;
        }
        if (p.nextFieldName(want)) {
            return want.getValue();
        }
        return p.currentToken() == JsonToken.FIELD_NAME ? p.currentName() : null;
    }

    /** {@link #nextName} for the source block's {@code k}-th field, learning the name when it is not the expected one. */
    private String nextSourceName(JsonParser p, int k) throws IOException {
        String name = nextName(p, sourceNames, k);
        if (name != null && (k >= sourceNames.length || sourceNames[k] == null || name != sourceNames[k].getValue())) {
            if (k >= sourceNames.length) {
                sourceNames = Arrays.copyOf(sourceNames, k + 8);
            }
            sourceNames[k] = new SerializedString(name);
        }
        return name;
    }

    private SerializedString[] columnNames(TableSchema schema) {
        SerializedString[] names = columnNames.get(schema);
        if (names == null) {
            if (columnNames.size() >= 1024) {
                columnNames.clear(); // versions long gone; a few names each, relearnt when one comes back
            }
            names = names(schema.columns().stream().map(Column::name).toArray(String[]::new));
            columnNames.put(schema, names);
        }
        return names;
    }

    private static SerializedString[] names(String... names) {
        SerializedString[] out = new SerializedString[names.length];
        for (int i = 0; i < names.length; i++) {
            out[i] = new SerializedString(names[i]);
        }
        return out;
    }

    /** Decodes a key into an array aligned with the schema's columns, non-key columns {@link ChangeEvent#UNCHANGED}. */
    public Object[] readKey(TableSchema schema, byte[] key) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(key)) {
            return row(p, schema, p.nextToken(), columnNames(schema));
        } catch (IOException | RuntimeException e) {
            throw malformed(schema, e);
        }
    }

    /** {@code source.schema_version} of an envelope without decoding its rows, or -1 when absent. */
    public static int schemaVersion(byte[] value) {
        return schemaVersion(value, 0, value.length);
    }

    /** {@link #schemaVersion(byte[])} of the buffer's remaining bytes; its position does not move. */
    public static int schemaVersion(ByteBuffer value) {
        if (value == null) {
            throw new FerryException("a change envelope is empty (a tombstone)", null, false);
        }
        if (!value.hasArray()) {
            return schemaVersion(copy(value));
        }
        return schemaVersion(value.array(), value.arrayOffset() + value.position(), value.remaining());
    }

    private static byte[] copy(ByteBuffer value) {
        byte[] out = new byte[value.remaining()];
        value.duplicate().get(out);
        return out;
    }

    private static int schemaVersion(byte[] value, int offset, int length) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(value, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("source") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        if (name.equals("schema_version")) {
                            return p.getIntValue();
                        }
                        p.skipChildren();
                    }
                    return -1;
                }
                p.skipChildren();
            }
            return -1;
        } catch (IOException e) {
            throw new FerryException("a change envelope is not valid JSON: " + e.getMessage(), e, false);
        }
    }

    /** The row object at {@code start}, its fields matched against the schema's columns in order first. */
    private static Object[] row(JsonParser p, TableSchema schema, JsonToken start, SerializedString[] names)
            throws IOException {
        expect(start, JsonToken.START_OBJECT);
        List<Column> columns = schema.columns();
        Object[] row = new Object[columns.size()];
        Arrays.fill(row, ChangeEvent.UNCHANGED);
        int expected = 0;
        while (true) {
            int i;
            // Fields come in column order from Ferry; look up by name only when they do not.
            if (expected < names.length && p.nextFieldName(names[expected])) {
                i = expected;
            } else if ((expected < names.length ? p.currentToken() : p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                i = schema.indexOf(name);
                if (i < 0) {
                    throw new FerryException("column " + name + " is not in version " + schema.version() + " of "
                            + schema.table(), null, false);
                }
            } else {
                return row;
            }
            p.nextToken();
            row[i] = ValueCodec.read(p, columns.get(i).type());
            expected = i + 1;
        }
    }

    private static Operation operation(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING && p.getTextLength() == 1) {
            switch (p.getTextCharacters()[p.getTextOffset()]) {
                case 'c' -> {
                    return Operation.CREATE;
                }
                case 'u' -> {
                    return Operation.UPDATE;
                }
                case 'd' -> {
                    return Operation.DELETE;
                }
                case 'r' -> {
                    return Operation.READ;
                }
                case 't' -> {
                    return Operation.TRUNCATE;
                }
                default -> {
                }
            }
        }
        return operation(p.getText());
    }

    private static Operation operation(String code) {
        return switch (code) {
            case "c" -> Operation.CREATE;
            case "u" -> Operation.UPDATE;
            case "d" -> Operation.DELETE;
            case "r" -> Operation.READ;
            case "t" -> Operation.TRUNCATE;
            default -> throw new FerryException("unknown op \"" + code + "\" in a change envelope", null, false);
        };
    }

    private static void expect(JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + " but found " + actual);
        }
    }

    private static FerryException malformed(TableSchema schema, Exception e) {
        if (e instanceof FerryException fe) {
            return fe;
        }
        return new FerryException("a change envelope of " + schema.table() + " cannot be read: " + e.getMessage(), e,
                false);
    }
}
