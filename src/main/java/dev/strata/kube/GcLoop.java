package dev.strata.kube;

import dev.strata.volume.GarbageCollector;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the garbage collector in the controller, in one replica at a time: the holder of the
 * Lease {@code strata-gc} (Kubernetes leader election) runs a GC pass every interval; the
 * others wait. Losing the lease stops the loop at once.
 */
public final class GcLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GcLoop.class);
    public static final String LEASE = "strata-gc";

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "strata-gc");
        t.setDaemon(true);
        return t;
    });
    private final CompletableFuture<?> election;
    private final AtomicInteger passes = new AtomicInteger();
    private volatile ScheduledFuture<?> running;

    private GcLoop(KubernetesClient client, String namespace, String identity, GarbageCollector gc, Duration interval,
                   Duration leaseDuration) {
        LeaderElector elector = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(LEASE)
                .withLock(new LeaseLock(namespace, LEASE, identity))
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(leaseDuration.multipliedBy(2).dividedBy(3))
                .withRetryPeriod(leaseDuration.dividedBy(6))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> {
                            log.atInfo().setMessage("leading the GC lease: garbage collection runs here").addKeyValue("identity", identity).log();
                            running = timer.scheduleWithFixedDelay(() -> pass(gc), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
                        },
                        () -> {
                            log.atInfo().setMessage("no longer leading the GC lease").addKeyValue("identity", identity).log();
                            ScheduledFuture<?> r = running;
                            if (r != null) r.cancel(true);
                        },
                        leader -> log.atDebug().setMessage("GC lease holder").addKeyValue("leader", leader).log()))
                .build()).build();
        this.election = elector.start();
    }

    /** Starts competing for the lease in {@code namespace} as {@code identity}. */
    public static GcLoop start(KubernetesClient client, String namespace, String identity, GarbageCollector gc, Duration interval) {
        return new GcLoop(client, namespace, identity, gc, interval, Duration.ofSeconds(15));
    }

    static GcLoop start(KubernetesClient client, String namespace, String identity, GarbageCollector gc, Duration interval,
                        Duration leaseDuration) {
        return new GcLoop(client, namespace, identity, gc, interval, leaseDuration);
    }

    private void pass(GarbageCollector gc) {
        try {
            GarbageCollector.Report r = gc.run(step -> log.atInfo().setMessage("gc: " + step).log());
            passes.incrementAndGet();
            log.atInfo().setMessage("gc pass done").addKeyValue("deleted", r.deleted()).addKeyValue("deletedBytes", r.deletedBytes())
                    .addKeyValue("candidates", r.candidates()).log();
        } catch (RuntimeException e) {
            log.atError().setMessage("gc pass failed; retried at the next interval").setCause(e).log();
        }
    }

    /** GC passes this replica has completed. */
    public int passes() {
        return passes.get();
    }

    @Override
    public void close() {
        election.cancel(true);
        ScheduledFuture<?> r = running;
        if (r != null) r.cancel(true);
        timer.shutdownNow();
    }
}
