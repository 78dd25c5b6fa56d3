package io.ferry.kafka;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.ferry.core.ChangeEvent;
import io.ferry.core.Column;
import io.ferry.core.ColumnType;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableSchema;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Serializes a {@link ChangeEvent} into the Kafka key (primary-key columns as a JSON object) and the
 * Debezium-compatible JSON envelope value, streaming into one reusable buffer. Not thread-safe: use one per
 * thread. A value of the wrong Java class for its column fails with a {@link FerryException} naming it.
 */
public final class EnvelopeWriter {

    /** The Ferry release writing envelopes, as {@code source.version} shows it. */
    public static final String FERRY_VERSION = loadVersion();

    static final JsonFactory JSON = new JsonFactory();

    private static final SerializedString BEFORE = new SerializedString("before");
    private static final SerializedString AFTER = new SerializedString("after");
    private static final SerializedString SOURCE = new SerializedString("source");
    private static final SerializedString VERSION = new SerializedString("version");
    private static final SerializedString CONNECTOR = new SerializedString("connector");
    private static final SerializedString NAME = new SerializedString("name");
    private static final SerializedString TS_MS = new SerializedString("ts_ms");
    private static final SerializedString TS_US = new SerializedString("ts_us");
    private static final SerializedString SNAPSHOT = new SerializedString("snapshot");
    private static final SerializedString DB = new SerializedString("db");
    private static final SerializedString SCHEMA = new SerializedString("schema");
    private static final SerializedString TABLE = new SerializedString("table");
    private static final SerializedString SCHEMA_VERSION = new SerializedString("schema_version");
    private static final SerializedString OP = new SerializedString("op");
    private static final SerializedString UNCHANGED = new SerializedString("unchanged");
    private static final int MAX_CACHED_LAYOUTS = 4096;

    /** {@code "version":…,"connector":…,"name":…,} written raw: the same bytes for every event of this writer. */
    private final SerializedString sourceHead;
    private final String database;
    private final Buffer buffer = new Buffer();
    private final ValueCodec codec = new ValueCodec();
    private final Map<TableSchema, Layout> layouts = new IdentityHashMap<>();
    private final PositionFields positionFields = new PositionFields();
    private TableSchema lastSchema;
    private Layout lastLayout;
    private JsonGenerator gen;

    /**
     * @param connector {@code source.connector}, e.g. {@code postgresql}
     * @param pipeline  {@code source.name}, the pipeline name
     * @param database  {@code source.db}, the source database name
     */
    public EnvelopeWriter(String connector, String pipeline, String database) {
        this.database = database;
        this.gen = newGenerator();
        this.sourceHead = new SerializedString(constantFields(VERSION, FERRY_VERSION, CONNECTOR, connector, NAME, pipeline)
                + ",");
    }

    /** The key: {@code {"<key column>":value,...}} in key order, or {@code null} for a truncate. */
    public byte[] key(ChangeEvent e) {
        if (e.op() == Operation.TRUNCATE) {
            return null;
        }
        Layout layout = layout(e.schema());
        Object[] row = e.keyImage();
        try {
            gen.writeStartObject();
            for (int i : layout.keyIndexes) {
                Object v = row[i];
                if (v != ChangeEvent.UNCHANGED) {
                    gen.writeFieldName(layout.names[i]);
                    value(e, layout, i, v);
                }
            }
            gen.writeEndObject();
            return finish();
        } catch (IOException | RuntimeException ex) {
            throw failed(ex);
        }
    }

    /**
     * The envelope: {@code before}, {@code after}, {@code source}, {@code op}, {@code ts_ms} and, when
     * {@code after} lacks unchanged values, {@code unchanged}. {@code schemaVersion} is the durable version the
     * schemas topic holds for this shape; {@code nowMillis} becomes {@code ts_ms}.
     */
    public byte[] value(ChangeEvent e, int schemaVersion, long nowMillis) {
        Layout layout = layout(e.schema());
        try {
            JsonGenerator g = gen;
            g.writeStartObject();
            g.writeFieldName(BEFORE);
            row(e, layout, e.before());
            g.writeFieldName(AFTER);
            boolean unchanged = row(e, layout, e.after());
            g.writeFieldName(SOURCE);
            g.writeStartObject();
            // The constant fields go in raw, pre-encoded: the generator then counts ts_ms as the object's first
            // field (no comma of its own) and, after the raw tail, still knows a field came before schema_version.
            g.writeRaw(sourceHead);
            g.writeFieldName(TS_MS);
            g.writeNumber(Math.floorDiv(e.commitMicros(), 1000L));
            g.writeFieldName(TS_US);
            g.writeNumber(e.commitMicros());
            g.writeRaw(e.op() == Operation.READ ? layout.snapshotTail : layout.streamTail);
            g.writeFieldName(SCHEMA_VERSION);
            g.writeNumber(schemaVersion);
            e.position().describe(positionFields);
            g.writeEndObject();
            g.writeFieldName(OP);
            g.writeString(e.op().code());
            g.writeFieldName(TS_MS);
            g.writeNumber(nowMillis);
            if (unchanged) {
                g.writeFieldName(UNCHANGED);
                g.writeStartArray();
                Object[] after = e.after();
                for (int i = 0; i < after.length; i++) {
                    if (after[i] == ChangeEvent.UNCHANGED) {
                        g.writeString(layout.names[i]);
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            return finish();
        } catch (IOException | RuntimeException ex) {
            throw failed(ex);
        }
    }

    /** The JSON object of a position's described fields, as the offsets topic stores it. */
    public byte[] position(SourcePosition position) {
        try {
            gen.writeStartObject();
            position.describe(positionFields);
            position.describeResume(positionFields);
            gen.writeEndObject();
            return finish();
        } catch (IOException | RuntimeException ex) {
            throw failed(ex);
        }
    }

    /** Writes a row image; returns whether it holds {@link ChangeEvent#UNCHANGED} values (left out). */
    private boolean row(ChangeEvent e, Layout layout, Object[] row) throws IOException {
        if (row == null) {
            gen.writeNull();
            return false;
        }
        if (row.length != layout.names.length) {
            throw new IllegalArgumentException("a row image of " + row.length + " values for " + layout.names.length
                    + " columns");
        }
        boolean unchanged = false;
        gen.writeStartObject();
        for (int i = 0; i < row.length; i++) {
            Object v = row[i];
            if (v == ChangeEvent.UNCHANGED) {
                unchanged = true;
            } else {
                gen.writeFieldName(layout.names[i]);
                value(e, layout, i, v);
            }
        }
        gen.writeEndObject();
        return unchanged;
    }

    private void value(ChangeEvent e, Layout layout, int i, Object v) throws IOException {
        try {
            codec.write(gen, layout.types[i], v);
        } catch (ClassCastException ex) {
            Column c = e.schema().columns().get(i);
            throw new FerryException("column " + c.name() + " of " + e.table() + " (" + c.type().kind() + ", "
                    + c.type().sourceName() + ") cannot hold a " + v.getClass().getName() + ": " + ex.getMessage(),
                    ex, false);
        }
    }

    private byte[] finish() throws IOException {
        gen.flush();
        byte[] out = buffer.toByteArray();
        buffer.reset();
        return out;
    }

    /** A failure leaves the generator mid-document: start over with a fresh one. */
    private FerryException failed(Exception ex) {
        buffer.reset();
        gen = newGenerator();
        if (ex instanceof FerryException fe) {
            return fe;
        }
        return new FerryException("cannot serialize a change event: " + ex.getMessage(), ex, false);
    }

    private JsonGenerator newGenerator() {
        try {
            JsonGenerator g = JSON.createGenerator(buffer);
            g.setRootValueSeparator(null);
            return g;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Layout layout(TableSchema schema) {
        if (schema == lastSchema) {
            return lastLayout;
        }
        Layout l = layouts.get(schema);
        if (l == null) {
            if (layouts.size() >= MAX_CACHED_LAYOUTS) {
                layouts.clear();
            }
            l = new Layout(schema, database);
            layouts.put(schema, l);
        }
        lastSchema = schema;
        lastLayout = l;
        return l;
    }

    /** {@code "a":"x","b":"y"} as the generator writes these fields, escapes included. */
    private static String constantFields(SerializedString... namesAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                g.writeFieldName(namesAndValues[i]);
                g.writeString(namesAndValues[i + 1]);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String object = out.toString(StandardCharsets.UTF_8);
        return object.substring(1, object.length() - 1);
    }

    private static String constantFields(SerializedString n1, String v1, SerializedString n2, String v2,
                                         SerializedString n3, String v3) {
        return constantFields(n1, new SerializedString(v1), n2, new SerializedString(v2), n3, new SerializedString(v3));
    }

    private static String loadVersion() {
        try (InputStream in = EnvelopeWriter.class.getResourceAsStream("ferry-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Pre-encoded names of one schema version. */
    private static final class Layout {
        final SerializedString[] names;
        final ColumnType[] types;
        final int[] keyIndexes;
        /** {@code ,"snapshot":…,"db":…,"schema":…,"table":…} of a snapshot read and of a streamed change. */
        final SerializedString snapshotTail;
        final SerializedString streamTail;

        Layout(TableSchema s, String database) {
            List<Column> columns = s.columns();
            names = new SerializedString[columns.size()];
            types = new ColumnType[columns.size()];
            for (int i = 0; i < names.length; i++) {
                names[i] = new SerializedString(columns.get(i).name());
                types[i] = columns.get(i).type();
            }
            keyIndexes = s.keyIndexes();
            snapshotTail = tail("true", database, s);
            streamTail = tail("false", database, s);
        }

        private static SerializedString tail(String snapshot, String database, TableSchema s) {
            return new SerializedString("," + constantFields(SNAPSHOT, new SerializedString(snapshot), DB,
                    new SerializedString(database), SCHEMA, new SerializedString(s.table().schema()), TABLE,
                    new SerializedString(s.table().table())));
        }
    }

    /**
     * Positions name their fields with constants, so the names are pre-encoded once by identity (a few dozen at most;
     * any further name is written as it comes).
     */
    private final class PositionFields implements SourcePosition.Fields {
        private final String[] names = new String[32];
        private final SerializedString[] encoded = new SerializedString[32];
        private int size;

        private void name(String name) throws IOException {
            for (int i = 0; i < size; i++) {
                if (names[i] == name) {
                    gen.writeFieldName(encoded[i]);
                    return;
                }
            }
            if (size < names.length) {
                names[size] = name;
                encoded[size++] = new SerializedString(name);
            }
            gen.writeFieldName(name);
        }

        @Override
        public void put(String name, long value) {
            try {
                name(name);
                gen.writeNumber(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void put(String name, String value) {
            try {
                name(name);
                gen.writeString(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void put(String name, boolean value) {
            try {
                name(name);
                gen.writeBoolean(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A growable byte array the generator flushes into; reused for every record. */
    private static final class Buffer extends OutputStream {
        private byte[] bytes = new byte[4096];
        private int size;

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }

        void reset() {
            size = 0;
            if (bytes.length > 1 << 20) {
                bytes = new byte[4096];
            }
        }
    }
}
