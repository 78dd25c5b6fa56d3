package io.ferry.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.data.ClickHouseFormat;
import io.ferry.core.FerryException;
import io.ferry.core.LoginRefusedException;
import io.ferry.core.config.SinkConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One ClickHouse server over HTTP through clickhouse-java's client-v2, in the subset every server since 18.16
 * answers: statements, {@code TabSeparated} answers, {@code RowBinary} or {@code TabSeparated} inserts, no HTTP
 * compression.
 *
 * <p>Why that subset: against Debian's 18.16 server, client-v2 0.10.0's defaults fail. With its default LZ4
 * response compression the server sends an empty body and logs {@code Assertion violation: !_pStream in file
 * "./Net/src/HTTPServerResponseImpl.cpp"}; its typed readers ({@code queryAll}, {@code queryRecords}) ask for
 * {@code RowBinaryWithNamesAndTypes}, which 18.16 does not have ({@code ClientException: Failed to read header},
 * {@code EOFException}); inserted-row counts are -1 (no {@code X-ClickHouse-Summary} header). Statements, TSV
 * inserts and TSV answers work, and server errors come back as {@link ServerException} with ClickHouse's code.
 *
 * <p>A server error is a {@link ServerError}: retriable for the codes that mean overload or a network fault, else
 * fatal; a refused login is a {@link LoginRefusedException} (a running pipeline waits for it); a transport failure
 * is retriable and names host and port. Not thread-safe in the sense that matters
 * here: one per sink.
 */
final class ClickHouseHttp implements AutoCloseable {

    /** ClickHouse error codes worth retrying: timeouts, network errors, too many parts or queries, memory. */
    private static final Set<Integer> RETRIABLE = Set.of(159, 164, 202, 209, 210, 241, 252, 425);
    /** Unknown user, wrong password, password required, authentication failed (newer servers). */
    private static final Set<Integer> LOGIN = Set.of(192, 193, 194, 516);
    private static final Pattern SERVER_TEXT = Pattern.compile("DB::Exception: (.*?)(?:, e\\.what\\(\\).*)?$",
            Pattern.DOTALL);
    private static final Pattern CODE = Pattern.compile("Code: (\\d+)");
    private static final long TIMEOUT_SECONDS = 300;

    private final String host;
    private final int port;
    private final String user;
    private final String login;
    private final Client client;

    ClickHouseHttp(SinkConfig config) {
        this.host = config.host();
        this.port = config.port();
        this.user = config.user() == null ? "default" : config.user();
        this.login = user + "@" + config.database();
        this.client = new Client.Builder()
                .addEndpoint("http://" + host + ":" + port)
                .setUsername(user)
                .setPassword(config.password() == null ? "" : config.password().reveal())
                .compressServerResponse(false)
                .compressClientRequest(false)
                .useHttpCompression(false)
                // Ferry retries with backoff and says so in its status; a hidden retry inside would only delay that.
                .setMaxRetries(0)
                .setConnectTimeout(10, java.time.temporal.ChronoUnit.SECONDS)
                .build();
    }

    /** {@code host:port}, for messages. */
    String target() {
        return host + ":" + port;
    }

    /** A ClickHouse error answer, with its code. */
    static final class ServerError extends FerryException {
        private final int code;

        ServerError(String message, Throwable cause, boolean retriable, int code) {
            super(message, cause, retriable);
            this.code = code;
        }

        int code() {
            return code;
        }
    }

    void execute(String sql) {
        call("running " + firstWords(sql), () -> client.execute(sql));
    }

    /** The rows of a SELECT, each field unescaped ({@link Tsv#parse}). */
    List<byte[][]> query(String select) {
        String what = "running " + firstWords(select);
        QueryResponse r = call(what, () -> client.query(select + " FORMAT TabSeparated"));
        try (r; InputStream in = r.getInputStream()) {
            return Tsv.parse(in.readAllBytes());
        } catch (Exception e) {
            throw FerryException.retriable("lost ClickHouse " + target() + " while " + what + ": " + e.getMessage(), e);
        }
    }

    /** Inserts a TSV body into {@code table} (quoted and qualified), columns as quoted names, as one request. */
    void insert(String table, List<String> columns, byte[] body) {
        insert(table, columns, body, ClickHouseFormat.TabSeparated);
    }

    /** Inserts a body in {@code format} ({@code TabSeparated} or {@code RowBinary}) as one request. */
    void insert(String table, List<String> columns, byte[] body, ClickHouseFormat format) {
        call("inserting into " + table, () -> client.insert(table, columns, new ByteArrayInputStream(body), format));
    }

    /** The server's version, e.g. 18.16. */
    ServerVersion version() {
        List<byte[][]> rows = query("SELECT version()");
        return ServerVersion.parse(new String(rows.get(0)[0], java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Runs a request; the client throws some failures at once and reports others through the future. */
    private <T> T call(String what, Supplier<CompletableFuture<T>> request) {
        CompletableFuture<T> future = null;
        try {
            future = request.get();
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FerryException.retriable("interrupted while " + what + " on ClickHouse " + target(), e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw FerryException.retriable("ClickHouse " + target() + " did not answer within " + TIMEOUT_SECONDS
                    + " s while " + what, e);
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        } catch (RuntimeException e) {
            throw failure(what, e);
        }
    }

    private FerryException failure(String what, Throwable t) {
        if (t instanceof ServerException s) {
            int code = code(s);
            if (LOGIN.contains(code) || s.getTransportProtocolCode() == 401) {
                return new LoginRefusedException("ClickHouse " + target() + " refused the login " + login + ": "
                        + serverText(s), user, target(), serverText(s), null);
            }
            return new ServerError("ClickHouse " + target() + " refused " + what + ": " + serverText(s), s,
                    RETRIABLE.contains(code), code);
        }
        if (t instanceof FerryException f) {
            return f;
        }
        return FerryException.retriable("cannot reach ClickHouse " + target() + " while " + what + ": "
                + t.getMessage(), t);
    }

    /** The server's message without the client's wrapping: {@code Unknown identifier: nope}. */
    static String serverText(ServerException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        Matcher x = SERVER_TEXT.matcher(m);
        String text = x.find() ? x.group(1) : m;
        return "code " + code(e) + ", " + text.strip();
    }

    /** The ClickHouse error code; client-v2 reports 0 for some answers (a 401), whose text still names it. */
    private static int code(ServerException e) {
        if (e.getCode() != 0 || e.getMessage() == null) {
            return e.getCode();
        }
        Matcher m = CODE.matcher(e.getMessage());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static String firstWords(String sql) {
        String s = sql.strip();
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** An identifier in backquotes, with backquotes and backslashes escaped. */
    static String quote(String identifier) {
        return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }

    /** A string literal in single quotes. */
    static String literal(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    @Override
    public void close() {
        client.close();
    }
}
