package dev.strata.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it, one
 * attempt per {@link #tryAcquireOrRenew()} (the caller calls it every retry period):
 * <ul>
 * <li>another holder's lease counts as expired {@code leaseDuration} after this replica last
 *     saw the record change (its own clock, never the holder's timestamps: no clock-skew trust);
 * <li>take or renew with an update carrying the read resourceVersion, so of two replicas only
 *     one wins (409 for the other);
 * <li>{@link #leading()} is true only until {@code renewDeadline} after the last successful
 *     renewal, and {@code renewDeadline < leaseDuration}: a leader cut off from the API server
 *     stops before any other replica may take the lease;
 * <li>losing or never winning is not final: the next attempt tries again.
 * </ul>
 * Requests: get, create and update on the one Lease (the chart's Role grants exactly those).
 * Not thread-safe: one thread makes the attempts; {@link #leading()} may be read from any.
 */
final class LeaseElection {
    private static final Logger log = LoggerFactory.getLogger(LeaseElection.class);

    /** client-go's defaults are 15 s / 10 s / 2 s. */
    record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        static final Timing DEFAULT = new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

        Timing {
            if (renewDeadline.compareTo(leaseDuration) >= 0)
                throw new IllegalArgumentException("renew deadline " + renewDeadline + " must be shorter than the lease " + leaseDuration);
            if (retryPeriod.compareTo(renewDeadline) >= 0)
                throw new IllegalArgumentException("retry period " + retryPeriod + " must be shorter than the renew deadline " + renewDeadline);
            if (leaseDuration.toSeconds() < 1) throw new IllegalArgumentException("the lease lasts at least a second");
        }
    }

    private final KubernetesClient client;
    private final String namespace, name, identity;
    private final Timing timing;
    private final Clock clock;
    private volatile Instant renewedAt; // null: not leading
    private String observedRecord;
    private Instant observedAt;
    private String failing; // the error of the current streak of failed attempts, logged once

    LeaseElection(KubernetesClient client, String namespace, String name, String identity, Timing timing, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
        this.timing = timing;
        this.clock = clock;
    }

    /** Whether this replica holds a lease it renewed less than the renew deadline ago. */
    boolean leading() {
        Instant r = renewedAt;
        return r != null && clock.instant().isBefore(r.plus(timing.renewDeadline()));
    }

    /** One attempt to take or renew the lease; returns {@link #leading()} after it. */
    boolean tryAcquireOrRenew() {
        Instant now = clock.instant();
        try {
            Lease lease = client.leases().inNamespace(namespace).withName(name).get();
            if (lease == null) {
                Lease created = client.leases().inNamespace(namespace).resource(new LeaseBuilder()
                        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                        .withSpec(spec(null, now)).build()).create();
                return won(created, now);
            }
            String record = record(lease.getSpec());
            if (!record.equals(observedRecord)) {
                observedRecord = record;
                observedAt = now;
            }
            String holder = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
            boolean heldByOther = holder != null && !holder.isEmpty() && !holder.equals(identity);
            if (heldByOther && observedAt.plus(duration(lease.getSpec())).isAfter(now)) {
                succeeded();
                renewedAt = null;
                return false;
            }
            lease.setSpec(spec(lease.getSpec(), now));
            return won(client.leases().inNamespace(namespace).resource(lease).update(), now);
        } catch (KubernetesClientException e) {
            failed(e.getCode() == 0 || e.getStatus() == null ? String.valueOf(e.getMessage()) : e.getCode() + " " + e.getStatus().getMessage());
            return leading();
        }
    }

    /** Gives the lease up (empty holder) so another replica need not wait for it to expire. */
    void release() {
        if (!leading()) return;
        renewedAt = null;
        try {
            Lease lease = client.leases().inNamespace(namespace).withName(name).get();
            if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) return;
            lease.getSpec().setHolderIdentity(null);
            lease.getSpec().setLeaseDurationSeconds(1);
            client.leases().inNamespace(namespace).resource(lease).update();
        } catch (KubernetesClientException e) {
            log.atInfo().setMessage("could not release the lease; it expires by itself").addKeyValue("lease", name)
                    .addKeyValue("error", e.getMessage()).log();
        }
    }

    private boolean won(Lease lease, Instant now) {
        succeeded();
        renewedAt = now;
        observedRecord = record(lease.getSpec());
        observedAt = now;
        return true;
    }

    private void succeeded() {
        if (failing != null) log.atInfo().setMessage("lease requests succeed again").addKeyValue("lease", name).log();
        failing = null;
    }

    /** One line per streak of failures (not a stack trace per retry); the rest at debug. */
    private void failed(String error) {
        if (failing == null)
            log.atWarn().setMessage("cannot reach the lease; retrying every " + timing.retryPeriod().toMillis() + " ms")
                    .addKeyValue("lease", name).addKeyValue("leading", leading()).addKeyValue("error", error).log();
        else log.atDebug().setMessage("lease attempt failed").addKeyValue("lease", name).addKeyValue("error", error).log();
        failing = error;
    }

    private LeaseSpec spec(LeaseSpec old, Instant now) {
        boolean mine = old != null && identity.equals(old.getHolderIdentity());
        ZonedDateTime at = ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
        LeaseSpec s = new LeaseSpec();
        s.setHolderIdentity(identity);
        s.setLeaseDurationSeconds((int) timing.leaseDuration().toSeconds());
        s.setRenewTime(at);
        s.setAcquireTime(mine && old.getAcquireTime() != null ? old.getAcquireTime() : at);
        int transitions = old == null || old.getLeaseTransitions() == null ? 0 : old.getLeaseTransitions();
        s.setLeaseTransitions(old == null ? 0 : mine ? transitions : transitions + 1);
        return s;
    }

    private Duration duration(LeaseSpec spec) {
        Integer seconds = spec == null ? null : spec.getLeaseDurationSeconds();
        return seconds == null || seconds <= 0 ? timing.leaseDuration() : Duration.ofSeconds(seconds);
    }

    private static String record(LeaseSpec s) {
        if (s == null) return "";
        return Objects.toString(s.getHolderIdentity()) + "|" + s.getRenewTime() + "|" + s.getAcquireTime() + "|"
                + s.getLeaseTransitions() + "|" + s.getLeaseDurationSeconds();
    }
}
