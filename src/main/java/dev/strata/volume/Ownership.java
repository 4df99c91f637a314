package dev.strata.volume;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may write a volume. Every change of ownership — a grant (ControllerPublish), a
 * revocation (ControllerUnpublish) and the deletion of the volume — first takes the next
 * ownership epoch by a conditional create of {@code owners/{name}/{epoch}}, then writes the
 * volume record. Exactly one transition gets each epoch, so of two conflicting transitions
 * decided on the same record (a delete and a publish from two controllers, two publishes to
 * different nodes) exactly one goes through; the other re-reads the record and decides again.
 *
 * <p>A holder may acknowledge writes only while it can show, within the last {@link #lease()},
 * that no newer epoch exists (see {@link HolderLease}). A revocation the holder did not
 * confirm ({@code forced}) therefore waits out the lease before the volume is free again.
 */
public final class Ownership {
    private static final Logger log = LoggerFactory.getLogger(Ownership.class);
    private static final int MAX_ATTEMPTS = 16;
    /** The default bound on how long a holder that cannot reach the bucket goes on acknowledging writes. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** A transition that took an epoch but never wrote the record this long after is taken to have died. */
    static final Duration ABANDONED_AFTER = Duration.ofSeconds(60);

    private final Bucket bucket;
    private final VolumeRecords volumes;
    private final Clock clock;
    private final Timing timing;
    private final Duration lease;

    Ownership(Bucket bucket, VolumeRecords volumes, Timing timing, Duration lease) {
        this.bucket = bucket;
        this.volumes = volumes;
        this.timing = timing;
        this.clock = timing.clock();
        this.lease = lease;
    }

    /** How long a holder's confirmation of its epoch lasts; also what a forced revocation waits out. */
    public Duration lease() {
        return lease;
    }

    /**
     * Grants {@code node} the volume under a new epoch (ControllerPublish). Idempotent for the
     * node that holds it with the same readonly flag; with another flag → AlreadyExists; held
     * by another node → FailedPrecondition naming that node. Missing volume → NotFound.
     */
    public VolumeRecord grant(VolumeName volume, NodeId node, boolean readonly, String agent) {
        VolumeRecord granted = transition(volume, "publish", current -> {
            VolumeRecord r = current.orElseThrow(() -> new VolumeException.NotFound("volume " + volume + " does not exist"));
            if (r.owner() != null) return new Step.Done(checkHolder(r, r.owner(), node, readonly));
            return new Step.Take(EpochRecord.grant(r.uid(), node.value(), now()),
                    (fresh, epoch) -> fresh.withOwner(new Owner(node.value(), epoch, agent, readonly, lease.toMillis()), epoch), null);
        });
        return granted;
    }

    private static VolumeRecord checkHolder(VolumeRecord record, Owner owner, NodeId node, boolean readonly) {
        if (!owner.node().equals(node.value()))
            throw new VolumeException.FailedPrecondition("volume " + record.name() + " is published on node "
                    + owner.node() + " (epoch " + owner.epoch() + "); unpublish it there first");
        if (owner.readonly() != readonly)
            throw new VolumeException.AlreadyExists("volume " + record.name() + " is already published on node "
                    + node + " with readonly=" + owner.readonly());
        return record;
    }

    /**
     * Revokes {@code node}'s ownership (ControllerUnpublish) once its holder has confirmed it
     * stopped writing and uploaded what it acknowledged (or never attached it): takes a newer
     * epoch. Idempotent: a volume not held by that node (or missing) is fine. {@code node} null
     * revokes whoever holds it.
     */
    public void revoke(VolumeName volume, NodeId node) {
        revoke(volume, node, false);
    }

    /**
     * As {@link #revoke(VolumeName, NodeId)}; {@code forced}: the holder did not confirm (it is
     * down or cut off). The new epoch is taken at once — the holder stops acknowledging writes
     * within its lease — and the record shows the volume free only after the lease has run out,
     * so no new holder can acknowledge a write while the old one still might. What the old
     * holder acknowledged but had not uploaded is lost: that is what forcing means.
     */
    public void revoke(VolumeName volume, NodeId node, boolean forced) {
        transition(volume, forced ? "forced unpublish" : "unpublish", current -> {
            if (current.isEmpty()) return new Step.Done(null);
            Owner owner = current.get().owner();
            if (owner == null || (node != null && !owner.node().equals(node.value()))) return new Step.Done(current.get());
            return new Step.Take(EpochRecord.revoke(current.get().uid(), owner.node(), now()),
                    (fresh, epoch) -> fresh.withOwner(null, epoch), forced ? owner.lease() : null);
        });
    }

    /**
     * Deletes the volume's record (Registry.delete): takes the next epoch first, so a publish
     * decided on the same record cannot also succeed. Idempotent; a held volume → FailedPrecondition.
     */
    void delete(VolumeName volume) {
        transition(volume, "delete", current -> {
            if (current.isEmpty()) return new Step.Done(null);
            if (current.get().owner() != null)
                throw new VolumeException.FailedPrecondition("volume " + volume + " is published on node "
                        + current.get().owner().node() + "; unpublish it first");
            return new Step.Take(EpochRecord.delete(current.get().uid(), now()), null, null);
        });
    }

    /** True when an epoch newer than {@code epoch} exists: its holder has been fenced. */
    public boolean superseded(VolumeName volume, long epoch) {
        return bucket.exists(Layout.owner(volume, epoch + 1));
    }

    /** The newest epoch ever taken for this name (0 if none). */
    long newestEpoch(VolumeName volume) {
        return bucket.lastNumbered(Layout.owners(volume), null)
                .map(Bucket::number)
                .orElse(0L);
    }

    /** What a transition does, decided on the record as read (empty: no volume). */
    private sealed interface Step {
        /** Nothing to change: the call's answer. */
        record Done(VolumeRecord result) implements Step {}

        /**
         * Take the next epoch with this record, then write {@code apply(record, epoch)} (null:
         * delete the record) — after waiting out the holder's lease when {@code waitOut} is not null.
         */
        record Take(EpochRecord transition, BiFunction<VolumeRecord, Long, VolumeRecord> apply, Duration waitOut) implements Step {}
    }

    private VolumeRecord transition(VolumeName volume, String what, Function<Optional<VolumeRecord>, Step> decide) {
        Retry.Backoff backoff = timing.transition().backoff();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Bucket.Versioned<VolumeRecord>> current = volumes.findVersioned(volume);
            Step step = decide.apply(current.map(Bucket.Versioned::value));
            if (step instanceof Step.Done done) return done.result();
            Step.Take take = (Step.Take) step;
            OptionalLong epoch = takeNext(volume, current.orElseThrow().value(), take.transition());
            if (epoch.isEmpty()) {
                // jittered, so racing transitions do not meet again in lockstep
                sleep(backoff.next().plusMillis((long) (Math.random() * 20))); // another transition of this volume got the epoch: decide again on what it wrote
                continue;
            }
            if (take.waitOut() != null) waitOut(volume, take.transition().revokedNode(), take.waitOut());
            VolumeRecord written = write(volume, current.get(), epoch.getAsLong(), take, what);
            log.atInfo().setMessage("ownership " + take.transition().kind()).addKeyValue("volume", volume.value())
                    .addKeyValue("node", take.transition().node() != null ? take.transition().node() : take.transition().revokedNode())
                    .addKeyValue("epoch", epoch.getAsLong()).log();
            return written;
        }
        throw new VolumeException.Aborted("volume " + volume + " changed concurrently; retry the " + what);
    }

    /**
     * Takes the epoch after the record's for this transition. Empty when a transition of the
     * same incarnation got there first. Epochs of a former volume of the same name (or
     * abandoned ones) are skipped.
     */
    private OptionalLong takeNext(VolumeName volume, VolumeRecord record, EpochRecord transition) {
        long epoch = Math.max(record.epoch() + 1, 1);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (bucket.createJson(Layout.owner(volume, epoch), transition.at(epoch))) return OptionalLong.of(epoch);
            if (contended(volume, record, epoch)) return OptionalLong.empty();
            long newest = newestEpoch(volume);
            if (newest > epoch && contended(volume, record, newest)) return OptionalLong.empty();
            epoch = Math.max(epoch, newest) + 1;
        }
        throw new VolumeException.Aborted("could not take an ownership epoch for " + volume + "; retry");
    }

    /** Whether epoch {@code number} belongs to a live transition of this very volume. */
    private boolean contended(VolumeName volume, VolumeRecord record, long number) {
        Optional<EpochRecord> other = bucket.readJson(Layout.owner(volume, number), EpochRecord.class).map(Bucket.Versioned::value);
        if (other.isEmpty() || other.get().uid() == null || !other.get().uid().equals(record.uid())) return false;
        Instant created = parse(other.get().created());
        boolean abandoned = created != null && created.plus(ABANDONED_AFTER).isBefore(clock.instant());
        if (abandoned) log.atWarn().setMessage("skipping an ownership epoch whose transition never finished")
                .addKeyValue("volume", volume.value()).addKeyValue("epoch", number).log();
        return !abandoned;
    }

    /** Writes the record for the epoch this transition took (again on a fresh record if another field changed meanwhile). */
    private VolumeRecord write(VolumeName volume, Bucket.Versioned<VolumeRecord> base, long epoch, Step.Take take, String what) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            if (take.apply() == null) {
                bucket.delete(Layout.volumeRecord(volume));
                return null;
            }
            VolumeRecord next = take.apply().apply(base.value(), epoch);
            if (bucket.replaceJson(Layout.volumeRecord(volume), next, base.etag())) return next;
            // something else changed the record (a snapshot sequence, an expansion): our epoch stands,
            // unless a transition that took it for abandoned moved ownership past it
            base = volumes.findVersioned(volume).orElseThrow(() -> new VolumeException.NotFound("volume " + volume + " does not exist"));
            if (base.value().epoch() >= epoch || !base.value().uid().equals(next.uid()))
                throw new VolumeException.Aborted("volume " + volume + " changed ownership concurrently; retry the " + what);
        }
        throw new VolumeException.Aborted("volume " + volume + " changed concurrently; retry the " + what);
    }

    /** Past the holder's lease, with room for its clock running slow and for its last confirmation in flight. */
    private void waitOut(VolumeName volume, String holder, Duration holderLease) {
        Duration wait = holderLease.plus(holderLease.dividedBy(5)).plusSeconds(1);
        log.atWarn().setMessage("forced unpublish: waiting out the holder's lease before the volume is free")
                .addKeyValue("volume", volume.value()).addKeyValue("node", holder).addKeyValue("millis", wait.toMillis()).log();
        sleep(wait);
    }

    private void sleep(Duration d) {
        try {
            timing.sleeper().sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Aborted("interrupted");
        }
    }

    private static Instant parse(String instant) {
        try {
            return instant == null ? null : Instant.parse(instant);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private String now() {
        return clock.instant().toString();
    }
}
