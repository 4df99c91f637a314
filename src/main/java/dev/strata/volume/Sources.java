package dev.strata.volume;

/**
 * Resolves what a {@link FromRef} names to its physical source (a pool and a manifest): an
 * image's, a snapshot's, or a volume's newest generation (or a cut its holder made).
 */
final class Sources {
    private final Bucket bucket;
    private final VolumeRecords volumes;
    private final Snapshots snapshots;

    Sources(Bucket bucket, VolumeRecords volumes, Snapshots snapshots) {
        this.bucket = bucket;
        this.volumes = volumes;
        this.snapshots = snapshots;
    }

    /** The physical source a FromRef names. A missing image/volume/snapshot → NotFound. */
    ResolvedSource resolveSource(FromRef ref) {
        return switch (ref) {
            case FromRef.Blank b -> throw new VolumeException.InvalidArgument("a blank volume has no source");
            case FromRef.Image i -> {
                ImageRecord image = Images.resolve(bucket, i.image());
                yield new ResolvedSource(ref, image.poolId(), image.manifest(),
                        bucket.readManifestHeader(Layout.inPool(image.poolId(), image.manifest())));
            }
            case FromRef.Snapshot s -> {
                SnapshotRecord snap = snapshots.resolve(s.snapshot());
                yield new ResolvedSource(ref, snap.poolId(), snap.manifest(),
                        bucket.readManifestHeader(Layout.inPool(snap.poolId(), snap.manifest())));
            }
            case FromRef.Volume v -> {
                VolumeRecord source = volumes.resolve(v.volume());
                Registry.GenerationRef newest = volumes.newestGenerationRef(source);
                yield new ResolvedSource(ref, source.poolId(), newest.key(),
                        bucket.readManifestHeader(Layout.inPool(source.poolId(), newest.key())), source.sizeBytes());
            }
        };
    }

    ResolvedSource resolveCut(FromRef ref, String cutKey) {
        if (!(ref instanceof FromRef.Volume v)) throw new IllegalArgumentException("a cut is only for volume sources");
        VolumeRecord source = volumes.resolve(v.volume());
        ManifestKeys.checkPoolRelative(cutKey);
        return new ResolvedSource(ref, source.poolId(), cutKey, bucket.readManifestHeader(Layout.inPool(source.poolId(), cutKey)),
                source.sizeBytes());
    }

}
