package dev.strata.volume;

import java.util.List;
import java.util.Map;

/**
 * Cuts several volumes at one crash-consistent point in time (a volume group snapshot):
 * every holder stops acknowledging writes (the latch) before any volume's point is taken,
 * and each lets its writes go once its own point is taken — so no write acknowledged after
 * the group's point, on any member, is in any member's cut.
 */
public interface LiveGroupCut {
    /**
     * The pool-relative manifest key holding each member's contents at the group's point.
     * Members no node holds map to their newest committed manifest. A holder that cannot be
     * reached → Unavailable, a latch that lapsed → Aborted; then no member stays latched.
     */
    Map<VolumeName, String> cut(List<VolumeRecord> members, GroupSnapshotId group);
}
