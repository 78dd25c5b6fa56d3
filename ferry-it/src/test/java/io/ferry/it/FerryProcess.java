package io.ferry.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * The real {@code ferry} command in a child JVM, so a test can kill it without a graceful shutdown
 * ({@link #kill()} sends SIGKILL) exactly as a crash would.
 */
final class FerryProcess implements AutoCloseable {

    private final Process process;
    private final Path output;

    private final long outputStart;

    private FerryProcess(Process process, Path output, long outputStart) {
        this.process = process;
        this.output = output;
        this.outputStart = outputStart;
    }

    /**
     * Starts {@code ferry <args>} with the given heap, its stdout and stderr going to {@code output} and its log file
     * to {@code output} + {@code .log}; its stdin is empty.
     */
    static FerryProcess start(Path output, String maxHeap, String... args) throws IOException {
        return startWithInput(output, maxHeap, List.of(), "", args);
    }

    /** As {@link #start(Path, String, String...)}, with JVM options such as {@code -Dname=value} before the class. */
    static FerryProcess start(Path output, String maxHeap, List<String> jvmOptions, String... args) throws IOException {
        return startWithInput(output, maxHeap, jvmOptions, "", args);
    }

    private static FerryProcess startWithInput(Path output, String maxHeap, List<String> jvmOptions, String input,
                                               String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + maxHeap);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.ferry.cli.Ferry");
        cmd.addAll(List.of(args));
        long outputStart = Files.exists(output) ? Files.size(output) : 0;
        Path stdin = Files.writeString(Files.createTempFile(output.getParent(), "ferry", ".in"), input);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(stdin.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        pb.environment().put("FERRY_LOG_FILE", output + ".log");
        Process p = pb.start();
        return new FerryProcess(p, output, outputStart);
    }

    /** Runs {@code ferry <args>} to completion and returns its exit code and combined output. */
    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        return runWithInput(dir, "", args);
    }

    /** Runs {@code ferry <args>} with {@code input} as its stdin (answers to questions). */
    static Result runWithInput(Path dir, String input, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "ferry", ".out");
        try (FerryProcess p = startWithInput(out, "256m", List.of(), input, args)) {
            if (!p.process.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError("ferry " + String.join(" ", args) + " did not finish in 120 s");
            }
            Path log = Path.of(out + ".log");
            return new Result(p.process.exitValue(), Files.readString(out),
                    Files.exists(log) ? Files.readString(log) : "");
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /**
     * Waits until this process runs its pipeline (its first status line), then SIGTERM, then waits for the
     * graceful shutdown and checks it: the JVM's exit code for a SIGTERM is 143, and ferry says it stopped
     * once its last batch is committed. (A SIGTERM before the pipeline even started would test nothing.)
     */
    void terminate() throws InterruptedException, IOException {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> !process.isAlive() || ownOutput().contains("] capture "));
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("ferry did not stop within 60 s of SIGTERM");
        }
        if (process.exitValue() != 143 || !ownOutput().contains("] stopped")) {
            throw new AssertionError("ferry did not stop cleanly (exit " + process.exitValue() + "):\n" + output());
        }
    }

    /** The exit code of a process that has ended. */
    int exitCode() {
        return process.exitValue();
    }

    /** What this process wrote, without what earlier processes wrote to the same file. */
    private String ownOutput() throws IOException {
        byte[] all = Files.readAllBytes(output);
        return new String(all, (int) Math.min(outputStart, all.length), (int) Math.max(0, all.length - outputStart),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The JVM's thread dump (jcmd), for a test failure that finds the process stuck. */
    String threadDump() throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                .redirectErrorStream(true).start();
        String dump = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return dump;
    }

    Process process() {
        return process;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() throws IOException {
        return Files.readString(output);
    }

    /** What this process wrote to its log file. */
    String log() throws IOException {
        Path log = Path.of(output + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }

    /** @param log what the process wrote to its log file (stack traces land there, not in the output) */
    record Result(int exitCode, String output, String log) {
    }
}
