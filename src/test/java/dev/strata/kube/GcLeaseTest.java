package dev.strata.kube;

import dev.strata.testing.DrivenClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.strata.store.FileObjectStore;
import dev.strata.testing.FaultyProxy;
import dev.strata.volume.GarbageCollector;
import dev.strata.volume.Registry;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The GC lease as client-go's leader election behaves, against Fabric8's CRUD mock API server,
 * with a TCP relay in front of it to cut the API off. Most cases run on a hand-moved clock:
 * each election attempt is one retry period, so "within the lease time" is checked on that
 * clock, not on the wall.
 */
@EnableKubernetesMockClient(crud = true)
class GcLeaseTest {
    static final LeaseElection.Timing TIMING = new LeaseElection.Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    KubernetesClient client;
    @TempDir Path bucket;

    /** A client that reaches the mock through {@code proxy}, failing fast (no retries) when it is cut. */
    KubernetesClient through(FaultyProxy proxy) {
        URI master = URI.create(client.getMasterUrl().toString());
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withMasterUrl(master.getScheme() + "://127.0.0.1:" + proxy.uri().getPort())
                .withRequestTimeout(5000).withConnectionTimeout(5000).withRequestRetryBackoffLimit(0).build()).build();
    }

    static FaultyProxy proxyTo(KubernetesClient client) throws Exception {
        URI master = URI.create(client.getMasterUrl().toString());
        return new FaultyProxy(URI.create("http://" + master.getHost() + ":" + master.getPort()));
    }

    GcLoop loop(KubernetesClient via, String identity, Clock clock, List<Instant> passes) {
        return new GcLoop(new LeaseElection(via, "strata", GcLoop.LEASE, identity, TIMING, clock), identity,
                stillLeading -> {
                    assertTrue(stillLeading.getAsBoolean(), "a pass runs only with a valid lease");
                    passes.add(clock.instant());
                }, Duration.ofSeconds(4), clock);
    }

    @Test
    void anApiOutageStopsGcBeforeTheLeaseCanExpireAndTheLeaseIsRetakenWithinOneRetryPeriod() throws Exception {
        DrivenClock clock = new DrivenClock(Instant.parse("2026-01-01T00:00:00Z"));
        List<Instant> passes = new ArrayList<>();
        try (FaultyProxy proxy = proxyTo(client); KubernetesClient via = through(proxy)) {
            GcLoop a = loop(via, "controller-a", clock, passes);
            for (int tries = 0; tries < 5 && !a.leading(); tries++) a.elect(); // a first connection on a loaded machine may time out
            assertTrue(a.leading());
            a.maybeRunPass();
            assertEquals(1, passes.size());
            Instant lastRenewal = clock.instant();

            proxy.mode(FaultyProxy.Mode.RESET);
            Instant stopped = null;
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            logged.start();
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.addAppender(logged);
            try {
                for (int attempt = 0; attempt < 12; attempt++) {
                    clock.advance(TIMING.retryPeriod());
                    a.elect();
                    a.maybeRunPass();
                    if (stopped == null && !a.leading()) stopped = clock.instant();
                }
            } finally {
                root.detachAppender(logged);
            }
            List<ILoggingEvent> loud = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO)).toList();
            assertEquals(2, loud.size(), "one line for the unreachable lease, one for the lost lead: " + loud);
            assertTrue(loud.stream().allMatch(e -> e.getThrowableProxy() == null), "no stack trace per retry");
            assertNotNull(stopped, "GC stopped during the outage");
            assertFalse(stopped.isAfter(lastRenewal.plus(TIMING.renewDeadline())), "stopped at the renew deadline: " + stopped);
            assertTrue(stopped.isBefore(lastRenewal.plus(TIMING.leaseDuration())), "before the lease could expire elsewhere");
            Instant deadline = lastRenewal.plus(TIMING.renewDeadline());
            assertTrue(passes.stream().allMatch(p -> p.isBefore(deadline)), "no pass without a valid lease: " + passes);
            int before = passes.size();

            proxy.mode(FaultyProxy.Mode.PASS);
            clock.advance(TIMING.retryPeriod());
            a.elect();
            assertTrue(a.leading(), "the API is back: the lease is retaken at the next attempt (one retry period)");
            a.maybeRunPass();
            assertEquals(before + 1, passes.size(), "GC runs again");
        }
    }

    @Test
    void twoReplicasNeverLeadAtOnceAndTheSecondTakesOverOnlyAfterTheLeaseExpires() throws Exception {
        DrivenClock clock = new DrivenClock(Instant.parse("2026-01-01T00:00:00Z"));
        List<Instant> passesA = new ArrayList<>(), passesB = new ArrayList<>();
        try (FaultyProxy proxyA = proxyTo(client); KubernetesClient viaA = through(proxyA)) {
            GcLoop a = loop(viaA, "controller-a", clock, passesA);
            GcLoop b = loop(client, "controller-b", clock, passesB);
            for (int tries = 0; tries < 5 && !a.leading(); tries++) a.elect(); // a first connection on a loaded machine may time out
            assertTrue(a.leading(), "A leads first");
            Instant cut = null, taken = null;
            for (int step = 0; step < 40; step++) {
                if (step == 10) {
                    proxyA.mode(FaultyProxy.Mode.RESET); // A is cut off from the API, B is not
                    cut = clock.instant();
                }
                a.elect();
                b.elect();
                a.maybeRunPass();
                b.maybeRunPass();
                assertFalse(a.leading() && b.leading(), "two leaders at " + clock.instant());
                if (taken == null && b.leading()) taken = clock.instant();
                clock.advance(TIMING.retryPeriod());
            }
            assertFalse(passesA.isEmpty(), "A led first");
            assertNotNull(taken, "B took the lease over");
            assertTrue(!taken.isBefore(cut.minus(TIMING.retryPeriod()).plus(TIMING.leaseDuration())), "only after A's lease expired: " + taken);
            Instant lastA = passesA.getLast(), firstB = passesB.getFirst();
            assertTrue(lastA.isBefore(firstB), "the passes never overlap");
            assertEquals("controller-b", client.leases().inNamespace("strata").withName(GcLoop.LEASE).get().getSpec().getHolderIdentity());

            proxyA.mode(FaultyProxy.Mode.PASS);
            for (int step = 0; step < 5; step++) {
                a.elect();
                b.elect();
                assertFalse(a.leading(), "A sees B holding a live lease");
                assertTrue(b.leading());
                clock.advance(TIMING.retryPeriod());
            }
        }
    }

    @Test
    void timingsFollowClientGoOrder() {
        assertThrows(IllegalArgumentException.class, () -> new LeaseElection.Timing(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)));
        assertThrows(IllegalArgumentException.class, () -> new LeaseElection.Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    /** The loop on its own threads and the wall clock, through the same entry point the controller uses. */
    @Test
    void theRunningLoopStopsDuringAnOutageAndRejoinsAfterIt() throws Exception {
        try (FileObjectStore store = new FileObjectStore(bucket); FaultyProxy proxy = proxyTo(client); KubernetesClient via = through(proxy)) {
            GarbageCollector gc = new GarbageCollector(new Registry(store, Clock.systemUTC()), Clock.systemUTC(), Duration.ofHours(1));
            Duration lease = Duration.ofSeconds(3);
            try (GcLoop a = GcLoop.start(via, "strata", "controller-a", gc, Duration.ofMillis(100), lease)) {
                waitFor(() -> a.passes() >= 2, Duration.ofSeconds(20), "the replica leads and collects");
                proxy.mode(FaultyProxy.Mode.RESET);
                Thread.sleep(lease.toMillis()); // the renew deadline (2 s) has passed
                int stoppedAt = a.passes();
                Thread.sleep(1000);
                assertEquals(stoppedAt, a.passes(), "no GC pass while the lease cannot be renewed");
                proxy.mode(FaultyProxy.Mode.PASS);
                waitFor(() -> a.passes() > stoppedAt, Duration.ofSeconds(20), "the replica took the lease back and collects again");
            }
        }
    }

    @Test
    void garbageCollectionRunsInExactlyOneReplicaAndMovesWhenTheLeaderGoes() throws Exception {
        AtomicInteger active = new AtomicInteger(), overlaps = new AtomicInteger();
        GcLoop.Pass pass = stillLeading -> {
            if (active.incrementAndGet() > 1) overlaps.incrementAndGet();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                active.decrementAndGet();
            }
        };
        LeaseElection.Timing fast = new LeaseElection.Timing(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(400));
        GcLoop a = GcLoop.start(client, "strata", "controller-a", pass, Duration.ofMillis(100), fast, Clock.systemUTC());
        waitFor(a::leading, Duration.ofSeconds(20), "the first replica leads");
        GcLoop b = GcLoop.start(client, "strata", "controller-b", pass, Duration.ofMillis(100), fast, Clock.systemUTC());
        try {
            waitFor(() -> a.passes() >= 3, Duration.ofSeconds(20), "the first replica collects");
            assertEquals(0, b.passes(), "the other replica waits");
            Lease lease = client.leases().inNamespace("strata").withName(GcLoop.LEASE).get();
            assertEquals("controller-a", lease.getSpec().getHolderIdentity());

            a.close(); // releases the lease
            int atHandOver = a.passes();
            waitFor(() -> b.passes() >= 2, Duration.ofSeconds(20), "the lease moved to the other replica");
            assertEquals(atHandOver, a.passes(), "the old leader stopped collecting");
            assertEquals("controller-b", client.leases().inNamespace("strata").withName(GcLoop.LEASE).get().getSpec().getHolderIdentity());
            assertEquals(0, overlaps.get(), "two passes never ran at once");
        } finally {
            a.close();
            b.close();
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(50);
        assertTrue(condition.getAsBoolean(), what);
    }
}
