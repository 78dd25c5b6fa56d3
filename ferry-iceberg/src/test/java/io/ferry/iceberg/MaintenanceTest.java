package io.ferry.iceberg;

import static io.ferry.core.apply.Events.delete;
import static io.ferry.core.apply.Events.update;
import static org.assertj.core.api.Assertions.assertThat;

import io.ferry.core.schema.SchemaChanges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compaction, snapshot expiry and orphan removal keep a long-running table small and readable. */
class MaintenanceTest {

    @TempDir
    Path warehouse;

    @Test
    void manySmallCommitsAreCompactedAndOldSnapshotsExpiredWithoutChangingTheRows() {
        IcebergTarget target = new IcebergTarget(warehouse.toString());
        try (IcebergSink sink = new IcebergSink(target.config("m", SchemaChanges.DEFAULT, Map.of(
                "compact-after-files", "12", "expire-snapshots-older-than", "0s", "snapshots-to-keep", "3")))) {
            for (long i = 0; i < 30; i++) {
                sink.apply(List.of(update(IcebergSinkContract.ITEMS, i % 7, "v" + i, null)), List.of());
            }
            sink.apply(List.of(delete(IcebergSinkContract.ITEMS, 3L, null, null)), List.of());
        }

        Table t = target.table("m", "items");
        long files = Long.parseLong(t.currentSnapshot().summary().get("total-data-files"))
                + Long.parseLong(t.currentSnapshot().summary().get("total-delete-files"));
        assertThat(files).isLessThan(12);
        assertThat(t.snapshots()).hasSizeLessThanOrEqualTo(4);
        assertThat(target.rows("m", "items")).extracting(r -> r.get(0)).containsExactly(0L, 1L, 2L, 4L, 5L, 6L);
        assertThat(target.rows("m", "items").get(0).get(1)).isEqualTo("v28");
    }

    @Test
    void filesNoSnapshotReferencesAreRemovedOnceOldEnough() throws Exception {
        IcebergTarget target = new IcebergTarget(warehouse.toString());
        try (IcebergSink sink = new IcebergSink(target.config("o", SchemaChanges.DEFAULT, Map.of()))) {
            sink.apply(List.of(update(IcebergSinkContract.ITEMS, 1L, "a", null)), List.of());
        }
        Table t = target.table("o", "items");
        Path data = Path.of(java.net.URI.create(t.location().startsWith("file:") ? t.location()
                : "file:" + t.location())).resolve("data");
        Path orphan = data.resolve("00000-killed-before-commit.parquet");
        Files.write(orphan, new byte[] {1, 2, 3});

        assertThat(Maintenance.removeOrphans(t, System.currentTimeMillis() - 3_600_000)).isZero();
        assertThat(Maintenance.removeOrphans(t, System.currentTimeMillis() + 1_000)).isEqualTo(1);

        assertThat(orphan).doesNotExist();
        try (Stream<Path> left = Files.list(data)) {
            assertThat(left.filter(p -> p.toString().endsWith(".parquet"))).isNotEmpty();
        }
        assertThat(target.rows("o", "items")).hasSize(1);
    }
}
