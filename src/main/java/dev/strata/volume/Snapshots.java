package dev.strata.volume;

import dev.strata.store.ObjectKey;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots: {@code volume@seq}, with {@code seq} allocated durably by a conditional create
 * under {@code seqs/{volume}/} and never reused for that name, and the index entry written
 * before a snapshot is returned.
 */
public final class Snapshots {
    private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
    private static final int MAX_ALLOCATION_ATTEMPTS = 64;

    private final Bucket bucket;
    private final VolumeRecords volumes;
    private final Clock clock;

    Snapshots(Bucket bucket, VolumeRecords volumes, Clock clock) {
        this.bucket = bucket;
        this.volumes = volumes;
        this.clock = clock;
    }

    /** Where the cut of a snapshot comes from: a volume's committed manifest, or a node's cut. */
    public interface Cut {
        /** The pool-relative key of an immutable manifest holding the volume's point in time. */
        String manifestKey();
    }

    /**
     * Snapshots a volume that no node holds, from its newest committed manifest.
     * Idempotent on {@code csiName}: the same name for the same volume returns the same
     * snapshot; for another volume → AlreadyExists. A missing volume → NotFound.
     */
    public SnapshotRecord create(VolumeName volume, String csiName) {
        return create(volume, csiName, null);
    }

    /**
     * As {@link #create(VolumeName, String)}, but the point in time is {@code cutKey} (a
     * pool-relative immutable manifest a node committed for this snapshot) when not null.
     */
    public SnapshotRecord create(VolumeName volume, String csiName, String cutKey) {
        if (csiName != null) {
            Optional<SnapshotNameRecord> named = findName(csiName);
            if (named.isPresent()) return complete(checkSameVolume(named.get(), volume), csiName, cutKey);
        }
        VolumeRecord record = volumes.resolve(volume);
        long seq = allocate(volume, Math.max(1, record.nextSnapshotSeq()));
        SnapshotId id = new SnapshotId(volume, seq);
        if (csiName != null) {
            SnapshotNameRecord claim = new SnapshotNameRecord(1, csiName, volume.value(), seq);
            if (!bucket.createJson(Layout.snapshotName(csiName), claim)) {
                SnapshotNameRecord theirs = findName(csiName).orElseThrow(
                        () -> new VolumeException.Aborted("snapshot name " + csiName + " is being created concurrently"));
                id = checkSameVolume(theirs, volume);
            }
        }
        return complete(id, csiName, cutKey);
    }

    private SnapshotId checkSameVolume(SnapshotNameRecord named, VolumeName volume) {
        if (!named.volume().equals(volume.value()))
            throw new VolumeException.AlreadyExists("snapshot name " + named.csiName() + " is already used for volume "
                    + named.volume() + ", not " + volume);
        return named.snapshotId();
    }

    /** Writes what is missing of snapshot {@code id}: its manifest, then its index entry. */
    private SnapshotRecord complete(SnapshotId id, String csiName, String cutKey) {
        Optional<SnapshotRecord> done = find(id);
        if (done.isPresent()) return done.get();
        VolumeRecord record = volumes.resolve(id.volume());
        String sourceKey = cutKey != null ? ManifestKeys.checkPoolRelative(cutKey) : volumes.newestGenerationRef(record).key();
        ManifestHeader source = bucket.readManifestHeader(Layout.inPool(record.poolId(), sourceKey));
        String manifestKey = Layout.snapshotManifest(id.volume(), id.seq());
        Manifest snapshot = Manifest.over(source, sourceKey, Math.max(record.sizeBytes(), source.sizeBytes()), 0);
        bucket.create(Layout.inPool(record.poolId(), manifestKey), ManifestCodec.encode(snapshot));
        SnapshotRecord entry = new SnapshotRecord(SnapshotRecord.FORMAT, id.toString(), id.volume().value(), id.seq(),
                record.pool(), manifestKey, snapshot.sizeBytes(), csiName, record.uid(), clock.instant().toString());
        if (!bucket.createJson(Layout.snapshotIndex(id), entry)) return resolve(id);
        bumpHint(id);
        log.atInfo().setMessage("snapshot created").addKeyValue("snapshot", id.toString())
                .addKeyValue("csiName", csiName == null ? "-" : csiName).addKeyValue("base", sourceKey).log();
        return entry;
    }

    private void bumpHint(SnapshotId id) {
        volumes.findVersioned(id.volume()).ifPresent(v -> {
            if (v.value().nextSnapshotSeq() <= id.seq())
                bucket.replaceJson(Layout.volumeRecord(id.volume()), v.value().withHints(id.seq() + 1, 0), v.etag());
        });
    }

    /** Allocates the first free sequence at or after {@code from}: exactly one caller gets each. */
    long allocate(VolumeName volume, long from) {
        long seq = from;
        for (int attempt = 0; attempt < MAX_ALLOCATION_ATTEMPTS; attempt++) {
            if (bucket.create(Layout.seq(volume, seq), new byte[0])) return seq;
            seq = Math.max(seq + 1, firstFreeSeq(volume, seq));
        }
        throw new VolumeException.Aborted("could not allocate a snapshot sequence for " + volume + "; retry");
    }

    /** One past the newest sequence ever allocated for this name (1 if none). */
    long firstFreeSeq(VolumeName volume) {
        return firstFreeSeq(volume, 0);
    }

    private long firstFreeSeq(VolumeName volume, long atLeast) {
        String after = atLeast > 1 ? Layout.seq(volume, atLeast - 1).value() : null;
        return bucket.lastNumbered(Layout.seqs(volume), after)
                .map(o -> Bucket.number(o) + 1)
                .orElse(Math.max(1, atLeast));
    }

    /** The snapshot's index entry. NotFound if there is none. */
    public SnapshotRecord resolve(SnapshotId id) {
        return find(id).orElseThrow(() -> new VolumeException.NotFound("snapshot " + id + " does not exist"));
    }

    public Optional<SnapshotRecord> find(SnapshotId id) {
        return bucket.readJson(Layout.snapshotIndex(id), SnapshotRecord.class).map(Bucket.Versioned::value);
    }

    Optional<SnapshotNameRecord> findName(String csiName) {
        return bucket.readJson(Layout.snapshotName(csiName), SnapshotNameRecord.class).map(Bucket.Versioned::value)
                .filter(n -> n.csiName().equals(csiName));
    }

    /** Deletes the snapshot's index entries; idempotent. Its manifest is left to GC. */
    public void delete(SnapshotId id) {
        Optional<SnapshotRecord> record = find(id);
        if (record.isEmpty()) return;
        GroupSnapshots.groupOf(bucket, record.get()).ifPresent(g -> {
            throw new VolumeException.InvalidArgument("snapshot " + id + " belongs to volume group snapshot " + g.id()
                    + "; delete the group snapshot instead");
        });
        deleteEntries(id, record.get());
    }

    /** Deletes the snapshot claimed under {@code csiName}, if any (a member left by an interrupted group create). */
    void deleteClaimed(String csiName) {
        findName(csiName).ifPresent(n -> {
            SnapshotId id = n.snapshotId();
            find(id).ifPresentOrElse(r -> deleteEntries(id, r), () -> bucket.delete(Layout.snapshotName(csiName)));
        });
    }

    /** Deletes a snapshot's index entries, group member or not (the group's own delete). */
    void deleteEntries(SnapshotId id, SnapshotRecord snapshot) {
        if (snapshot.csiName() != null) bucket.delete(Layout.snapshotName(snapshot.csiName()));
        bucket.delete(Layout.snapshotIndex(id));
        log.atInfo().setMessage("snapshot deleted").addKeyValue("snapshot", id.toString()).log();
    }

    /**
     * One page of snapshots in natural order (volume name, then sequence: {@code v@2} before
     * {@code v@10}), optionally only those of {@code volume}, starting after {@code startAfter}
     * (null: from the first).
     */
    public Page<SnapshotRecord> list(VolumeName volume, SnapshotId startAfter, int max) {
        ObjectKey prefix = volume == null ? Layout.SNAPSHOT_INDEX
                : new ObjectKey(Layout.SNAPSHOT_INDEX.value() + volume.value() + "@");
        return NaturalOrder.page(bucket, prefix, Layout::snapshotOfIndex, NaturalOrder.SNAPSHOTS, startAfter, max,
                this::find, SnapshotId::toString);
    }
}
