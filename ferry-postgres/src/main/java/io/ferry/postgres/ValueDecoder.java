package io.ferry.postgres;

import java.nio.charset.StandardCharsets;

/**
 * Turns PostgreSQL's text output of one column type into the Java value {@link io.ferry.core.TypeKind}
 * defines. Resolved once per column when a relation is announced, so the hot path never switches on types.
 */
interface ValueDecoder {

    Object decode(String text);

    /** Decodes UTF-8 text straight from a protocol buffer; numeric decoders override it to skip the String. */
    default Object decode(byte[] buf, int off, int len) {
        return decode(new String(buf, off, len, StandardCharsets.UTF_8));
    }
}
