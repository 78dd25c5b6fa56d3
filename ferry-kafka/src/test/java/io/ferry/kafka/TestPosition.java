package io.ferry.kafka;

import io.ferry.core.SourcePosition;

/** A source position like PostgreSQL's: commit LSN plus the index of an event inside its transaction. */
record TestPosition(long lsn, long index) implements SourcePosition {

    @Override
    public void describe(Fields out) {
        out.put("lsn", lsn);
        out.put("index", index);
    }
}
