package dev.strata.volume;

import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may write a volume. Each grant and each revocation takes the next ownership epoch by a
 * conditional create of {@code owners/{name}/{epoch}}: exactly one writer gets each epoch,
 * and a node whose epoch is no longer the newest learns it was fenced at its next commit.
 */
public final class Ownership {
    private static final Logger log = LoggerFactory.getLogger(Ownership.class);
    private static final int MAX_ATTEMPTS = 16;

    private final Bucket bucket;
    private final Registry registry;
    private final Clock clock;

    Ownership(Bucket bucket, Registry registry, Clock clock) {
        this.bucket = bucket;
        this.registry = registry;
        this.clock = clock;
    }

    /**
     * Grants {@code node} the volume under a new epoch (ControllerPublish). Idempotent for the
     * node that holds it with the same readonly flag; with another flag → AlreadyExists; held
     * by another node → FailedPrecondition naming that node. Missing volume → NotFound.
     */
    public VolumeRecord grant(VolumeName volume, NodeId node, boolean readonly, String agent) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Bucket.Versioned<VolumeRecord> current = registry.findVersioned(volume)
                    .orElseThrow(() -> new VolumeException.NotFound("volume " + volume + " does not exist"));
            Owner owner = current.value().owner();
            if (owner != null) return checkHolder(current.value(), owner, node, readonly);
            long epoch = take(volume, current.value().epoch() + 1, new EpochRecord(1, 0, node.value(), null, now()));
            VolumeRecord granted = current.value().withOwner(new Owner(node.value(), epoch, agent, readonly), epoch);
            if (bucket.replaceJson(Layout.volumeRecord(volume), granted, current.etag())) {
                log.atInfo().setMessage("ownership granted").addKeyValue("volume", volume.value())
                        .addKeyValue("node", node.value()).addKeyValue("epoch", epoch).log();
                return granted;
            }
        }
        throw new VolumeException.Aborted("volume " + volume + " changed concurrently; retry the publish");
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
     * Revokes {@code node}'s ownership (ControllerUnpublish): takes a newer epoch so the node
     * is fenced at its next commit. Idempotent: a volume not held by that node (or missing)
     * is fine. {@code node} null revokes whoever holds it.
     */
    public void revoke(VolumeName volume, NodeId node) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Bucket.Versioned<VolumeRecord>> current = registry.findVersioned(volume);
            if (current.isEmpty()) return;
            Owner owner = current.get().value().owner();
            if (owner == null || (node != null && !owner.node().equals(node.value()))) return;
            long epoch = take(volume, owner.epoch() + 1, new EpochRecord(1, 0, null, owner.node(), now()));
            VolumeRecord released = current.get().value().withOwner(null, epoch);
            if (bucket.replaceJson(Layout.volumeRecord(volume), released, current.get().etag())) {
                log.atInfo().setMessage("ownership revoked").addKeyValue("volume", volume.value())
                        .addKeyValue("node", owner.node()).addKeyValue("epoch", epoch).log();
                return;
            }
        }
        throw new VolumeException.Aborted("volume " + volume + " changed concurrently; retry the unpublish");
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

    private long take(VolumeName volume, long from, EpochRecord template) {
        long epoch = Math.max(from, 1);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            EpochRecord record = new EpochRecord(1, epoch, template.node(), template.revokedNode(), template.created());
            if (bucket.createJson(Layout.owner(volume, epoch), record)) return epoch;
            epoch = Math.max(epoch + 1, newestEpoch(volume) + 1);
        }
        throw new VolumeException.Aborted("could not take an ownership epoch for " + volume + "; retry");
    }

    private String now() {
        return clock.instant().toString();
    }
}
