package io.ferry.cli;

import java.util.Locale;

/**
 * What one {@code ferry run} process does for its pipeline ({@code --role}): both halves, only capture (one process
 * owns the source's log, others wait to take over), or only apply (any number share the table partitions through
 * the pipeline's consumer group).
 */
public enum Role {
    ALL, CAPTURE, APPLY;

    /** The state a half shows in a process that does not run it. */
    static final String ELSEWHERE = "elsewhere";

    boolean captures() {
        return this != APPLY;
    }

    boolean applies() {
        return this != CAPTURE;
    }

    /** As written on the command line and shown in status: {@code all}, {@code capture}, {@code apply}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
