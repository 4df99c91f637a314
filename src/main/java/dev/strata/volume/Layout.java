package dev.strata.volume;

import dev.strata.store.ObjectKey;

/**
 * Strata's bucket layout (DESIGN §4). The only place that turns names into keys; every name
 * arrives here already validated by its record type.
 * <pre>
 *   volumes/{name}/volume.json                   volume record
 *   owners/{name}/{epoch:020}                    ownership epochs (conditional create)
 *   seqs/{name}/{seq:020}                        snapshot sequence allocations (never deleted)
 *   pools/{pool}/manifests/{name}/{uid}/{gen:020} live manifest generations (conditional create)
 *   pools/{pool}/snapshots/{name}/{seq:020}      snapshot manifests (conditional create)
 *   pools/{pool}/images/{image}/{uid}            image manifests (conditional create)
 *   pools/{pool}/packs/{chunk:08}/{packId}       packs
 *   index/snapshots/{name}@{seq}.json            snapshot index
 *   index/snapshot-names/{hash}.json             CSI snapshot name → snapshot id
 *   index/images/{image}.json                    image index
 *   nodes/{node}.json                            registered node plugins
 * </pre>
 */
public final class Layout {
    private Layout() {}

    public static final ObjectKey VOLUMES = new ObjectKey("volumes/");
    public static final ObjectKey SNAPSHOT_INDEX = new ObjectKey("index/snapshots/");
    public static final ObjectKey IMAGE_INDEX = new ObjectKey("index/images/");
    public static final ObjectKey POOLS = new ObjectKey("pools/");
    static final String VOLUME_RECORD = "volume.json";

    public static ObjectKey volumeRecord(VolumeName v) {
        return ObjectKey.of("volumes", v.value(), VOLUME_RECORD);
    }

    static ObjectKey owners(VolumeName v) {
        return ObjectKey.of("owners", v.value()).asPrefix();
    }

    static ObjectKey owner(VolumeName v, long epoch) {
        return ObjectKey.of("owners", v.value(), pad(epoch));
    }

    static ObjectKey seqs(VolumeName v) {
        return ObjectKey.of("seqs", v.value()).asPrefix();
    }

    static ObjectKey seq(VolumeName v, long seq) {
        return ObjectKey.of("seqs", v.value(), pad(seq));
    }

    /** Pool-relative key of a live manifest generation. */
    public static String generation(VolumeName v, String uid, long gen) {
        return "manifests/" + v.value() + "/" + uid + "/" + pad(gen);
    }

    static String generations(VolumeName v, String uid) {
        return "manifests/" + v.value() + "/" + uid + "/";
    }

    static String snapshotManifest(VolumeName v, long seq) {
        return "snapshots/" + v.value() + "/" + pad(seq);
    }

    static String imageManifest(ImageName image, String uid) {
        return "images/" + image.value() + "/" + uid;
    }

    /** A pool-relative key (checked) as an object key. */
    public static ObjectKey inPool(PoolId pool, String poolRelative) {
        return new ObjectKey("pools/" + pool.value() + "/" + ManifestKeys.checkPoolRelative(poolRelative));
    }

    static ObjectKey inPoolPrefix(PoolId pool, String poolRelativePrefix) {
        return new ObjectKey("pools/" + pool.value() + "/" + poolRelativePrefix);
    }

    public static ObjectKey pool(PoolId pool) {
        return ObjectKey.of("pools", pool.value()).asPrefix();
    }

    public static ObjectKey pack(PoolId pool, int chunk, PackId id) {
        return ObjectKey.of("pools", pool.value(), "packs", String.format("%08d", chunk), id.hex());
    }

    public static ObjectKey packs(PoolId pool) {
        return ObjectKey.of("pools", pool.value(), "packs").asPrefix();
    }

    public static ObjectKey snapshotIndex(SnapshotId id) {
        return ObjectKey.of("index", "snapshots", id + ".json");
    }

    /** A volume group snapshot's record. */
    static ObjectKey groupSnapshot(GroupSnapshotId id) {
        return ObjectKey.of("index", "groups", id.value() + ".json");
    }

    static ObjectKey snapshotName(String csiName) {
        return ObjectKey.of("index", "snapshot-names", Names.sha256Hex(csiName) + ".json");
    }

    public static ObjectKey imageIndex(ImageName image) {
        return ObjectKey.of("index", "images", image.value() + ".json");
    }

    static ObjectKey node(NodeId node) {
        return ObjectKey.of("nodes", node.value() + ".json");
    }

    static String pad(long n) {
        return String.format("%020d", n);
    }

    /** The volume whose record {@code key} is; empty for any other key. */
    static java.util.Optional<VolumeName> volumeOfRecord(String key) {
        String suffix = "/" + VOLUME_RECORD;
        if (!key.startsWith(VOLUMES.value()) || !key.endsWith(suffix)) return java.util.Optional.empty();
        return parsed(() -> new VolumeName(key.substring(VOLUMES.value().length(), key.length() - suffix.length())));
    }

    /** The snapshot whose index entry {@code key} is; empty for any other key. */
    static java.util.Optional<SnapshotId> snapshotOfIndex(String key) {
        if (!key.startsWith(SNAPSHOT_INDEX.value()) || !key.endsWith(".json")) return java.util.Optional.empty();
        return parsed(() -> SnapshotId.parse(key.substring(SNAPSHOT_INDEX.value().length(), key.length() - 5)));
    }

    /** The image whose index entry {@code key} is; empty for any other key. */
    static java.util.Optional<ImageName> imageOfIndex(String key) {
        if (!key.startsWith(IMAGE_INDEX.value()) || !key.endsWith(".json")) return java.util.Optional.empty();
        return parsed(() -> new ImageName(key.substring(IMAGE_INDEX.value().length(), key.length() - 5)));
    }

    private static <T> java.util.Optional<T> parsed(java.util.function.Supplier<T> parse) {
        try {
            return java.util.Optional.of(parse.get());
        } catch (VolumeException.InvalidArgument e) {
            return java.util.Optional.empty();   // not a key Strata wrote: not listed
        }
    }
}
