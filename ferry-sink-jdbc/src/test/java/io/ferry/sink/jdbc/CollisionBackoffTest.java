package io.ferry.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollisionBackoffTest {

    private final CollisionBackoff backoff = new CollisionBackoff();

    @Test
    void aTableThatNeverCollidedIsAlwaysTried() {
        for (int i = 0; i < 5; i++) {
            assertThat(backoff.tryInserts("t")).isTrue();
            backoff.inserted("t");
        }
    }

    @Test
    void collisionsInARowDoubleTheRunsSkippedUpToTheCap() {
        List<Integer> skippedBeforeEachTry = new ArrayList<>();
        int skipped = 0;
        for (int run = 0; skippedBeforeEachTry.size() < 9; run++) {
            if (backoff.tryInserts("t")) {
                skippedBeforeEachTry.add(skipped);
                skipped = 0;
                backoff.collided("t");
            } else {
                skipped++;
            }
        }
        assertThat(skippedBeforeEachTry).containsExactly(0, 1, 3, 7, 15, 31, 63, 63, 63);
    }

    @Test
    void oneSuccessfulTryForgetsThePastCollisions() {
        backoff.collided("t");
        backoff.collided("t");
        assertThat(backoff.tryInserts("t")).isFalse();
        assertThat(backoff.tryInserts("t")).isFalse();
        assertThat(backoff.tryInserts("t")).isFalse();
        assertThat(backoff.tryInserts("t")).isTrue();
        backoff.inserted("t");
        backoff.collided("t");
        assertThat(backoff.tryInserts("t")).isFalse();
        assertThat(backoff.tryInserts("t")).isTrue();
    }

    @Test
    void tablesBackOffEachOnItsOwn() {
        backoff.collided("a");
        assertThat(backoff.tryInserts("a")).isFalse();
        assertThat(backoff.tryInserts("b")).isTrue();
    }
}
