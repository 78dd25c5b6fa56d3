package io.ferry.bench;

import java.util.Arrays;

/**
 * {@code Benchmarks capture|e2e|all|mysql-capture [flags]}: runs one or both PostgreSQL benchmarks (or the
 * MariaDB/MySQL capture benchmark) in this JVM and prints their tables.
 */
public final class Benchmarks {

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "help" : args[0];
        Options o = Options.parse(Arrays.copyOfRange(args, Math.min(1, args.length), args.length));
        if (o.help || which.equals("help") || which.equals("--help") || which.equals("-h")) {
            System.out.println("usage: bench/run capture|e2e|all|goals|mysql-capture|transforms|lake|vs-debezium|metrics-cost|clickhouse|kafka-tx|pg-decode|copy-shape [flags]");
            System.out.println(Options.usage());
            return;
        }
        switch (which) {
            case "capture" -> CaptureBenchmark.run(o).print(System.out);
            case "e2e" -> EndToEndBenchmark.run(o).print(System.out);
            case "metrics-cost" -> MetricsCostBenchmark.run(o).print(System.out);
            case "lake" -> {
                // PostgreSQL -> PostgreSQL, -> Iceberg and -> ClickHouse (with its own PostgreSQL row) in one run, so
                // the rows compare on the same machine at the same time.
                ResultTable pg = EndToEndBenchmark.run(o);
                ResultTable iceberg = IcebergBenchmark.run(o);
                ResultTable clickhouse = ClickHouseBenchmark.run(o);
                pg.print(System.out);
                iceberg.print(System.out);
                clickhouse.print(System.out);
            }
            case "mysql-capture" -> MySqlCaptureBenchmark.run(o).forEach(t -> t.print(System.out));
            case "vs-debezium" -> PeerBenchmark.run(o).print(System.out);
            case "goals" -> GoalsBenchmark.run(o).get(2).print(System.out);
            case "clickhouse" -> ClickHouseBenchmark.run(o).print(System.out);
            case "transforms" -> TransformBenchmark.run(o).forEach(t -> t.print(System.out));
            case "kafka-tx" -> KafkaTxProbe.main(Arrays.copyOfRange(args, 1, args.length));
            case "pg-decode" -> PgDecodeProbe.main(Arrays.copyOfRange(args, 1, args.length));
            case "copy-shape" -> CopyShapeProbe.run(o).print(System.out);
            case "envelope-cost" -> EnvelopeCost.main(Arrays.copyOfRange(args, 1, args.length));
            case "all" -> {
                ResultTable capture = CaptureBenchmark.run(o);
                ResultTable e2e = EndToEndBenchmark.run(o);
                capture.print(System.out);
                e2e.print(System.out);
            }
            default -> {
                System.err.println("unknown benchmark '" + which + "': capture, e2e, all or mysql-capture");
                System.exit(2);
            }
        }
        System.exit(0);
    }
}
