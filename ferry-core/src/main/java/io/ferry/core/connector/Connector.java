package io.ferry.core.connector;

import io.ferry.core.FerryException;
import io.ferry.core.Sink;
import io.ferry.core.Source;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.config.SinkOption;
import java.util.List;
import java.util.Optional;

/**
 * One database kind (PostgreSQL, MySQL, ...): the source, sink and {@code ferry verify} readers it provides.
 * Implementations register through {@link java.util.ServiceLoader} and are looked up by the {@code type} a
 * pipeline file names ({@link Connectors}); nothing outside a connector's module tests which kind it is. A kind
 * that cannot be a source (or a sink) keeps the default methods, which refuse naming the kind.
 */
public interface Connector {

    /** The {@code source.type} / {@code sink.type} that selects this kind, in lower case, e.g. {@code postgres}. */
    String type();

    /** Other spellings that select it, e.g. {@code mariadb} for {@code mysql}. */
    default List<String> aliases() {
        return List.of();
    }

    /** The port used when the pipeline file names none. */
    int defaultPort();

    default boolean capturesChanges() {
        return false;
    }

    default boolean appliesChanges() {
        return false;
    }

    /** Whether its source can take the initial snapshot in chunks alongside the stream ({@code snapshot: incremental}). */
    default boolean snapshotsIncrementally() {
        return false;
    }

    /** A source for one pipeline run; nothing is connected to until {@link Source#prepare()}. */
    default Source source(PipelineConfig pipeline) {
        throw new FerryException(type() + " cannot be a source (source.type)");
    }

    /** Debezium's name of this kind in the envelope's {@code source.connector}, e.g. {@code postgresql}. */
    default String envelopeName() {
        return type();
    }

    /** Keys under {@code sink:} that this kind reads beyond the common ones; see {@link SinkConfig#option}. */
    default List<SinkOption> sinkOptions() {
        return List.of();
    }

    /**
     * Whether several sinks of this kind may apply different partitions of one table at once ({@code ferry run
     * --appliers}): their offsets are kept per partition and their DDL is serialized in the target. When false, one
     * process applies with one applier.
     */
    default boolean sinkAppliesPartitionsConcurrently() {
        return false;
    }

    /** Whether {@code sink.database} and {@code sink.user} must be given (a file-system lake needs neither). */
    default boolean sinkNeedsLogin() {
        return true;
    }

    /** A sink for one applier; it connects on first use. */
    default Sink sink(SinkConfig config) {
        throw new FerryException(type() + " cannot be a sink (sink.type)");
    }

    /**
     * Checks, before anything starts, that the sink can be written: the login, the database, and the privileges to
     * create Ferry's tables and write rows. Throws a one-line {@link FerryException}, retriable when the target is
     * out of reach. The default opens the sink and reads the stored offsets of a topic that does not exist, which
     * every sink does before its first batch.
     */
    default void preflightSink(SinkConfig config) {
        try (Sink s = sink(config)) {
            s.storedOffsets("ferry-preflight");
        }
    }

    /**
     * What the pipeline keeps in the source between runs (a replication slot, a publication), one line each; with
     * {@code remove} it is removed. Throws when the source shows the pipeline is running. The default: a kind that
     * keeps nothing in the source (a binlog reader).
     */
    default List<String> dropSource(PipelineConfig pipeline, boolean remove) {
        return List.of();
    }

    /**
     * The pipeline's bookkeeping in the target ({@code owned}), one line each; with {@code remove} it is removed. The
     * default: a kind that keeps none Ferry knows how to remove, which it says in one line.
     */
    default List<String> dropSinkState(SinkConfig config, TargetState owned, boolean remove) {
        return List.of("the " + type() + " sink keeps no state that ferry can remove");
    }

    /** The source side of {@code ferry verify}: the captured tables, their rows, and how far the log is. */
    default SourceTables sourceTables(PipelineConfig pipeline) {
        throw new FerryException("ferry verify cannot read a " + type() + " source");
    }

    /** The target side of {@code ferry verify}: a sink's copy of each source table, read as rows. */
    default TargetTables targetTables(SinkConfig config) {
        throw new FerryException("ferry verify cannot read a " + type() + " target");
    }

    /**
     * A comparison that runs inside both databases when source and target are both of this kind (no rows
     * travel unless a chunk differs); empty when rows are compared through {@link SourceTables} and
     * {@link TargetTables}.
     */
    default Optional<TableComparer> sameKindComparer(PipelineConfig pipeline) {
        return Optional.empty();
    }
}
