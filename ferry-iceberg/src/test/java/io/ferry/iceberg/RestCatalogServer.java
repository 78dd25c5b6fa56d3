package io.ferry.iceberg;

import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Iceberg REST catalog on a free local port: Iceberg's own test server ({@link RESTCatalogServlet} over
 * {@link RESTCatalogAdapter}, from iceberg-core's test jar) in Jetty, keeping its tables in a Hadoop catalog on
 * {@code warehouse}, which only the server is told of.
 */
final class RestCatalogServer implements AutoCloseable {

    private final HadoopCatalog backend;
    private final Server jetty;

    private RestCatalogServer(HadoopCatalog backend, Server jetty) {
        this.backend = backend;
        this.jetty = jetty;
    }

    static RestCatalogServer start(Path warehouse) throws Exception {
        HadoopCatalog backend = new HadoopCatalog();
        backend.setConf(Catalogs.hadoopConfiguration());
        backend.initialize("backend", Map.of("warehouse", warehouse.toUri().toString()));
        Server jetty = new Server();
        ServerConnector http = new ServerConnector(jetty);
        http.setHost("127.0.0.1");
        http.setPort(0);
        jetty.addConnector(http);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new RESTCatalogServlet(new RESTCatalogAdapter(backend))), "/*");
        jetty.setHandler(context);
        jetty.start();
        return new RestCatalogServer(backend, jetty);
    }

    /** The catalog URL a sink is given ({@code sink.catalog-uri}). */
    String uri() {
        return "http://127.0.0.1:" + ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    }

    /** The server's own catalog, to see what it holds without going through HTTP. */
    HadoopCatalog backend() {
        return backend;
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
        backend.close();
    }
}
