package dev.strata.volume;

import java.time.Duration;

/**
 * One attached volume's side of a volume group snapshot ({@link GroupCut}'s phases):
 * background uploads out of the way, writes latched, the point taken and writes let go, or
 * everything released. Owns no state of its own: the volume's {@link WriteGate} and its
 * {@link Uploader} do.
 */
public final class GroupLatch {
    private final VolumeName name;
    private final WriteGate gate;
    private final Uploader uploader;

    GroupLatch(VolumeName name, WriteGate gate, Uploader uploader) {
        this.name = name;
        this.gate = gate;
        this.uploader = uploader;
    }

    /**
     * Phase 0 (writes still flow): no background upload starts for up to {@code max}, and one
     * in progress is waited for — so the latch is never held behind one.
     */
    public void prepare(GroupSnapshotId group, Duration max) {
        uploader.pauseFor(max);
    }

    /**
     * Phase 1: stops acknowledging writes and FLUSHes (they wait) for {@code group}, once
     * writes in progress have finished, until {@link #cut} or {@link #release}, or {@code max}
     * passes. Latched for another group → Aborted.
     */
    public void latch(GroupSnapshotId group, Duration max) {
        uploader.pauseFor(max);
        gate.close(group, max.toMillis(), max.toMillis() / 2);
    }

    /**
     * Phase 2: takes the point in time with writes still held off, lets them go, then commits
     * that point; the manifest's pool-relative key. Aborted if the latch lapsed (the writes it
     * held may then be anywhere relative to the other members' points).
     */
    public String cut(GroupSnapshotId group) {
        try {
            if (!gate.heldBy(group))
                throw new VolumeException.Aborted("the latch of volume " + name + " for group snapshot " + group
                        + " lapsed or was never taken; retry the group snapshot");
            return uploader.cycle(() -> gate.open(group)).key();
        } finally {
            gate.open(group);
            uploader.resume();
        }
    }

    /** Lets writes and uploads go without a cut (the group snapshot failed elsewhere); idempotent. */
    public void release(GroupSnapshotId group) {
        gate.open(group);
        uploader.resume();
    }

    /** Nanoseconds the last latch held writes off (closed → opened). */
    public long lastHeldNanos() {
        return gate.lastHeldNanos;
    }
}
