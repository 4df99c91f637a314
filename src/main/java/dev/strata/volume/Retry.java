package dev.strata.volume;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A retry policy: wait {@code first}, doubling up to {@code max} between attempts, and give up
 * once the next wait would end past {@code bound} after the first failure. Time is read from
 * {@code clock} and waited through {@code sleeper}; both are injected ({@link Timing}), so a
 * test drives them. Every wait-and-retry of the engine is one of these.
 */
public record Retry(Duration first, Duration max, Duration bound, Clock clock, Sleeper sleeper) {
    /** No bound: retried for as long as the caller keeps asking (the uploader's background cycles). */
    public static final Duration FOREVER = Duration.ofDays(365 * 100);

    public Retry {
        if (first.isNegative() || max.compareTo(first) < 0 || bound.isNegative())
            throw new IllegalArgumentException("retry needs 0 <= first <= max and bound >= 0, got " + first + ", " + max + ", " + bound);
    }

    /** The same backoff with another bound. */
    public Retry within(Duration newBound) {
        return new Retry(first, max, newBound, clock, sleeper);
    }

    /**
     * Runs {@code attempt} until it returns. A failure {@code retryable} accepts is retried after
     * the backoff ({@code onRetry} runs before each wait); once the next wait would end past the
     * bound, or on any other failure, the failure is thrown as it is.
     */
    public <T> T call(Supplier<T> attempt, Predicate<? super RuntimeException> retryable, Runnable onRetry) {
        Backoff backoff = backoff();
        long deadline = Long.MIN_VALUE;
        while (true) {
            try {
                return attempt.get();
            } catch (RuntimeException e) {
                if (!retryable.test(e)) throw e;
                long now = clock.millis();
                if (deadline == Long.MIN_VALUE) deadline = saturatedAdd(now, bound.toMillis());
                Duration wait = backoff.next();
                if (now + wait.toMillis() > deadline) throw e;
                onRetry.run();
                pause(wait);
            }
        }
    }

    /** Waits {@code d} through the sleeper; an interrupt becomes Unavailable (EIO), the flag kept. */
    void pause(Duration d) {
        try {
            sleeper.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Unavailable("interrupted while waiting to retry", e);
        }
    }

    /** A fresh run of this policy's waits, for a caller that retries later instead of waiting (the uploader's ticks). */
    public Backoff backoff() {
        return new Backoff();
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** The waits of one run of retries: {@code first}, doubling up to {@code max}. Not thread-safe. */
    public final class Backoff {
        private Duration next = first;

        private Backoff() {}

        /** The wait before the next attempt; the one after it doubles. */
        public Duration next() {
            Duration wait = next;
            Duration doubled = next.multipliedBy(2);
            next = doubled.compareTo(max) > 0 ? max : doubled.isZero() ? max : doubled;
            return wait;
        }

        /** Back to {@code first} (the call succeeded). */
        public void reset() {
            next = first;
        }
    }
}
