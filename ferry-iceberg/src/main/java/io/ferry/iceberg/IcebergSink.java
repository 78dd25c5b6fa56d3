package io.ferry.iceberg;

import io.ferry.core.ChangeEvent;
import io.ferry.core.FerryException;
import io.ferry.core.Operation;
import io.ferry.core.Sink;
import io.ferry.core.SourcePosition;
import io.ferry.core.TableId;
import io.ferry.core.TableSchema;
import io.ferry.core.config.SinkConfig;
import io.ferry.core.schema.SchemaChanges;
import io.ferry.core.schema.SchemaHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies changes to Apache Iceberg tables (format v2), one per source table in the sink's namespace, exactly once:
 * each commit's snapshot carries the Kafka offsets it covers ({@link SnapshotOffsets}), checked against the table's
 * newest snapshot before it commits, so a restart resumes where the table is and a batch is never committed twice.
 *
 * <p>Rows are buffered in data and delete files across {@link #apply} calls and committed every
 * {@code commit-interval} or {@code commit-rows}; {@link #storedOffsets} says only what is committed. That is safe
 * with the applier, which seeks to {@link #storedOffsets} on start, on every assignment and after a
 * {@link PartitionLostException}: whatever was buffered but not committed is simply read again. A batch that holds
 * rows of partitions revoked meanwhile still commits only if no other applier committed those partitions since
 * (their offsets in the newest snapshot are still the batch's starting ones); otherwise it is dropped and the next
 * call throws {@link PartitionLostException}, as its expected offsets no longer match. A kill between writing files
 * and committing loses nothing (the offsets did not move) and repeats nothing (the files were never committed);
 * the files stay behind as orphans and are removed after {@code orphan-files-older-than}.
 *
 * <p>Thread-safe only in that a timer commits due batches while the applier is idle; one instance per applier.
 */
public final class IcebergSink implements Sink {

    private static final Logger log = LoggerFactory.getLogger(IcebergSink.class);
    /** Holds the offsets of topics none of whose rows reached a table yet (every record dead-lettered). */
    static final String OFFSETS_TABLE = "ferry_offsets";

    private final IcebergSettings settings;
    private final SchemaChanges schemaChanges;
    private final boolean createTables;
    private final LongSupplier nanoTime;
    private final Namespace namespace;
    private final Object lock = new Object();
    private Catalog catalog;
    private TableEvolution evolution;
    private Maintenance maintenance;
    private final Map<TableId, TableState> tables = new HashMap<>();
    private final Map<TableSchema, TableState> bySchema = new IdentityHashMap<>();
    /** Every table written, the offsets-only one included. */
    private final Map<TableIdentifier, TableState> states = new LinkedHashMap<>();
    /** The tables whose snapshots carry each topic's offsets. */
    private final Map<String, Set<TableIdentifier>> holders = new HashMap<>();
    private ScheduledExecutorService timer;

    public IcebergSink(SinkConfig config) {
        this(config, System::nanoTime);
    }

    IcebergSink(SinkConfig config, LongSupplier nanoTime) {
        this.settings = IcebergSettings.of(config);
        this.schemaChanges = config.schemaChanges();
        this.createTables = config.createTables();
        this.nanoTime = nanoTime;
        this.namespace = Namespace.of(settings.namespace().split("\\."));
    }

    @Override
    public void ensureTable(TableSchema schema, SchemaHistory history) {
        synchronized (lock) {
            TableState state = tables.get(schema.table());
            if (state != null && state.versions.contains(schema.version())) {
                bySchema.put(schema, state);
                return;
            }
            TableIdentifier id = TableIdentifier.of(namespace, schema.table().table());
            if (state != null) {
                // Files in the batch follow the table's current schema: commit them before it changes.
                commit(state);
            }
            Table table = call("preparing table " + id, () -> evolution().ensure(id, schema, history,
                    schemaChanges.policyFor(schema.table())));
            if (state == null) {
                state = new TableState(id, table);
                tables.put(schema.table(), state);
                states.put(id, state);
            } else {
                state.table = table;
                state.shapes.clear();
            }
            state.versions.add(schema.version());
            bySchema.put(schema, state);
        }
    }

    @Override
    public Map<Integer, Long> storedOffsets(String topic) {
        synchronized (lock) {
            for (TableIdentifier id : holdersOf(topic)) {
                TableState s = stateOf(id);
                if (s != null && !s.pending.isEmpty()) {
                    commit(s);
                }
            }
            return committed(topic);
        }
    }

    @Override
    public void apply(List<ChangeEvent> events, List<OffsetUpdate> offsets) {
        if (events.isEmpty() && offsets.isEmpty()) {
            return;
        }
        synchronized (lock) {
            for (ChangeEvent e : events) {
                if (!bySchema.containsKey(e.schema())) {
                    ensureTable(e.schema(), SchemaHistory.NONE);
                }
            }
            // Commit what is due before anything of this call is taken: a retriable failure then leaves the call
            // undone, to be made again.
            commitDue(false);
            Map<String, TableState> topicTables = new LinkedHashMap<>();
            for (ChangeEvent e : events) {
                String topic = topicOf(e.position());
                if (topic != null) {
                    topicTables.putIfAbsent(topic, bySchema.get(e.schema()));
                }
            }
            for (OffsetUpdate u : offsets) {
                Long pending = null;
                for (TableIdentifier id : holdersOf(u.topic())) {
                    TableState s = stateOf(id);
                    if (s != null && s.pending.next(u.topic(), u.partition()) != null) {
                        pending = s.pending.next(u.topic(), u.partition());
                    }
                }
                long now = pending != null ? pending : committed(u.topic()).getOrDefault(u.partition(), -1L);
                if (now != u.expectedNext()) {
                    throw new PartitionLostException("partition " + u.topic() + "/" + u.partition() + " is at offset "
                            + now + " in the Iceberg tables of namespace " + namespace + ", not " + u.expectedNext()
                            + ": another applier owns it now, or a batch not yet committed was dropped");
                }
            }
            List<Change> changes = plan(events);
            write(changes);
            long now = nanoTime.getAsLong();
            for (OffsetUpdate u : offsets) {
                TableState s = topicTables.get(u.topic());
                if (s == null) {
                    s = holderWithPending(u.topic());
                }
                if (s == null) {
                    s = offsetsTable();
                }
                holders.computeIfAbsent(u.topic(), t -> new LinkedHashSet<>()).add(s.id);
                s.pending.moved(u.topic(), u.partition(), u.expectedNext(), u.newNext(), now);
            }
            try {
                commitDue(true);
            } catch (FerryException e) {
                if (!e.retriable()) {
                    throw e;
                }
                // This call's rows are in the batch; the next call (or the timer) commits them.
                log.warn("Iceberg commit failed, will retry: {}", e.getMessage());
            }
            startTimer();
        }
    }

    /** Each event as table rows, every value converted, before anything is written: a refusal leaves no trace. */
    private List<Change> plan(List<ChangeEvent> events) {
        List<Change> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            ChangeEvent e = events.get(i);
            TableState s = bySchema.get(e.schema());
            TableShape shape = s.shape(e.schema());
            try {
                out.add(Change.of(e, shape, s));
            } catch (IllegalArgumentException ex) {
                throw new RejectedChangeException(i, "Iceberg table " + s.id + " refused event #" + i + " (op "
                        + e.op().code() + ")" + describeKey(e) + ": " + ex.getMessage(), ex);
            }
        }
        return out;
    }

    private static String describeKey(ChangeEvent e) {
        if (e.op() == Operation.TRUNCATE || e.keyImage() == null) {
            return "";
        }
        Map<String, Object> key = new LinkedHashMap<>();
        for (int k : e.schema().keyIndexes()) {
            key.put(e.schema().columns().get(k).name(), e.keyImage()[k]);
        }
        return ", key " + key;
    }

    private void write(List<Change> changes) {
        Map<TableState, List<Change>> lookups = new IdentityHashMap<>();
        for (Change c : changes) {
            if (c.needsFill() && c.before == null) {
                lookups.computeIfAbsent(c.state, k -> new ArrayList<>()).add(c);
            }
        }
        try {
            Map<TableState, Map<List<Object>, Record>> current = new IdentityHashMap<>();
            for (Map.Entry<TableState, List<Change>> e : lookups.entrySet()) {
                current.put(e.getKey(), CurrentRows.lookup(e.getKey(), e.getValue()));
            }
            long now = nanoTime.getAsLong();
            for (Change c : changes) {
                c.write(current.getOrDefault(c.state, Map.of()));
                c.state.pending.counted(1, now);
            }
        } catch (IOException | UncheckedIOException e) {
            // A writer in an unknown state cannot be trusted: drop every batch. The retried call then finds its
            // expected offsets gone and the applier re-reads from what is committed.
            discardAll();
            throw new FerryException("cannot write Iceberg data files under " + settings.warehouse() + ": "
                    + e.getMessage(), e, true);
        }
    }

    private void commitDue(boolean onlyIfDue) {
        long now = nanoTime.getAsLong();
        for (TableState s : List.copyOf(states.values())) {
            commitIfDue(s, now, onlyIfDue);
        }
    }

    private void commitIfDue(TableState s, long now, boolean onlyIfDue) {
        if (s.pending.isEmpty()) {
            return;
        }
        boolean due = s.pending.changes() >= settings.commitRows()
                || now - s.pending.startedNanos() >= settings.commitInterval().toNanos();
        if (due || !onlyIfDue && s.uncommittedFailure) {
            commit(s);
        }
    }

    /**
     * Commits a table's batch with the offsets it reached, if the table's newest snapshot still has the offsets
     * the batch started from; else drops the batch and throws {@link PartitionLostException}.
     */
    private void commit(TableState s) {
        if (s.pending.isEmpty()) {
            return;
        }
        try {
            new Committer(s, this::committed).commit();
            s.uncommittedFailure = false;
            for (String topic : s.pending.offsets().keySet()) {
                holders.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(s.id);
            }
            s.pending.clear();
            maintenance().afterCommit(s.table);
        } catch (PartitionLostException e) {
            s.pending.discard();
            throw e;
        } catch (FerryException e) {
            s.uncommittedFailure = true;
            throw e;
        }
    }

    /** Every partition of {@code topic} as committed, the newest of the tables carrying it; fresh from storage. */
    private Map<Integer, Long> committed(String topic) {
        Map<Integer, Long> out = new HashMap<>();
        for (TableIdentifier id : holdersOf(topic)) {
            Table t = call("reading offsets of " + topic, () -> {
                TableState s = stateOf(id);
                if (s != null) {
                    s.table.refresh();
                    return s.table;
                }
                return catalog().loadTable(id);
            });
            SnapshotOffsets.read(t).getOrDefault(topic, Map.of()).forEach((p, n) -> out.merge(p, n, Math::max));
        }
        return out;
    }

    /** The tables known to carry {@code topic}'s offsets; the namespace is searched when none is known. */
    private Set<TableIdentifier> holdersOf(String topic) {
        Set<TableIdentifier> known = holders.get(topic);
        if (known != null) {
            return known;
        }
        call("listing Iceberg tables in " + namespace, () -> {
            if (!namespaceExists()) {
                return null;
            }
            for (TableIdentifier id : catalog().listTables(namespace)) {
                Table t;
                try {
                    t = catalog().loadTable(id);
                } catch (NoSuchTableException e) {
                    continue;
                }
                for (String carried : SnapshotOffsets.read(t).keySet()) {
                    holders.computeIfAbsent(carried, k -> new LinkedHashSet<>()).add(id);
                }
            }
            return null;
        });
        return holders.getOrDefault(topic, Set.of());
    }

    private boolean namespaceExists() {
        Catalog c = catalog();
        return !(c instanceof SupportsNamespaces ns) || ns.namespaceExists(namespace);
    }

    private TableState holderWithPending(String topic) {
        for (TableIdentifier id : holdersOf(topic)) {
            TableState s = stateOf(id);
            if (s != null && !id.name().equals(OFFSETS_TABLE)) {
                return s;
            }
        }
        return null;
    }

    private TableState stateOf(TableIdentifier id) {
        return states.get(id);
    }

    /** The table that holds offsets of topics without rows: no columns that matter, snapshots only. */
    private TableState offsetsTable() {
        TableIdentifier id = TableIdentifier.of(namespace, OFFSETS_TABLE);
        TableState s = states.get(id);
        if (s == null) {
            Table t = call("creating " + id, () -> {
                if (catalog().tableExists(id)) {
                    return catalog().loadTable(id);
                }
                try {
                    return catalog().buildTable(id, new org.apache.iceberg.Schema(
                                    org.apache.iceberg.types.Types.NestedField.optional(1, "unused",
                                            org.apache.iceberg.types.Types.StringType.get())))
                            .withProperty("format-version", "2").withProperty("commit.retry.num-retries", "0")
                            .create();
                } catch (AlreadyExistsException e) {
                    return catalog().loadTable(id);
                }
            });
            s = new TableState(id, t);
            states.put(id, s);
        }
        return s;
    }

    private void discardAll() {
        for (TableState s : states.values()) {
            s.pending.discard();
        }
    }

    private void startTimer() {
        if (timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ferry-iceberg-commit");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.max(50, Math.min(1000, settings.commitInterval().toMillis() / 4));
        timer.scheduleWithFixedDelay(this::commitOnTimer, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Commits batches that came due while no apply call came: the applier is idle when the source is. */
    private void commitOnTimer() {
        synchronized (lock) {
            long now = nanoTime.getAsLong();
            for (TableState s : new ArrayList<>(allStates())) {
                try {
                    commitIfDue(s, now, true);
                } catch (PartitionLostException e) {
                    log.info("dropped an uncommitted batch of {}: {}", s.id, e.getMessage());
                } catch (RuntimeException e) {
                    log.warn("Iceberg commit of {} failed, will retry: {}", s.id, e.getMessage());
                }
            }
        }
    }

    private List<TableState> allStates() {
        return new ArrayList<>(states.values());
    }

    private Catalog catalog() {
        if (catalog == null) {
            catalog = call("opening the Iceberg catalog at " + settings.warehouse(), () -> {
                Catalog c = Catalogs.open(settings);
                if (c instanceof SupportsNamespaces ns && !ns.namespaceExists(namespace)) {
                    try {
                        ns.createNamespace(namespace);
                    } catch (AlreadyExistsException e) {
                        // Another applier made it.
                    }
                }
                return c;
            });
        }
        return catalog;
    }

    private TableEvolution evolution() {
        if (evolution == null) {
            evolution = new TableEvolution(catalog(), settings, createTables);
        }
        return evolution;
    }

    private Maintenance maintenance() {
        if (maintenance == null) {
            maintenance = new Maintenance(settings);
        }
        return maintenance;
    }

    /** Runs a storage call; an I/O failure is retriable and names the warehouse. */
    <T> T call(String what, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (UncheckedIOException e) {
            throw new FerryException(what + " failed (warehouse " + settings.warehouse() + "): " + e.getMessage(), e,
                    true);
        }
    }

    private static String topicOf(SourcePosition position) {
        String[] topic = new String[1];
        position.describe(new SourcePosition.Fields() {
            public void put(String name, long value) {
            }

            public void put(String name, String value) {
                if (name.equals("topic")) {
                    topic[0] = value;
                }
            }

            public void put(String name, boolean value) {
            }
        });
        return topic[0];
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (timer != null) {
                timer.shutdownNow();
                timer = null;
            }
            for (TableState s : allStates()) {
                try {
                    commit(s);
                } catch (RuntimeException e) {
                    log.warn("the last batch of {} was not committed (it is read again on start): {}", s.id,
                            e.getMessage());
                }
                if (maintenance != null && s.table != null) {
                    maintenance.beforeClose(s.table);
                }
            }
            if (catalog instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("closing the catalog", e);
                }
            }
            catalog = null;
        }
    }

    /** A table this sink writes: the Iceberg table, the shapes of source versions seen, the uncommitted batch. */
    static final class TableState {
        final TableIdentifier id;
        Table table;
        final Map<TableSchema, TableShape> shapes = new IdentityHashMap<>();
        /** Source schema versions the table was made ready for. */
        final Set<Integer> versions = new java.util.HashSet<>();
        final PendingBatch pending = new PendingBatch();
        boolean uncommittedFailure;

        TableState(TableIdentifier id, Table table) {
            this.id = id;
            this.table = table;
        }

        /** Where {@code schema}'s columns are in the table as it is now. */
        TableShape shape(TableSchema schema) {
            return shapes.computeIfAbsent(schema, k -> new TableShape(k, table.schema()));
        }
    }
}
