package dev.strata.volume;

import java.time.Duration;

/**
 * How the engine waits: the one seam between its retry policies and the passing of time.
 * Production sleeps the thread; a test's sleeper moves its clock instead, so outage, RPO and
 * full-disk behaviour is tested without waiting on the wall clock.
 */
@FunctionalInterface
public interface Sleeper {
    /** Sleeps the calling thread. */
    Sleeper SYSTEM = Thread::sleep;

    /** Returns after {@code d} has passed on the engine's clock; interruptible. */
    void sleep(Duration d) throws InterruptedException;
}
