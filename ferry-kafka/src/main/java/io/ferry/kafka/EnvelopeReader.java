package io.ferry.kafka;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.TableSchema;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Reads what {@link EnvelopeWriter} wrote (and Debezium envelopes in the same conventions) back into row
 * images aligned with a {@link TableSchema}: each value of the Java class its {@link io.ferry.core.TypeKind}
 * defines, {@link ChangeEvent#UNCHANGED} for a column the envelope leaves out. Stateless and thread-safe;
 * malformed input fails with a {@link FerryException}.
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

    /** Decodes an envelope value against the schema version it was written with (or a compatible one). */
    public Envelope read(TableSchema schema, byte[] value) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(value)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            Operation op = null;
            Object[] before = null;
            Object[] after = null;
            int version = -1;
            long micros = 0;
            long millis = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "before" -> before = t == JsonToken.VALUE_NULL ? null : row(p, schema);
                    case "after" -> after = t == JsonToken.VALUE_NULL ? null : row(p, schema);
                    case "op" -> op = operation(p.getText());
                    case "source" -> {
                        expect(t, JsonToken.START_OBJECT);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
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

    /** Decodes a key into an array aligned with the schema's columns, non-key columns {@link ChangeEvent#UNCHANGED}. */
    public Object[] readKey(TableSchema schema, byte[] key) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(key)) {
            return row(p, schema, p.nextToken());
        } catch (IOException | RuntimeException e) {
            throw malformed(schema, e);
        }
    }

    /** {@code source.schema_version} of an envelope without decoding its rows, or -1 when absent. */
    public static int schemaVersion(byte[] value) {
        try (JsonParser p = EnvelopeWriter.JSON.createParser(value)) {
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

    private static Object[] row(JsonParser p, TableSchema schema) throws IOException {
        return row(p, schema, p.currentToken());
    }

    private static Object[] row(JsonParser p, TableSchema schema, JsonToken start) throws IOException {
        expect(start, JsonToken.START_OBJECT);
        List<Column> columns = schema.columns();
        Object[] row = new Object[columns.size()];
        Arrays.fill(row, ChangeEvent.UNCHANGED);
        int expected = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            // Fields come in column order from Ferry; look up by name only when they do not.
            int i = expected < columns.size() && columns.get(expected).name().equals(name) ? expected : schema.indexOf(name);
            if (i < 0) {
                throw new FerryException("column " + name + " is not in version " + schema.version() + " of "
                        + schema.table(), null, false);
            }
            p.nextToken();
            row[i] = ValueCodec.read(p, columns.get(i).type());
            expected = i + 1;
        }
        return row;
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
