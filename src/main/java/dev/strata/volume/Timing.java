package dev.strata.volume;

import java.time.Clock;
import java.time.Duration;

/**
 * The engine's time: the clock it reads and the sleeper it waits with, and every retry policy
 * and deadline built on them — defined here, once. Production uses the system clock and real
 * sleeps; tests pass a clock they move and a sleeper that moves it.
 */
public record Timing(Clock clock, Sleeper sleeper) {
    /** How long a read of a block only the bucket has keeps retrying an unavailable bucket before it fails (EIO). */
    public static final Duration BUCKET_READ_BOUND = Duration.ofSeconds(10);
    /** How long a write or flush that finds the local disk full waits for the uploader to make room. */
    public static final Duration DISK_FULL_BOUND = Duration.ofSeconds(60);
    /** How long a drain (NodeUnstage, sync FLUSH) keeps retrying a refusing bucket. */
    public static final Duration DRAIN_BOUND = Duration.ofMinutes(10);
    /** How long a hand-over keeps trying to upload before it reports the bucket unreachable (the caller may repeat it). */
    public static final Duration HAND_OVER_BOUND = Duration.ofSeconds(30);

    public static Timing system() {
        return of(Clock.systemUTC());
    }

    /** The given clock with real sleeps. */
    public static Timing of(Clock clock) {
        return new Timing(clock, Sleeper.SYSTEM);
    }

    /** A ranged GET of a pack while the bucket is unavailable: 100 ms doubling to 2 s, for {@link #BUCKET_READ_BOUND}. */
    public Retry bucketRead() {
        return new Retry(Duration.ofMillis(100), Duration.ofSeconds(2), BUCKET_READ_BOUND, clock, sleeper);
    }

    /** A cache write or fsync that found the local disk full: again every 50 ms, for {@link #DISK_FULL_BOUND}. */
    public Retry diskFull() {
        return new Retry(Duration.ofMillis(50), Duration.ofMillis(50), DISK_FULL_BOUND, clock, sleeper);
    }

    /** Background upload cycles after a failure: 100 ms doubling to 30 s, never giving up. */
    public Retry upload() {
        return new Retry(Duration.ofMillis(100), Duration.ofSeconds(30), Retry.FOREVER, clock, sleeper);
    }

    /** A drain against a refusing bucket: 100 ms doubling to 5 s, for {@link #DRAIN_BOUND}. */
    public Retry drain() {
        return new Retry(Duration.ofMillis(100), Duration.ofSeconds(5), DRAIN_BOUND, clock, sleeper);
    }

    /** A hand-over's drain: as {@link #drain()}, for {@link #HAND_OVER_BOUND}. */
    public Retry handOver() {
        return drain().within(HAND_OVER_BOUND);
    }

    /** An ownership transition that lost a race: 20 ms doubling to 250 ms between attempts (bounded by attempts). */
    public Retry transition() {
        return new Retry(Duration.ofMillis(20), Duration.ofMillis(250), Retry.FOREVER, clock, sleeper);
    }
}
