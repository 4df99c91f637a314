package dev.strata.volume;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code volumes/{name}/volume.json}: everything a node needs to attach a volume by name.
 *
 * @param formatVersion   record format (1)
 * @param name            the stable name (= CSI volume id)
 * @param csiName         the CSI name it was created under, when different or known
 * @param uid             random per incarnation: a volume deleted and created again under the
 *                        same name never shares manifests with its predecessor
 * @param sizeBytes       current size
 * @param requestedBytes  size asked for at creation (CreateVolume idempotency)
 * @param blockSize       block size of its manifests
 * @param pool            the pool its manifests and packs live in (the source's, for forks)
 * @param source          canonical FromRef of its lineage, null for blank volumes
 * @param sourceManifest  pool-relative key of the manifest it was forked from, or null
 * @param parameters      the creation parameters (StorageClass), for idempotency
 * @param owner           the node holding it, or null
 * @param epoch           newest ownership epoch allocated (a hint; the owners/ objects rule)
 * @param nextSnapshotSeq where snapshot sequence allocation starts looking (a hint)
 * @param generation      newest manifest generation known (a hint)
 * @param created         creation instant, ISO-8601
 */
public record VolumeRecord(int formatVersion, String name, String csiName, String uid, long sizeBytes,
                           long requestedBytes, int blockSize, String pool, String source, String sourceManifest,
                           Map<String, String> parameters, Owner owner, long epoch, long nextSnapshotSeq,
                           long generation, String created) {
    public static final int FORMAT = 1;

    public VolumeRecord {
        new VolumeName(name);
        new PoolId(pool);
        if (uid == null || !uid.matches("[0-9a-f]{16}")) throw new VolumeException.InvalidArgument("volume uid must be 16 hex digits");
        if (sizeBytes < 0 || requestedBytes < 0) throw new VolumeException.InvalidArgument("volume size must not be negative");
        if (source != null) FromRef.parse(source);
        if (sourceManifest != null) ManifestKeys.checkPoolRelative(sourceManifest);
        parameters = parameters == null ? Map.of() : new TreeMap<>(parameters);
    }

    public VolumeName volumeName() { return new VolumeName(name); }

    public PoolId poolId() { return new PoolId(pool); }

    public VolumeRecord withOwner(Owner newOwner, long newEpoch) {
        return new VolumeRecord(formatVersion, name, csiName, uid, sizeBytes, requestedBytes, blockSize, pool, source,
                sourceManifest, parameters, newOwner, Math.max(epoch, newEpoch), nextSnapshotSeq, generation, created);
    }

    public VolumeRecord withSize(long newSize) {
        return new VolumeRecord(formatVersion, name, csiName, uid, newSize, requestedBytes, blockSize, pool, source,
                sourceManifest, parameters, owner, epoch, nextSnapshotSeq, generation, created);
    }

    public VolumeRecord withHints(long newNextSnapshotSeq, long newGeneration) {
        return new VolumeRecord(formatVersion, name, csiName, uid, sizeBytes, requestedBytes, blockSize, pool, source,
                sourceManifest, parameters, owner, epoch, Math.max(nextSnapshotSeq, newNextSnapshotSeq),
                Math.max(generation, newGeneration), created);
    }

    public VolumeRecord withParameters(Map<String, String> newParameters) {
        return new VolumeRecord(formatVersion, name, csiName, uid, sizeBytes, requestedBytes, blockSize, pool, source,
                sourceManifest, newParameters, owner, epoch, nextSnapshotSeq, generation, created);
    }
}
