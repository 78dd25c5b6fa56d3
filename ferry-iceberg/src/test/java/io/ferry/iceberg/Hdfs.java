package io.ferry.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS in the test JVM: a NameNode and DataNodes from hadoop-client-minicluster, on free ports. */
final class Hdfs implements AutoCloseable {

    private final MiniDFSCluster cluster;

    Hdfs(Path dir, int dataNodes) {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.toString());
        conf.setInt("dfs.replication", Math.min(3, dataNodes));
        // Small blocks and quick heartbeats: a lost DataNode is noticed in seconds, not minutes.
        conf.setInt("dfs.heartbeat.interval", 1);
        conf.setInt("dfs.namenode.heartbeat.recheck-interval", 2000);
        conf.setBoolean("dfs.client.block.write.replace-datanode-on-failure.best-effort", true);
        try {
            cluster = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
            cluster.waitActive();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code hdfs://127.0.0.1:port/path}. */
    String uri(String path) {
        return "hdfs://127.0.0.1:" + cluster.getNameNodePort() + path;
    }

    MiniDFSCluster cluster() {
        return cluster;
    }

    @Override
    public void close() {
        cluster.shutdown(true);
    }
}
