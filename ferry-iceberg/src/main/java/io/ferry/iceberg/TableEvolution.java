package io.ferry.iceberg;

import io.ferry.core.Column;
import io.ferry.core.FerryException;
import io.ferry.core.TableSchema;
import io.ferry.core.schema.SchemaChangePolicy;
import io.ferry.core.schema.SchemaDiff;
import io.ferry.core.schema.SchemaHistory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.TypeUtil;
import org.apache.iceberg.types.Types;

/**
 * Creates an Iceberg table for a source table, or brings it to a new source schema version by the sink's
 * {@link SchemaChangePolicy}, with Iceberg's own schema evolution: renames, adds, drops and type promotions keep
 * field ids, so data files written before read on under the new schema. The version the table holds is kept in its
 * property {@code ferry.schema-version}; what changed since is told by {@link SchemaDiff} over the pipeline's
 * schema history. Non-key columns are always optional: the source enforces NOT NULL, and a lake keeps old rows.
 */
final class TableEvolution {

    static final String VERSION = "ferry.schema-version";
    static final String SOURCE = "ferry.source-table";

    private final Catalog catalog;
    private final IcebergSettings settings;
    private final boolean createTables;

    TableEvolution(Catalog catalog, IcebergSettings settings, boolean createTables) {
        this.catalog = catalog;
        this.settings = settings;
        this.createTables = createTables;
    }

    /** The table for {@code want}, created or changed as needed. */
    Table ensure(TableIdentifier id, TableSchema want, SchemaHistory history, SchemaChangePolicy policy) {
        if (!catalog.tableExists(id)) {
            if (!createTables) {
                throw new FerryException("Iceberg table " + id + " does not exist and sink.create-tables is false",
                        null, false);
            }
            return create(id, want);
        }
        Table table = catalog.loadTable(id);
        String held = table.properties().get(VERSION);
        // An older version's rows (still in Kafka after the change) are written into the table as it is; only a
        // newer version changes it.
        if (held == null || Integer.parseInt(held) < want.version()) {
            Optional<TableSchema> before = held == null ? Optional.empty()
                    : history.version(want.table(), Integer.parseInt(held));
            SchemaDiff diff = before.map(b -> SchemaDiff.between(b, want)).orElse(null);
            evolve(table, want, diff, policy);
        }
        UuidStatistics.ensure(table);
        return table;
    }

    private Table create(TableIdentifier id, TableSchema want) {
        AtomicInteger ids = new AtomicInteger(want.columns().size());
        List<Types.NestedField> fields = new ArrayList<>();
        Set<Integer> key = new HashSet<>();
        for (int i = 0; i < want.columns().size(); i++) {
            Column c = want.columns().get(i);
            boolean inKey = want.primaryKey().contains(c.name());
            fields.add(Types.NestedField.of(i + 1, !inKey, c.name(), IcebergTypes.of(c.type(), ids), TableShape.doc(c)));
            if (inKey) {
                key.add(i + 1);
            }
        }
        Schema schema = new Schema(fields, key);
        PartitionSpec spec = PartitionSpecs.of(settings.partitionBy(want.table()), schema, want.primaryKey(),
                id.toString());
        Map<String, String> props = new LinkedHashMap<>();
        props.put(TableProperties.FORMAT_VERSION, "2");
        // Each commit checks the offsets it expects against the table's newest snapshot itself: Iceberg must not
        // replay it on top of another writer's commit, which could carry offsets newer than the ones checked.
        props.put(TableProperties.COMMIT_NUM_RETRIES, "0");
        props.put(TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true");
        props.put(TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "20");
        props.put(TableProperties.DELETE_MODE, "merge-on-read");
        props.put(TableProperties.UPDATE_MODE, "merge-on-read");
        props.put(TableProperties.MERGE_MODE, "merge-on-read");
        props.put(VERSION, String.valueOf(want.version()));
        props.put(SOURCE, want.table().toString());
        props.putAll(UuidStatistics.properties(schema));
        try {
            return catalog.buildTable(id, schema).withPartitionSpec(spec).withProperties(props).create();
        } catch (org.apache.iceberg.exceptions.AlreadyExistsException e) {
            return catalog.loadTable(id);
        }
    }

    private void evolve(Table table, TableSchema want, SchemaDiff diff, SchemaChangePolicy policy) {
        String where = "Iceberg table " + table.name() + " (source " + want.table() + ")";
        if (diff == null) {
            diff = missingColumns(table.schema(), want);
        }
        if (!diff.isEmpty() && policy == SchemaChangePolicy.STOP) {
            throw new FerryException(where + " changed at the source and sink.schema-changes is stop for it: "
                    + diff.describe() + ". Change the table by hand and set the policy to ignore, or use lenient"
                    + " or evolve", null, false);
        }
        Transaction txn = table.newTransaction();
        if (!diff.isEmpty() && policy != SchemaChangePolicy.IGNORE) {
            boolean evolve = policy == SchemaChangePolicy.EVOLVE;
            Schema current = table.schema();
            UpdateSchema update = txn.updateSchema().allowIncompatibleChanges();
            boolean keyChanged = false;
            for (SchemaDiff.Change change : diff.changes()) {
                if (change instanceof SchemaDiff.Renamed r) {
                    Types.NestedField f = find(current, r.before());
                    if (f != null && !f.name().equals(r.after().name()) && current.findField(r.after().name()) == null) {
                        update.renameColumn(f.name(), r.after().name());
                    }
                } else if (change instanceof SchemaDiff.Retyped r) {
                    retype(update, current, r, evolve, where);
                } else if (change instanceof SchemaDiff.Added a) {
                    if (find(current, a.column()) == null) {
                        update.addColumn(a.column().name(), IcebergTypes.of(a.column().type(), new AtomicInteger()),
                                TableShape.doc(a.column()));
                    }
                } else if (change instanceof SchemaDiff.Dropped d && evolve) {
                    Types.NestedField f = find(current, d.column());
                    if (f != null && !current.identifierFieldIds().contains(f.fieldId())) {
                        update.deleteColumn(f.name());
                    }
                } else if (change instanceof SchemaDiff.KeyChanged) {
                    keyChanged = true;
                }
            }
            // Committed even when empty: a transaction takes its next update only after the last one committed.
            update.commit();
            if (keyChanged) {
                UpdateSchema rekey = txn.updateSchema().allowIncompatibleChanges();
                for (String k : want.primaryKey()) {
                    rekey.requireColumn(k);
                }
                for (Integer old : txn.table().schema().identifierFieldIds()) {
                    String name = txn.table().schema().findColumnName(old);
                    if (!want.primaryKey().contains(name)) {
                        rekey.makeColumnOptional(name);
                    }
                }
                rekey.setIdentifierFields(want.primaryKey());
                rekey.commit();
            }
        }
        txn.updateProperties().set(VERSION, String.valueOf(want.version())).commit();
        txn.commitTransaction();
    }

    /** A column's type changed; true when the table's column changes. */
    private static boolean retype(UpdateSchema update, Schema current, SchemaDiff.Retyped r, boolean evolve,
                                  String where) {
        Types.NestedField f = find(current, r.after());
        if (f == null) {
            return false;
        }
        Type wanted = IcebergTypes.of(r.after().type(), new AtomicInteger());
        Type held = f.type();
        if (held.equals(wanted)) {
            return false;
        }
        if (held.isPrimitiveType() && wanted.isPrimitiveType()
                && TypeUtil.isPromotionAllowed(held, wanted.asPrimitiveType())) {
            update.updateColumn(f.name(), wanted.asPrimitiveType());
            return true;
        }
        boolean coveredAlready = held.isPrimitiveType() && wanted.isPrimitiveType()
                && TypeUtil.isPromotionAllowed(wanted, held.asPrimitiveType());
        if (!evolve && coveredAlready) {
            return false;
        }
        if (evolve && !coveredAlready) {
            // Iceberg changes a type in place only by promotion: the column is replaced and its old values lost.
            update.deleteColumn(f.name());
            update.addColumn(r.after().name(), wanted, TableShape.doc(r.after()));
            return true;
        }
        if (evolve) {
            return false;
        }
        throw new FerryException(where + ": column " + r.after().name() + " changed type from "
                + r.before().type().sourceName() + " to " + r.after().type().sourceName() + ", but Iceberg can change "
                + held + " to " + wanted + " only by replacing the column; sink.schema-changes lenient does not."
                + " Set evolve for this table (the column's old values are lost) or change the table by hand",
                null, false);
    }

    /** The columns a table whose recorded version is unknown lacks, by identity or name, as additions. */
    private static SchemaDiff missingColumns(Schema schema, TableSchema want) {
        List<SchemaDiff.Change> adds = new ArrayList<>();
        for (Column c : want.columns()) {
            if (find(schema, c) == null) {
                adds.add(new SchemaDiff.Added(c));
            }
        }
        return new SchemaDiff(want, want, adds);
    }

    private static Types.NestedField find(Schema schema, Column c) {
        String doc = TableShape.doc(c);
        if (doc != null) {
            for (Types.NestedField f : schema.columns()) {
                if (doc.equals(f.doc())) {
                    return f;
                }
            }
        }
        return schema.findField(c.name());
    }
}
