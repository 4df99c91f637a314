package dev.strata.volume;

import java.util.List;

/**
 * {@code index/groups/{id}.json}: a volume group snapshot — its members, one snapshot
 * {@code volume@seq} per source volume, all cut at one crash-consistent point.
 *
 * @param formatVersion record format (1)
 * @param id            the group id ({@link GroupSnapshotId})
 * @param csiName       the CSI name it was created under
 * @param volumes       the source volumes, in the order asked
 * @param snapshots     the member snapshot ids, in the same order
 * @param created       creation instant, ISO-8601
 */
public record GroupSnapshotRecord(int formatVersion, String id, String csiName, List<String> volumes, List<String> snapshots,
                                  String created) {
    public static final int FORMAT = 1;

    public GroupSnapshotRecord {
        new GroupSnapshotId(id);
        volumes = List.copyOf(volumes);
        snapshots = List.copyOf(snapshots);
        if (volumes.isEmpty() || volumes.size() != snapshots.size())
            throw new VolumeException.Corrupt("group snapshot " + id + " has " + volumes.size() + " volumes and "
                    + snapshots.size() + " snapshots", null);
        for (String s : snapshots) SnapshotId.parse(s);
    }

    public GroupSnapshotId groupId() {
        return new GroupSnapshotId(id);
    }
}
