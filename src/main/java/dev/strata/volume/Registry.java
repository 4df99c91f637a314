package dev.strata.volume;

import dev.strata.store.ObjectInfo;
import dev.strata.store.ObjectKey;
import dev.strata.store.ObjectStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logical model over the bucket (DESIGN §3): volumes by stable name, O(1) forks from an
 * image, a volume or a snapshot, snapshots with stable ids, images, and ownership epochs.
 * Every method is idempotent in the sense its doc states and safe to call from any node;
 * the bucket is the only state. Races between writers are settled by conditional creates.
 */
public final class Registry {
    private static final Logger log = LoggerFactory.getLogger(Registry.class);

    private final Bucket bucket;
    private final Clock clock;
    private final VolumeRecords volumes;
    private final Sources sources;
    private final Snapshots snapshots;
    private final Images images;
    private final Ownership ownership;
    private final GroupSnapshots groups;

    public Registry(ObjectStore store, Clock clock) {
        this(store, clock, Ownership.DEFAULT_LEASE);
    }

    /** With the ownership lease holders confirm their epoch within (DESIGN §5, docs/architecture.md). */
    public Registry(ObjectStore store, Clock clock, java.time.Duration lease) {
        this(store, Timing.of(clock), lease);
    }

    /** With the engine's clock and sleeper (tests drive them) and the ownership lease. */
    public Registry(ObjectStore store, Timing timing, java.time.Duration lease) {
        this.bucket = new Bucket(store);
        this.clock = timing.clock();
        // each service gets what it needs, built in order: none holds a reference back to the registry
        this.volumes = new VolumeRecords(bucket);
        this.snapshots = new Snapshots(bucket, volumes, clock);
        this.sources = new Sources(bucket, volumes, snapshots);
        this.images = new Images(bucket, sources, clock);
        this.ownership = new Ownership(bucket, volumes, timing, lease);
        this.groups = new GroupSnapshots(bucket, volumes, snapshots, clock);
    }

    public ObjectStore store() {
        return bucket.store();
    }

    // ---- volumes ----------------------------------------------------------------------

    /**
     * Creates a blank volume or a fork. Idempotent: the same name with compatible size,
     * source and parameters returns the existing volume; incompatible → AlreadyExists.
     * A missing source → NotFound; a size below the source's → OutOfRange.
     */
    public VolumeRecord create(CreateSpec spec) {
        return create(spec, null);
    }

    /**
     * As {@link #create(CreateSpec)}; for a {@code volume:} source, {@code cutKey} (when not
     * null) is the pool-relative manifest its holder cut for this fork.
     */
    public VolumeRecord create(CreateSpec spec, String cutKey) {
        Optional<VolumeRecord> existing = find(spec.name());
        if (existing.isPresent()) return checkCompatible(existing.get(), spec);
        String uid = PoolId.randomHex();
        VolumeRecord record;
        if (spec.from() instanceof FromRef.Blank) {
            long size = blankSize(spec);
            PoolId pool = PoolId.random();
            Manifest first = Manifest.blank(size);
            writeFirstGeneration(pool, spec.name(), uid, first);
            record = newRecord(spec, uid, size, first.blockSize(), pool, null);
        } else {
            ResolvedSource source = cutKey == null ? resolveSource(spec.from()) : resolveCut(spec.from(), cutKey);
            long size = forkSize(spec, source.sizeBytes(), source.manifest().blockSize());
            Manifest first = Manifest.over(source.manifest(), source.manifestKey(), size, 1);
            writeFirstGeneration(source.pool(), spec.name(), uid, first);
            record = newRecord(spec, uid, size, first.blockSize(), source.pool(), source.manifestKey());
        }
        if (!bucket.createJson(Layout.volumeRecord(spec.name()), record)) {
            // Lost a race with a concurrent create of the same name: theirs stands.
            return checkCompatible(resolve(spec.name()), spec);
        }
        log.atInfo().setMessage("volume created").addKeyValue("volume", record.name())
                .addKeyValue("source", record.source() == null ? "blank" : record.source()).addKeyValue("sizeBytes", record.sizeBytes())
                .addKeyValue("pool", record.pool()).log();
        return record;
    }

    private VolumeRecord newRecord(CreateSpec spec, String uid, long size, int blockSize, PoolId pool, String sourceKey) {
        // Sequence and epoch hints start low: allocation skips past any left by a former
        // volume of the same name when it first collides, so creation costs no LIST.
        return new VolumeRecord(VolumeRecord.FORMAT, spec.name().value(), spec.csiName(), uid, size, size, blockSize,
                pool.value(), spec.from().canonical(), sourceKey, spec.parameters(), null, 0, 1, 1,
                clock.instant().toString());
    }

    private void writeFirstGeneration(PoolId pool, VolumeName name, String uid, Manifest first) {
        ObjectKey key = Layout.inPool(pool, Layout.generation(name, uid, 1));
        if (!bucket.create(key, ManifestCodec.encode(first)))
            throw new VolumeException.Unavailable("manifest " + key + " already exists for a new volume", null);
    }

    private static long blankSize(CreateSpec spec) {
        int blockSize = Manifest.DEFAULT_BLOCK_SIZE;
        long size = spec.sizeBytes() == 0 ? Sizes.DEFAULT_SIZE : Sizes.roundUp(spec.sizeBytes(), blockSize);
        if (spec.sizeBytes() == 0 && spec.limitBytes() > 0 && size > spec.limitBytes())
            size = spec.limitBytes() / blockSize * blockSize;
        if (size == 0) throw new VolumeException.OutOfRange("limit_bytes " + spec.limitBytes() + " is below one block of " + blockSize);
        if (spec.limitBytes() > 0 && size > spec.limitBytes())
            throw new VolumeException.OutOfRange("size " + size + " rounded to whole blocks exceeds limit_bytes " + spec.limitBytes());
        return size;
    }

    private static long forkSize(CreateSpec spec, long sourceSize, int blockSize) {
        if (spec.sizeBytes() > 0 && spec.sizeBytes() < sourceSize)
            throw new VolumeException.OutOfRange("required_bytes " + spec.sizeBytes() + " is smaller than the source's "
                    + sourceSize + " bytes of " + spec.from().canonical());
        long size = Math.max(Sizes.roundUp(spec.sizeBytes(), blockSize), sourceSize);
        if (spec.limitBytes() > 0 && size > spec.limitBytes())
            throw new VolumeException.OutOfRange("the source " + spec.from().canonical() + " needs " + size
                    + " bytes, more than limit_bytes " + spec.limitBytes());
        return size;
    }

    private VolumeRecord checkCompatible(VolumeRecord existing, CreateSpec spec) {
        String why = null;
        if (!Objects.equals(existing.source(), spec.from().canonical()))
            why = "it was created from " + (existing.source() == null ? "nothing (blank)" : existing.source());
        else if (spec.csiName() != null && existing.csiName() != null && !existing.csiName().equals(spec.csiName()))
            why = "it was created under another CSI name";
        else if (!VolumeParameters.immutable(existing.parameters()).equals(VolumeParameters.immutable(spec.parameters())))
            why = "it was created with other parameters " + existing.parameters();
        else if (existing.sizeBytes() < spec.sizeBytes()
                || (spec.limitBytes() > 0 && existing.sizeBytes() > spec.limitBytes()))
            why = "its size is " + existing.sizeBytes() + " bytes";
        if (why != null)
            throw new VolumeException.AlreadyExists("volume " + existing.name() + " already exists and is incompatible: " + why);
        return existing;
    }

    /** The volume's record. NotFound if there is none. */
    public VolumeRecord resolve(VolumeName name) {
        return volumes.resolve(name);
    }

    public Optional<VolumeRecord> find(VolumeName name) {
        return volumes.find(name);
    }

    Optional<Bucket.Versioned<VolumeRecord>> findVersioned(VolumeName name) {
        return volumes.findVersioned(name);
    }

    /**
     * Deletes the volume's record: idempotent (an absent volume is fine). A volume a node
     * holds → FailedPrecondition. The deletion takes an ownership epoch first, so it and a
     * concurrent publish cannot both succeed. Manifests and packs are left to GC, since
     * snapshots and forks may still show them through.
     */
    public void delete(VolumeName name) {
        ownership.delete(name);
    }

    /** Grows the volume to at least {@code newSize} bytes (rounded up to blocks); never shrinks. */
    public VolumeRecord expand(VolumeName name, long newSize) {
        for (int attempt = 0; attempt < 8; attempt++) {
            Bucket.Versioned<VolumeRecord> current = findVersioned(name)
                    .orElseThrow(() -> new VolumeException.NotFound("volume " + name + " does not exist"));
            long size = Sizes.roundUp(newSize, current.value().blockSize());
            if (size <= current.value().sizeBytes()) return current.value();
            VolumeRecord grown = current.value().withSize(size);
            if (bucket.replaceJson(Layout.volumeRecord(name), grown, current.etag())) {
                log.atInfo().setMessage("volume expanded").addKeyValue("volume", name.value())
                        .addKeyValue("sizeBytes", size).log();
                return grown;
            }
        }
        throw new VolumeException.Aborted("volume " + name + " changed concurrently; retry the expansion");
    }

    /**
     * Applies mutable parameters (ControllerModifyVolume) to the record; idempotent. A key that
     * may not change or a bad value → InvalidArgument with nothing modified; NotFound if absent.
     * The holder applies the change when told ({@link LiveRetune}) and at every attach.
     */
    public VolumeRecord modify(VolumeName name, java.util.Map<String, String> mutable) {
        for (int attempt = 0; attempt < 8; attempt++) {
            Bucket.Versioned<VolumeRecord> current = findVersioned(name)
                    .orElseThrow(() -> new VolumeException.NotFound("volume " + name + " does not exist"));
            java.util.Map<String, String> next = VolumeParameters.modified(current.value().parameters(), mutable);
            if (next.equals(current.value().parameters())) return current.value();
            VolumeRecord modified = current.value().withParameters(next);
            if (bucket.replaceJson(Layout.volumeRecord(name), modified, current.etag())) {
                log.atInfo().setMessage("volume modified").addKeyValue("volume", name.value())
                        .addKeyValue("parameters", next).log();
                return modified;
            }
        }
        throw new VolumeException.Aborted("volume " + name + " changed concurrently; retry the modification");
    }

    /** One page of volumes in natural name order ({@link NaturalOrder}), after {@code startAfter} (null: from the first). */
    public Page<VolumeRecord> list(VolumeName startAfter, int max) {
        return NaturalOrder.page(bucket, Layout.VOLUMES, Layout::volumeOfRecord, NaturalOrder.VOLUMES, startAfter, max,
                this::find, VolumeName::value);
    }

    // ---- sources and manifests --------------------------------------------------------

    /** The physical source a FromRef names. A missing image/volume/snapshot → NotFound. */
    public ResolvedSource resolveSource(FromRef ref) {
        return sources.resolveSource(ref);
    }

    ResolvedSource resolveCut(FromRef ref, String cutKey) {
        return sources.resolveCut(ref, cutKey);
    }

    /** A committed manifest generation of a volume. */
    public record Generation(long number, String key, Manifest manifest) {}

    /** Where a committed manifest generation is (pool-relative key). */
    public record GenerationRef(long number, String key) {}

    /** The newest committed manifest generation of the volume, read in full. */
    public Generation newestGeneration(VolumeRecord v) {
        return volumes.newestGeneration(v);
    }

    /** Which generation of the volume is the newest: one small LIST. */
    public GenerationRef newestGenerationRef(VolumeRecord v) {
        return volumes.newestGenerationRef(v);
    }

    /**
     * The chain of manifests a volume's reads go through: {@code top} first, then its base,
     * and so on. A cycle or a chain deeper than 4096 is Corrupt.
     */
    public List<Manifest> chain(PoolId pool, Manifest top) {
        List<Manifest> chain = new ArrayList<>();
        chain.add(top);
        Manifest m = top;
        while (m.base() != null) {
            if (chain.size() > 4096) throw new VolumeException.Corrupt("manifest chain deeper than 4096 in pool " + pool, null);
            m = bucket.readManifest(Layout.inPool(pool, m.base()));
            chain.add(m);
        }
        return chain;
    }

    // ---- nodes ------------------------------------------------------------------------

    /** Records that a node plugin runs on {@code node} (its agent at {@code agent}); idempotent. */
    public NodeRecord registerNode(NodeId node, String agent, long maxVolumes) {
        NodeRecord record = new NodeRecord(NodeRecord.FORMAT, node.value(), agent, maxVolumes, clock.instant().toString());
        bucket.put(Layout.node(node), Json.write(record));
        return record;
    }

    public Optional<NodeRecord> findNode(NodeId node) {
        return bucket.readJson(Layout.node(node), NodeRecord.class).map(Bucket.Versioned::value);
    }

    // ---- snapshots, images, ownership (delegated) --------------------------------------

    public Snapshots snapshots() {
        return snapshots;
    }

    public Images images() {
        return images;
    }

    public Ownership ownership() {
        return ownership;
    }

    public GroupSnapshots groups() {
        return groups;
    }

    Bucket bucket() {
        return bucket;
    }
}
