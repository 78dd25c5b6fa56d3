package io.ferry.iceberg;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The sink contract on a local directory warehouse, the demo's setup. */
class IcebergSinkOnLocalFilesTest extends IcebergSinkContract {

    @TempDir
    static Path warehouse;

    @Override
    protected IcebergTarget target() {
        return new IcebergTarget(warehouse.toString());
    }
}
