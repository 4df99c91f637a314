package dev.strata.kube;

import dev.strata.volume.GarbageCollector;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the garbage collector in the controller, in one replica at a time: the replica leading
 * the Lease {@code strata-gc} ({@link LeaseElection}, client-go's rules) runs a GC pass every
 * interval. One thread makes an election attempt every retry period, forever (losing or never
 * winning is not final); another runs the passes, so a long pass never delays a renewal. A pass
 * starts only while the lease is valid, and stops at its next step once it is not: a replica cut
 * off from the API server stops before its lease can expire and another replica can take it.
 */
public final class GcLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GcLoop.class);
    public static final String LEASE = "strata-gc";

    /** One GC pass; it calls {@code stillLeading} between steps and stops when it turns false. */
    interface Pass {
        void run(BooleanSupplier stillLeading);
    }

    /** Thrown inside a pass to stop it when the lease is no longer valid. */
    static final class LeaseLost extends RuntimeException {
        LeaseLost() {
            super("the GC lease is no longer valid", null, false, false);
        }
    }

    private final LeaseElection election;
    private final Pass pass;
    private final Duration interval;
    private final Clock clock;
    private final String identity;
    private final AtomicInteger passes = new AtomicInteger();
    private final ScheduledExecutorService threads = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "strata-gc");
        t.setDaemon(true);
        return t;
    });
    private boolean wasLeading;
    private volatile Instant lastPass;

    GcLoop(LeaseElection election, String identity, Pass pass, Duration interval, Clock clock) {
        this.election = election;
        this.identity = identity;
        this.pass = pass;
        this.interval = interval;
        this.clock = clock;
    }

    /** Starts competing for the lease in {@code namespace} as {@code identity} (client-go's timings: 15 s, 10 s, 2 s). */
    public static GcLoop start(KubernetesClient client, String namespace, String identity, GarbageCollector gc, Duration interval) {
        return start(client, namespace, identity, gcPass(gc), interval, LeaseElection.Timing.DEFAULT, Clock.systemUTC());
    }

    /** Timings scaled from {@code leaseDuration} in client-go's proportions (renew 2/3, retry 2/15). */
    static GcLoop start(KubernetesClient client, String namespace, String identity, GarbageCollector gc, Duration interval,
                        Duration leaseDuration) {
        return start(client, namespace, identity, gcPass(gc), interval, new LeaseElection.Timing(leaseDuration,
                leaseDuration.multipliedBy(2).dividedBy(3), leaseDuration.multipliedBy(2).dividedBy(15)), Clock.systemUTC());
    }

    static GcLoop start(KubernetesClient client, String namespace, String identity, Pass pass, Duration interval,
                        LeaseElection.Timing timing, Clock clock) {
        GcLoop loop = new GcLoop(new LeaseElection(client, namespace, LEASE, identity, timing, clock), identity, pass, interval, clock);
        long retry = timing.retryPeriod().toMillis();
        loop.threads.scheduleWithFixedDelay(loop::elect, 0, retry, TimeUnit.MILLISECONDS);
        loop.threads.scheduleWithFixedDelay(loop::maybeRunPass, retry, Math.min(retry, interval.toMillis()), TimeUnit.MILLISECONDS);
        return loop;
    }

    static Pass gcPass(GarbageCollector gc) {
        return stillLeading -> {
            GarbageCollector.Report r = gc.run(step -> {
                if (!stillLeading.getAsBoolean()) throw new LeaseLost();
                log.atInfo().setMessage("gc: " + step).log();
            });
            log.atInfo().setMessage("gc pass done").addKeyValue("deleted", r.deleted()).addKeyValue("deletedBytes", r.deletedBytes())
                    .addKeyValue("candidates", r.candidates()).log();
        };
    }

    /** One election attempt; logs a change of leadership as one line. */
    void elect() {
        boolean leading = election.tryAcquireOrRenew();
        if (leading != wasLeading)
            log.atInfo().setMessage(leading ? "leading the GC lease: garbage collection runs here" : "no longer leading the GC lease")
                    .addKeyValue("identity", identity).log();
        wasLeading = leading;
    }

    /** Runs a pass if this replica leads and the last one is an interval old. */
    void maybeRunPass() {
        Instant last = lastPass;
        if (!election.leading() || last != null && clock.instant().isBefore(last.plus(interval))) return;
        lastPass = clock.instant();
        try {
            pass.run(election::leading);
            passes.incrementAndGet();
        } catch (LeaseLost e) {
            log.atWarn().setMessage("gc pass stopped: the GC lease is no longer valid").addKeyValue("identity", identity).log();
        } catch (RuntimeException e) {
            log.atError().setMessage("gc pass failed; retried at the next interval").setCause(e).log();
        }
    }

    boolean leading() {
        return election.leading();
    }

    /** GC passes this replica has completed. */
    public int passes() {
        return passes.get();
    }

    @Override
    public void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        election.release();
    }
}
