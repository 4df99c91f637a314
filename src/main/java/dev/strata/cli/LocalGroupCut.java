package dev.strata.cli;

import dev.strata.node.NodeVolumes;
import dev.strata.volume.GroupCut;
import dev.strata.volume.GroupSnapshotId;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import java.time.Duration;

/** A group snapshot member held by this very process (`strata serve`): latched and cut in-process. */
final class LocalGroupCut implements GroupCut.Holder {
    private final NodeVolumes volumes;

    /** @param volumes this process's node volumes, or null when it runs no node service (nothing held here) */
    LocalGroupCut(NodeVolumes volumes) {
        this.volumes = volumes;
    }

    private NodeVolumes volumes(VolumeName volume) {
        if (volumes == null) throw new VolumeException.NotFound("volume " + volume + " is not attached in this process");
        return volumes;
    }

    @Override
    public void prepare(VolumeName volume, GroupSnapshotId group, Duration max) {
        volumes(volume).attached(volume).groupLatch().prepare(group, max);
    }

    @Override
    public void latch(VolumeName volume, GroupSnapshotId group, Duration max) {
        volumes(volume).attached(volume).groupLatch().latch(group, max);
    }

    @Override
    public String cut(VolumeName volume, GroupSnapshotId group) {
        return volumes(volume).attached(volume).groupLatch().cut(group);
    }

    @Override
    public void release(VolumeName volume, GroupSnapshotId group) {
        if (volumes != null && volumes.holds(volume)) volumes.attached(volume).groupLatch().release(group);
    }
}
