package io.ferry.iceberg;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The sink contract on a real HDFS (one NameNode, one DataNode, in this JVM). */
class IcebergSinkOnHdfsTest extends IcebergSinkContract {

    @TempDir
    static Path dir;
    private static Hdfs hdfs;

    @BeforeAll
    static void start() {
        hdfs = new Hdfs(dir, 1);
    }

    @AfterAll
    static void stop() {
        hdfs.close();
    }

    @Override
    protected IcebergTarget target() {
        return new IcebergTarget(hdfs.uri("/warehouse"));
    }
}
