package io.ferry.cli;

import io.ferry.core.Source;
import io.ferry.core.SourceStatus;
import io.ferry.core.config.PipelineConfig;
import io.ferry.core.health.PipelineHealth;
import io.ferry.kafka.Applier;
import io.ferry.ops.RunningPipeline;
import java.util.List;

/** A {@link PipelineRunner} as the HTTP API and the metrics see it; before start, it says so. */
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
        return c == null ? "starting" : c.state();
    }

    @Override
    public String applyState() {
        if (runner.config().sink().isNone()) {
            return null;
        }
        ApplyLoop a = runner.applyLoop();
        return a == null ? "starting" : a.state();
    }

    @Override
    public long eventsCaptured() {
        CaptureLoop c = runner.captureLoop();
        return c == null ? 0 : c.eventsCommitted();
    }

    @Override
    public long transactionsCommitted() {
        CaptureLoop c = runner.captureLoop();
        return c == null ? 0 : c.transactionsCommitted();
    }

    @Override
    public long eventsApplied() {
        ApplyLoop a = runner.applyLoop();
        return a == null ? 0 : a.applied();
    }

    @Override
    public long deadLettered() {
        ApplyLoop a = runner.applyLoop();
        return a == null ? 0 : a.deadLettered();
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
        return runner.captureLoop() == null ? null : runner.failureMessage();
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
    public void onAppliedBatch(Applier.BatchListener listener) {
        runner.onAppliedBatch(listener);
    }
}
