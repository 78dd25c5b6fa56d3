package io.ferry.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.ManifestReader;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.BaseTaskWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.PartitionedFanoutWriter;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.iceberg.io.UnpartitionedWriter;
import org.apache.iceberg.io.WriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a table the sink writes readable over time, run after its commits: rewrites the table into few data files
 * without deletes once it has {@code compact-after-files} files (a whole-table rewrite, meant for the tables a
 * pipeline keeps; run Spark's {@code rewrite_data_files} for very large ones), expires snapshots older than
 * {@code expire-snapshots-older-than} keeping the last {@code snapshots-to-keep}, and removes data files no
 * snapshot references that are older than {@code orphan-files-older-than} (left by a kill between write and commit).
 * A failure is logged, never raised: maintenance never stops the pipeline.
 */
final class Maintenance {

    private static final Logger log = LoggerFactory.getLogger(Maintenance.class);

    private final IcebergSettings settings;
    private final Map<String, Long> lastExpiry = new HashMap<>();
    private final Map<String, Long> lastOrphanSweep = new HashMap<>();

    Maintenance(IcebergSettings settings) {
        this.settings = settings;
    }

    void afterCommit(Table table) {
        try {
            Snapshot s = table.currentSnapshot();
            if (s == null) {
                return;
            }
            long files = count(s, "total-data-files") + count(s, "total-delete-files");
            if (settings.compactAfterFiles() > 0 && files >= settings.compactAfterFiles()) {
                compact(table);
            }
            long now = System.currentTimeMillis();
            long expireEvery = Math.max(1_000, Math.min(60_000, settings.expireSnapshotsOlderThan().toMillis() / 4));
            if (now - lastExpiry.getOrDefault(table.name(), 0L) >= expireEvery) {
                expire(table, now);
            }
            long sweepEvery = Math.max(10_000, Math.min(3_600_000, settings.orphanFilesOlderThan().toMillis()));
            if (now - lastOrphanSweep.getOrDefault(table.name(), 0L) >= sweepEvery) {
                lastOrphanSweep.put(table.name(), now);
                removeOrphans(table, now - settings.orphanFilesOlderThan().toMillis());
            }
        } catch (RuntimeException | IOException e) {
            log.warn("maintenance of Iceberg table {} failed (it is tried again later): {}", table.name(),
                    e.toString());
        }
    }

    /** Expires what is due now, whenever it last ran: a sink that stops leaves its tables tidy. */
    void beforeClose(Table table) {
        try {
            expire(table, System.currentTimeMillis());
        } catch (RuntimeException e) {
            log.warn("expiring snapshots of Iceberg table {} failed (it is tried again later): {}", table.name(),
                    e.toString());
        }
    }

    private void expire(Table table, long now) {
        lastExpiry.put(table.name(), now);
        table.expireSnapshots().expireOlderThan(now - settings.expireSnapshotsOlderThan().toMillis())
                .retainLast(settings.snapshotsToKeep()).commit();
    }

    /** Rewrites the live rows of the current snapshot into new data files, replacing every data and delete file. */
    static void compact(Table table) throws IOException {
        Snapshot base = table.currentSnapshot();
        Map<String, DataFile> data = new LinkedHashMap<>();
        Map<String, DeleteFile> deletes = new LinkedHashMap<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(base.snapshotId()).planFiles()) {
            for (FileScanTask t : tasks) {
                data.putIfAbsent(t.file().location(), t.file());
                for (DeleteFile d : t.deletes()) {
                    deletes.putIfAbsent(d.location(), d);
                }
            }
        }
        if (data.size() + deletes.size() < 2) {
            return;
        }
        BaseTaskWriter<Record> writer = writer(table);
        try (CloseableIterable<Record> rows = IcebergGenerics.read(table).useSnapshot(base.snapshotId()).build()) {
            for (Record r : rows) {
                writer.write(r);
            }
        } catch (IOException | RuntimeException e) {
            writer.abort();
            throw e;
        }
        WriteResult written = writer.complete();
        RewriteFiles rewrite = table.newRewrite().validateFromSnapshot(base.snapshotId());
        data.values().forEach(rewrite::deleteFile);
        deletes.values().forEach(rewrite::deleteFile);
        for (DataFile f : written.dataFiles()) {
            rewrite.addFile(f);
        }
        // The newest snapshot keeps saying where the table's topics are.
        base.summary().forEach((k, v) -> {
            if (k.startsWith(SnapshotOffsets.PREFIX)) {
                rewrite.set(k, v);
            }
        });
        rewrite.commit();
        log.info("compacted Iceberg table {}: {} data and {} delete files into {}", table.name(), data.size(),
                deletes.size(), written.dataFiles().length);
    }

    private static BaseTaskWriter<Record> writer(Table table) {
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        OutputFileFactory files = OutputFileFactory.builderFor(table, 0, System.currentTimeMillis())
                .format(FileFormat.PARQUET).operationId("compact-" + UUID.randomUUID()).build();
        long target = 128L << 20;
        if (table.spec().isUnpartitioned()) {
            return new UnpartitionedWriter<>(table.spec(), FileFormat.PARQUET, factory, files, table.io(), target);
        }
        PartitionKey key = new PartitionKey(table.spec(), table.schema());
        InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
        return new PartitionedFanoutWriter<>(table.spec(), FileFormat.PARQUET, factory, files, table.io(), target) {
            @Override
            protected PartitionKey partition(Record row) {
                key.partition(wrapper.wrap(row));
                return key;
            }
        };
    }

    /** Deletes files under the table's data directory that no snapshot references and that are old enough. */
    static int removeOrphans(Table table, long olderThanMillis) {
        if (!(table.io() instanceof SupportsPrefixOperations io)) {
            return 0;
        }
        Set<String> referenced = new HashSet<>();
        Set<String> manifests = new HashSet<>();
        for (Snapshot s : table.snapshots()) {
            for (ManifestFile m : s.allManifests(table.io())) {
                if (!manifests.add(m.path())) {
                    continue;
                }
                try {
                    if (m.content() == org.apache.iceberg.ManifestContent.DATA) {
                        try (ManifestReader<DataFile> r = ManifestFiles.read(m, table.io(), table.specs())) {
                            r.forEach(f -> referenced.add(path(f.location())));
                        }
                    } else {
                        try (ManifestReader<DeleteFile> r = ManifestFiles.readDeleteManifest(m, table.io(),
                                table.specs())) {
                            r.forEach(f -> referenced.add(path(f.location())));
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        int removed = 0;
        for (FileInfo f : io.listPrefix(table.location() + "/data")) {
            if (f.createdAtMillis() < olderThanMillis && !referenced.contains(path(f.location()))) {
                io.deleteFile(f.location());
                removed++;
            }
        }
        if (removed > 0) {
            log.info("removed {} orphan files of Iceberg table {}", removed, table.name());
        }
        return removed;
    }

    /** The path part of a location: {@code file:/x} and {@code file:///x} name the same file. */
    private static String path(String location) {
        return new org.apache.hadoop.fs.Path(location).toUri().getPath();
    }

    private static long count(Snapshot s, String key) {
        String v = s.summary().get(key);
        return v == null ? 0 : Long.parseLong(v);
    }
}
