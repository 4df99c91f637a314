package dev.strata.volume;

/** {@code index/images/{image}.json}: a named, immutable manifest to fork volumes from. */
public record ImageRecord(int formatVersion, String name, String pool, String manifest, long sizeBytes,
                          String source, String created) {
    public static final int FORMAT = 1;

    public ImageRecord {
        new ImageName(name);
        new PoolId(pool);
        ManifestKeys.checkPoolRelative(manifest);
        if (source != null) FromRef.parse(source);
    }

    public PoolId poolId() { return new PoolId(pool); }
}
