package dev.strata.volume;

import java.time.Clock;

/**
 * The group-snapshot latch of one attached volume: while closed, writes, zeroing and FLUSHes
 * wait at the door (none is acknowledged), and closing waits until those already inside have
 * finished. Only the group that closed it opens it, and it opens by itself at its deadline so
 * a controller that died mid-snapshot cannot stall the volume.
 */
final class WriteGate {
    private final Clock clock;
    private int inside;
    private GroupSnapshotId holder;
    private long deadlineMillis;
    private long closedAtNanos;
    /** How long the gate was last closed, close to open (metrics, benchmarks). */
    volatile long lastHeldNanos;

    WriteGate(Clock clock) {
        this.clock = clock;
    }

    /** A write or FLUSH comes in: waits while the gate is closed (until its deadline). */
    synchronized void enter() {
        while (holder != null) {
            long left = deadlineMillis - clock.millis();
            if (left <= 0) {
                lapse();
                break;
            }
            await(Math.min(left, 50));
        }
        inside++;
    }

    synchronized void exit() {
        if (--inside == 0) notifyAll();
    }

    /**
     * Closes the gate for {@code group} until {@code maxMillis} from now, then waits until no
     * write is inside (at most {@code drainMillis}; else the gate opens again → Unavailable).
     * Closed by another group → Aborted.
     */
    synchronized void close(GroupSnapshotId group, long maxMillis, long drainMillis) {
        checkFree(group);
        if (holder == null) closedAtNanos = System.nanoTime();
        holder = group;
        deadlineMillis = clock.millis() + maxMillis;
        long drainDeadline = clock.millis() + drainMillis;
        while (inside > 0) {
            long left = drainDeadline - clock.millis();
            if (left <= 0) {
                open(group);
                throw new VolumeException.Unavailable("writes in progress did not finish within " + drainMillis + " ms", null);
            }
            await(Math.min(left, 50));
        }
    }

    /** Aborted if another group holds the gate closed (one whose deadline passed does not). */
    synchronized void checkFree(GroupSnapshotId group) {
        if (holder != null && clock.millis() >= deadlineMillis) lapse();
        if (holder != null && !holder.equals(group))
            throw new VolumeException.Aborted("the volume is latched for group snapshot " + holder);
    }

    /** Whether {@code group} still holds the gate closed (false once it lapsed). */
    synchronized boolean heldBy(GroupSnapshotId group) {
        if (holder != null && clock.millis() >= deadlineMillis) lapse();
        return group.equals(holder);
    }

    /** Opens the gate if {@code group} holds it; idempotent. */
    synchronized void open(GroupSnapshotId group) {
        if (group.equals(holder)) lapse();
    }

    private void lapse() {
        if (holder != null) lastHeldNanos = System.nanoTime() - closedAtNanos;
        holder = null;
        notifyAll();
    }

    private void await(long millis) {
        try {
            wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Unavailable("interrupted while the volume was latched", e);
        }
    }
}
