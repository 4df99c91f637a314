package dev.strata.volume;

/**
 * {@code index/snapshots/{volume}@{seq}.json}: a snapshot, resolvable on any node.
 *
 * @param manifest  pool-relative key of its immutable manifest
 * @param csiName   the CSI snapshot name it was created under, or null
 * @param volumeUid the incarnation of the volume it was taken of
 */
public record SnapshotRecord(int formatVersion, String id, String volume, long seq, String pool, String manifest,
                             long sizeBytes, String csiName, String volumeUid, String created) {
    public static final int FORMAT = 1;

    public SnapshotRecord {
        SnapshotId parsed = SnapshotId.parse(id);
        if (!parsed.volume().value().equals(volume) || parsed.seq() != seq)
            throw new VolumeException.InvalidArgument("snapshot id " + id + " does not match its volume and sequence");
        new PoolId(pool);
        ManifestKeys.checkPoolRelative(manifest);
        if (sizeBytes < 0) throw new VolumeException.InvalidArgument("snapshot size must not be negative");
    }

    public SnapshotId snapshotId() { return SnapshotId.parse(id); }

    public PoolId poolId() { return new PoolId(pool); }
}
