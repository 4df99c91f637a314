package dev.strata.volume;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Volume group snapshots: one crash-consistent point across several volumes, recorded as one
 * member snapshot {@code volume@seq} per volume plus {@code index/groups/{id}.json}. The id
 * follows from the CSI name, so a retried create finds its own members (each claimed under
 * the CSI name {@code {group}/{volume}}) and writes nothing twice. A member cannot be deleted
 * alone while its group exists.
 */
public final class GroupSnapshots {
    private static final Logger log = LoggerFactory.getLogger(GroupSnapshots.class);

    private final Bucket bucket;
    private final VolumeRecords records;
    private final Snapshots snapshots;
    private final Clock clock;

    GroupSnapshots(Bucket bucket, VolumeRecords volumes, Snapshots snapshots, Clock clock) {
        this.bucket = bucket;
        this.records = volumes;
        this.snapshots = snapshots;
        this.clock = clock;
    }

    /**
     * Creates the group snapshot {@code csiName} of {@code volumes}, cut by {@code cut}.
     * Idempotent on the name: the same volumes return the same group; other volumes →
     * AlreadyExists. No volume, a repeated one → InvalidArgument; a missing one → NotFound.
     */
    public GroupSnapshotRecord create(String csiName, List<VolumeName> volumes, LiveGroupCut cut) {
        GroupSnapshotId id = GroupSnapshotId.forCsiName(csiName);
        if (volumes.isEmpty()) throw new VolumeException.InvalidArgument("a group snapshot needs at least one source volume");
        if (new HashSet<>(volumes).size() != volumes.size())
            throw new VolumeException.InvalidArgument("source_volume_ids name a volume twice");
        Optional<GroupSnapshotRecord> existing = find(id);
        if (existing.isPresent()) return checkSameVolumes(existing.get(), volumes);
        List<VolumeRecord> members = new ArrayList<>();
        for (VolumeName v : volumes) members.add(records.resolve(v));
        // members an interrupted attempt left behind belong to another point in time: never mix them in
        for (VolumeName v : volumes) this.snapshots.deleteClaimed(id.memberName(v));
        Map<VolumeName, String> keys = cut.cut(members, id);
        List<String> snapshots = new ArrayList<>();
        for (VolumeName v : volumes)
            snapshots.add(this.snapshots.create(v, id.memberName(v), keys.get(v)).id());
        GroupSnapshotRecord record = new GroupSnapshotRecord(GroupSnapshotRecord.FORMAT, id.value(), csiName,
                volumes.stream().map(VolumeName::value).toList(), snapshots, clock.instant().toString());
        if (!bucket.createJson(Layout.groupSnapshot(id), record)) return checkSameVolumes(resolve(id), volumes);
        log.atInfo().setMessage("group snapshot created").addKeyValue("group", id.value()).addKeyValue("csiName", csiName)
                .addKeyValue("snapshots", snapshots).log();
        return record;
    }

    private static GroupSnapshotRecord checkSameVolumes(GroupSnapshotRecord existing, List<VolumeName> volumes) {
        if (!new HashSet<>(existing.volumes()).equals(new HashSet<>(volumes.stream().map(VolumeName::value).toList())))
            throw new VolumeException.AlreadyExists("group snapshot " + existing.csiName() + " already exists with volumes "
                    + existing.volumes());
        return existing;
    }

    /** The group's record. NotFound if there is none. */
    public GroupSnapshotRecord resolve(GroupSnapshotId id) {
        return find(id).orElseThrow(() -> new VolumeException.NotFound("group snapshot " + id + " does not exist"));
    }

    public Optional<GroupSnapshotRecord> find(GroupSnapshotId id) {
        return find(bucket, id);
    }

    private static Optional<GroupSnapshotRecord> find(Bucket bucket, GroupSnapshotId id) {
        return bucket.readJson(Layout.groupSnapshot(id), GroupSnapshotRecord.class).map(Bucket.Versioned::value);
    }

    /** The group a snapshot is a member of, if that group still exists. */
    public Optional<GroupSnapshotRecord> groupOf(SnapshotRecord snapshot) {
        return groupOf(bucket, snapshot);
    }

    static Optional<GroupSnapshotRecord> groupOf(Bucket bucket, SnapshotRecord snapshot) {
        GroupSnapshotId id = GroupSnapshotId.ofMemberName(snapshot.csiName());
        if (id == null) return Optional.empty();
        return find(bucket, id).filter(g -> g.snapshots().contains(snapshot.id()));
    }

    /**
     * Deletes the group and its member snapshots; idempotent (an absent group is fine). The
     * members first, the record last, so a retry after a failure finishes the job.
     */
    public void delete(GroupSnapshotId id) {
        Optional<GroupSnapshotRecord> record = find(id);
        if (record.isEmpty()) return;
        for (String s : record.get().snapshots()) {
            SnapshotId member = SnapshotId.parse(s);
            snapshots.find(member).ifPresent(r -> snapshots.deleteEntries(member, r));
        }
        bucket.delete(Layout.groupSnapshot(id));
        log.atInfo().setMessage("group snapshot deleted").addKeyValue("group", id.value()).log();
    }
}
