package io.ferry.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The floor an initial load is measured against: {@code bench_rows}' text (COPY TO, held in memory) loaded with
 * {@code COPY replica_raw FROM STDIN} through pgjdbc's CopyManager into an empty table of the same definition, primary
 * key included, in the target database, in one transaction.
 */
final class RawCopy {

    /** One load: rows, seconds from the COPY statement to its commit, and the load average around it. */
    record Result(long rows, double seconds, long bytes, String loadBefore, String loadAfter, double pgMicrosPerRow) {
        double rate() {
            return rows / seconds;
        }
    }

    private RawCopy() {
    }

    static Result measure(BenchEnv env) throws SQLException, IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream(1 << 26);
        try (Connection src = env.source()) {
            copyApi(src).copyOut("COPY bench_rows TO STDOUT", text);
        }
        byte[] bytes = text.toByteArray();
        String loadBefore = BenchEnv.loadAverage();
        try (Connection dst = env.replica()) {
            try (Statement s = dst.createStatement()) {
                s.execute("DROP TABLE IF EXISTS replica_raw");
                s.execute(BenchEnv.TABLE_DDL.replace("bench_rows", "replica_raw"));
            }
            dst.setAutoCommit(false);
            long pg0 = CpuBreakdown.pgCpuNanos(env.pgData());
            long t0 = System.nanoTime();
            long rows = copyApi(dst).copyIn("COPY replica_raw FROM STDIN", new ByteArrayInputStream(bytes), 1 << 16);
            dst.commit();
            double secs = (System.nanoTime() - t0) / 1e9;
            double pgMicros = (CpuBreakdown.pgCpuNanos(env.pgData()) - pg0) / 1e3 / rows;
            Result r = new Result(rows, secs, bytes.length, loadBefore, BenchEnv.loadAverage(), pgMicros);
            env.out.printf(Locale.ROOT, "Raw COPY: %,d rows (%,d MB of text) into empty replica_raw (primary key) in %.2f s:"
                    + " %,.0f rows/s, %.2f µs of PostgreSQL CPU per row; load average %s -> %s%n", rows,
                    bytes.length >> 20, secs, r.rate(), pgMicros, loadBefore, r.loadAfter());
            try (Statement s = dst.createStatement()) {
                s.execute("DROP TABLE replica_raw");
            }
            dst.commit();
            return r;
        }
    }

    private static CopyManager copyApi(Connection c) throws SQLException {
        return c.unwrap(PGConnection.class).getCopyAPI();
    }
}
