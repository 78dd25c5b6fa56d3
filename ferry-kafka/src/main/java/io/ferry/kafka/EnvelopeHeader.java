package io.ferry.kafka;

import io.ferry.core.Operation;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * What an event record's header {@value #KEY} repeats of its envelope: the op, {@code source.schema_version} and
 * {@code source.ts_us}. With it the applier reads a record's row images and stops: the source block, about half of
 * an envelope, is never parsed. Records without it (written before it existed, or by Debezium) are read whole.
 *
 * @param commitMicros the envelope's {@code source.ts_us}
 */
record EnvelopeHeader(Operation op, int schemaVersion, long commitMicros) {

    static final String KEY = "ferry.envelope";
    private static final int LENGTH = 1 + Integer.BYTES + Long.BYTES;

    /** The header of a record: the op's one-letter code, the schema version and the commit time, big-endian. */
    Header toHeader() {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put((byte) op.code().charAt(0)).putInt(schemaVersion).putLong(commitMicros);
        return new RecordHeader(KEY, b.array());
    }

    /** The header of a record, or null when it has none or one this version cannot read. */
    static EnvelopeHeader of(Headers headers) {
        Header h = headers.lastHeader(KEY);
        if (h == null || h.value() == null || h.value().length != LENGTH) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(h.value());
        Operation op = switch (b.get()) {
            case 'c' -> Operation.CREATE;
            case 'u' -> Operation.UPDATE;
            case 'd' -> Operation.DELETE;
            case 'r' -> Operation.READ;
            case 't' -> Operation.TRUNCATE;
            default -> null;
        };
        return op == null ? null : new EnvelopeHeader(op, b.getInt(), b.getLong());
    }
}
