package io.ferry.iceberg;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.rest.RESTCatalog;

/** Opens the catalog a sink names: a Hadoop (file-system) catalog on the warehouse path, or a REST catalog. */
final class Catalogs {

    private Catalogs() {
    }

    static Catalog open(IcebergSettings s) {
        Configuration conf = hadoopConfiguration();
        if (s.catalog().equals("rest")) {
            RESTCatalog rest = new RESTCatalog();
            rest.setConf(conf);
            rest.initialize("ferry", Map.of(CatalogProperties.URI, s.catalogUri(),
                    CatalogProperties.WAREHOUSE_LOCATION, s.warehouse()));
            return rest;
        }
        HadoopCatalog hadoop = new HadoopCatalog();
        hadoop.setConf(conf);
        hadoop.initialize("ferry", Map.of(CatalogProperties.WAREHOUSE_LOCATION, s.warehouse()));
        return hadoop;
    }

    /** Hadoop's settings: those in {@code $HADOOP_CONF_DIR}, where set, over Ferry's defaults. */
    static Configuration hadoopConfiguration() {
        Configuration conf = new Configuration();
        // A DataNode lost while a file is being written is dropped from the pipeline instead of failing the write
        // when no spare DataNode is left: the commit that follows still needs every file readable, so nothing is lost.
        conf.setBoolean("dfs.client.block.write.replace-datanode-on-failure.best-effort", true);
        String dir = System.getenv("HADOOP_CONF_DIR");
        if (dir != null) {
            for (String name : new String[] {"core-site.xml", "hdfs-site.xml"}) {
                Path p = Path.of(dir, name);
                if (Files.isRegularFile(p)) {
                    conf.addResource(new org.apache.hadoop.fs.Path(p.toUri()));
                }
            }
        }
        return conf;
    }
}
