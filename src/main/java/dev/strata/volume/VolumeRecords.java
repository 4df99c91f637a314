package dev.strata.volume;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import java.util.Optional;

/**
 * Volume records and their manifest generations, read from the bucket: what the registry's
 * services (ownership, snapshots, group snapshots, sources) need of volumes, without a
 * reference back to the registry.
 */
final class VolumeRecords {
    private final Bucket bucket;

    VolumeRecords(Bucket bucket) {
        this.bucket = bucket;
    }

    /** The volume's record. NotFound if there is none. */
    VolumeRecord resolve(VolumeName name) {
        return find(name).orElseThrow(() -> new VolumeException.NotFound("volume " + name + " does not exist"));
    }

    Optional<VolumeRecord> find(VolumeName name) {
        return bucket.readJson(Layout.volumeRecord(name), VolumeRecord.class).map(Bucket.Versioned::value);
    }

    Optional<Bucket.Versioned<VolumeRecord>> findVersioned(VolumeName name) {
        return bucket.readJson(Layout.volumeRecord(name), VolumeRecord.class);
    }

    /** The newest committed manifest generation of the volume, read in full. */
    Registry.Generation newestGeneration(VolumeRecord v) {
        Registry.GenerationRef ref = newestGenerationRef(v);
        return new Registry.Generation(ref.number(), ref.key(), bucket.readManifest(Layout.inPool(v.poolId(), ref.key())));
    }

    /** Which generation of the volume is the newest: one small LIST. */
    Registry.GenerationRef newestGenerationRef(VolumeRecord v) {
        VolumeName name = v.volumeName();
        ObjectKey prefix = Layout.inPoolPrefix(v.poolId(), Layout.generations(name, v.uid()));
        String after = v.generation() > 1
                ? Layout.inPool(v.poolId(), Layout.generation(name, v.uid(), v.generation() - 1)).value() : null;
        ObjectInfo last = bucket.lastNumbered(prefix, after)
                .or(() -> bucket.lastNumbered(prefix, null))
                .orElseThrow(() -> new VolumeException.Corrupt("volume " + name + " has no manifest", null));
        String poolRelative = last.key().substring(("pools/" + v.pool() + "/").length());
        ManifestKeys.checkPoolRelative(poolRelative);
        long number = Long.parseLong(poolRelative.substring(poolRelative.lastIndexOf('/') + 1));
        return new Registry.GenerationRef(number, poolRelative);
    }

}
