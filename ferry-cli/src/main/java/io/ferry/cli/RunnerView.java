package io.ferry.cli;

import io.ferry.core.Sink;
import io.ferry.core.Source;
import io.ferry.core.SourceStatus;
import io.ferry.core.TableId;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.connector.Connectors;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.Applier;
import io.ferry.ops.RunningPipeline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link PipelineRunner} as the HTTP API and the metrics see and steer it; before start, it says so. While the
 * pipeline is stopped through the API it resets or moves its offsets, through the same teardown as {@code ferry reset}
 * and the sink's own check-and-set.
 */
public final class RunnerView implements RunningPipeline {

    private static final SourceStatus NOT_STARTED = new SourceStatus("starting", "", 0, List.of());

    private final PipelineRunner runner;

    public RunnerView(PipelineRunner runner) {
        this.runner = runner;
    }

    @Override
    public PipelineConfig config() {
        return runner.config();
    }

    @Override
    public String bootstrapServers() {
        return runner.bootstrapServers();
    }

    @Override
    public String captureState() {
        CaptureLoop c = runner.captureLoop();
        return c != null ? c.state() : runner.role().captures() ? "starting" : Role.ELSEWHERE;
    }

    @Override
    public String applyState() {
        if (runner.config().sink().isNone()) {
            return null;
        }
        ApplyLoop a = runner.applyLoop();
        return a != null ? a.state() : runner.role().applies() ? "starting" : Role.ELSEWHERE;
    }

    @Override
    public String role() {
        return runner.role().label();
    }

    @Override
    public List<String> appliedPartitions() {
        return runner.appliedPartitions();
    }

    @Override
    public long eventsCaptured() {
        return runner.captured();
    }

    @Override
    public long transactionsCommitted() {
        return runner.transactionsCommitted();
    }

    @Override
    public long eventsApplied() {
        return runner.applied();
    }

    @Override
    public long deadLettered() {
        return runner.deadLettered();
    }

    @Override
    public long captureBehindSourceMillis() {
        CaptureLoop c = runner.captureLoop();
        return c == null ? 0 : c.behindSourceMillis();
    }

    @Override
    public SourceStatus source() {
        Source s = runner.source();
        return s == null ? NOT_STARTED : s.status();
    }

    @Override
    public PipelineHealth health() {
        return runner.health();
    }

    @Override
    public String failure() {
        return runner.captureLoop() == null && runner.applyLoop() == null ? null : runner.failureMessage();
    }

    @Override
    public boolean paused() {
        CaptureLoop c = runner.captureLoop();
        return c != null && c.paused();
    }

    @Override
    public void pause() {
        CaptureLoop c = runner.captureLoop();
        ApplyLoop a = runner.applyLoop();
        if (c != null) {
            c.pause();
        }
        if (a != null) {
            a.pause();
        }
    }

    @Override
    public void resume() {
        if (runner.halted()) {
            runner.unhalt();
            return;
        }
        CaptureLoop c = runner.captureLoop();
        ApplyLoop a = runner.applyLoop();
        if (a != null) {
            a.resume();
        }
        if (c != null) {
            c.resume();
        }
    }

    @Override
    public void stop() {
        runner.halt();
    }

    @Override
    public boolean stopped() {
        return runner.halted();
    }

    @Override
    public List<String> resetOffsets() {
        requireHalted();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        try {
            new PipelineTeardown(runner.config(), out, null, runner.bootstrapServers()).run("reset", true, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("  ")).map(String::strip).toList();
    }

    @Override
    public void setAppliedOffsets(List<AppliedOffset> offsets) {
        requireHalted();
        PipelineConfig config = runner.config();
        try (Sink sink = Connectors.installed().get(config.sink().type()).sink(config.sink())) {
            List<Sink.OffsetUpdate> updates = new ArrayList<>();
            for (AppliedOffset o : offsets) {
                Long stored = sink.storedOffsets(o.topic()).get(o.partition());
                updates.add(new Sink.OffsetUpdate(o.topic(), o.partition(), stored == null ? -1 : stored, o.offset()));
            }
            // No events: the sink's own check-and-set moves the offsets, in one target transaction.
            sink.apply(List.of(), updates);
        }
    }

    private void requireHalted() {
        if (!runner.halted()) {
            throw new IllegalStateException("the pipeline is not stopped");
        }
    }

    @Override
    public void restart() {
        CaptureLoop c = runner.captureLoop();
        ApplyLoop a = runner.applyLoop();
        if (c != null) {
            c.restart();
        }
        if (a != null) {
            a.restart();
        }
    }

    @Override
    public List<TableId> requestSnapshot(List<String> tables) {
        return runner.requestSnapshot(tables);
    }

    @Override
    public void onAppliedBatch(Applier.BatchListener listener) {
        runner.onAppliedBatch(listener);
    }
}
