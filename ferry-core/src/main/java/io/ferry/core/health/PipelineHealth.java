package io.ferry.core.health;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one pipeline's parts, safe to read and update from any thread. A pipeline is {@link State#RUNNING}
 * only while every part it has is up; a part that is down makes it {@link State#WAITING}; a fatal failure makes it
 * {@link State#FAILED}. Parts the pipeline does not have (a sink with {@code sink.type: none}) are absent.
 */
public final class PipelineHealth {

    /** What the pipeline as a whole is doing. */
    public enum State { STARTING, RUNNING, WAITING, FAILED, STOPPED }

    private final Clock clock;
    private final Map<Part, PartState> parts = new EnumMap<>(Part.class);
    /** Bit per part that is up: lets {@link #up} cost one volatile read on the hot path. */
    private volatile int upMask;
    private State stopped;
    private String failure;

    /** @param where each part's address for messages; a part left out is one the pipeline does not have */
    public PipelineHealth(Clock clock, Map<Part, String> where) {
        this.clock = clock;
        Instant now = clock.instant();
        where.forEach((part, address) -> parts.put(part, new PartState(part, false, address, null, now, null, 0)));
    }

    /** The part answered: it is up from now (or still up). */
    public void up(Part part) {
        if ((upMask & bit(part)) != 0) {
            return;
        }
        synchronized (this) {
            PartState s = parts.get(part);
            if (s != null && !s.up()) {
                parts.put(part, PartState.up(part, s.where(), clock.instant()));
            }
            upMask |= bit(part);
        }
    }

    private static int bit(Part part) {
        return 1 << part.ordinal();
    }

    /**
     * An attempt to use the part failed with {@code reason}; the next one is due at {@code retryAt} (null: not
     * scheduled). The outage keeps the instant it began and counts its failed attempts.
     */
    public synchronized void down(Part part, String reason, Instant retryAt) {
        PartState s = parts.get(part);
        if (s == null) {
            return;
        }
        upMask &= ~bit(part);
        Instant since = s.down() ? s.since() : clock.instant();
        int attempts = s.down() ? s.failedAttempts() + 1 : 1;
        parts.put(part, new PartState(part, false, s.where(), reason, since, retryAt, attempts));
    }

    /** The pipeline stopped on a failure nobody asked for; {@code reason} says why, in one line. */
    public synchronized void failed(String reason) {
        stopped = State.FAILED;
        failure = reason;
    }

    /** The pipeline stopped because it was asked to. */
    public synchronized void stopped() {
        if (stopped == null) {
            stopped = State.STOPPED;
        }
    }

    public synchronized State state() {
        if (stopped != null) {
            return stopped;
        }
        if (parts.values().stream().anyMatch(PartState::down)) {
            return State.WAITING;
        }
        return parts.values().stream().allMatch(PartState::up) ? State.RUNNING : State.STARTING;
    }

    /** The fatal failure's message, or null. */
    public synchronized String failure() {
        return failure;
    }

    /** Every part the pipeline has, source first. */
    public synchronized List<PartState> parts() {
        return new ArrayList<>(parts.values());
    }

    /** The parts that are down (checked and failed), source first. */
    public synchronized List<PartState> down() {
        List<PartState> out = new ArrayList<>();
        for (PartState s : parts.values()) {
            if (s.down()) {
                out.add(s);
            }
        }
        return out;
    }

    public Instant now() {
        return clock.instant();
    }
}
