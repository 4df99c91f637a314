package dev.strata.volume;

/** {@code index/snapshot-names/{hash}.json}: which snapshot a CSI snapshot name refers to. */
record SnapshotNameRecord(int formatVersion, String csiName, String volume, long seq) {
    SnapshotNameRecord {
        new VolumeName(volume);
        if (csiName == null || seq < 1) throw new VolumeException.InvalidArgument("snapshot name record is incomplete");
    }

    SnapshotId snapshotId() { return new SnapshotId(new VolumeName(volume), seq); }
}
