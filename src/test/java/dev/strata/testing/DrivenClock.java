package dev.strata.testing;

import dev.strata.volume.Sleeper;
import dev.strata.volume.Timing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock a test moves, and a sleeper that moves it: the engine's waits pass at once on this
 * clock, and the test reads how long the engine waited in total. {@link #realWaits} makes
 * sleeps take their real time as well, for a wait on work another thread does.
 */
public final class DrivenClock extends Clock implements Sleeper {
    private final AtomicLong nowMillis;
    private final AtomicLong sleptMillis = new AtomicLong();
    private volatile boolean real;

    public DrivenClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public DrivenClock(Instant start) {
        nowMillis = new AtomicLong(start.toEpochMilli());
    }

    public void advance(Duration d) {
        nowMillis.addAndGet(d.toMillis());
    }

    /** The total the engine slept through this clock. */
    public Duration slept() {
        return Duration.ofMillis(sleptMillis.get());
    }

    /** Whether sleeps also take their real time (default: no, they only move this clock). */
    public void realWaits(boolean real) {
        this.real = real;
    }

    /** This clock and sleeper as the engine's timing. */
    public Timing timing() {
        return new Timing(this, this);
    }

    @Override
    public void sleep(Duration d) throws InterruptedException {
        if (real) Thread.sleep(d);
        sleptMillis.addAndGet(d.toMillis());
        advance(d);
    }

    @Override
    public long millis() {
        return nowMillis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(nowMillis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
