package io.ferry.postgres;

import io.ferry.core.TableSchema;

/**
 * A captured table as the current connection knows it: its shape (version 0 until announced), one decoder per
 * column, and which columns form the replica identity (sent in key-only old tuples).
 */
final class PgRelation {

    final int oid;
    final TableSchema shape;
    final ValueDecoder[] decoders;
    final boolean[] identity;
    /** The schema version events of this relation carry; set by {@link SchemaAnnouncer} before the first event. */
    TableSchema announced;
    /** Whether {@code source.tables} names the table under this Relation's name; set on its first event. */
    Boolean captured;

    PgRelation(int oid, TableSchema shape, ValueDecoder[] decoders, boolean[] identity) {
        this.oid = oid;
        this.shape = shape;
        this.decoders = decoders;
        this.identity = identity;
    }
}
