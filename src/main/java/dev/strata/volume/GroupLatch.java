package dev.strata.volume;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One attached volume's side of a volume group snapshot ({@link GroupCut}'s phases):
 * background uploads out of the way; writes latched and the point taken at once; writes let
 * go and that point uploaded; or everything released. The point is fixed while the latch is
 * taken — not when the cut arrives — so the cut only opens the gate before it uploads: the
 * writes held off per volume are the wait for every other member's latch, not this volume's
 * freeze behind the other members' uploads.
 */
public final class GroupLatch {
    private final VolumeName name;
    private final WriteGate gate;
    private final Uploader uploader;
    /** The point taken by the latch, waiting for the group's cut or release (null: none). */
    private Point point;

    GroupLatch(VolumeName name, WriteGate gate, Uploader uploader) {
        this.name = name;
        this.gate = gate;
        this.uploader = uploader;
    }

    /**
     * A point in time fixed for {@code group} on its own thread, inside an upload cycle that waits
     * (holding the uploader) for the decision: upload it (cut) or drop it (release, or {@code max}).
     */
    private static final class Point {
        final GroupSnapshotId group;
        final CompletableFuture<Void> fixed = new CompletableFuture<>();
        final CompletableFuture<Boolean> decision = new CompletableFuture<>();
        final CompletableFuture<Registry.GenerationRef> committed = new CompletableFuture<>();

        Point(GroupSnapshotId group) {
            this.group = group;
        }
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
     * writes in progress have finished, and fixes the point in time (the dirty set frozen);
     * writes stay held until {@link #cut} or {@link #release}, or {@code max} passes. Latched
     * for another group → Aborted.
     */
    public void latch(GroupSnapshotId group, Duration max) {
        gate.checkFree(group); // before waiting for the uploader, which another group's point may hold
        synchronized (this) {
            if (point != null && point.group.equals(group) && gate.heldBy(group)) return; // retried: its point stands
        }
        uploader.pauseFor(max);
        gate.close(group, max.toMillis(), max.toMillis() / 2);
        Point p = new Point(group);
        synchronized (this) {
            if (point != null) point.decision.complete(false); // one whose latch lapsed
            point = p;
        }
        Thread.ofVirtual().name("strata-group-point-" + name.value()).start(() -> {
            try {
                p.committed.complete(uploader.cycle(() -> {
                    p.fixed.complete(null);
                    if (!decided(p, max)) throw new VolumeException.Aborted("group snapshot " + group + " of volume " + name
                            + " was released or never cut; nothing uploaded for it");
                }));
            } catch (RuntimeException e) {
                p.fixed.completeExceptionally(e);
                p.committed.completeExceptionally(e);
            }
        });
        try {
            await(p.fixed, max);
        } catch (RuntimeException e) {
            release(group);
            throw e;
        }
    }

    /** Whether the group decided to upload {@code p}; false on release or after {@code max}. */
    private static boolean decided(Point p, Duration max) {
        try {
            return p.decision.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Phase 2: lets the writes go (the point was fixed at the latch), then commits that point;
     * the manifest's pool-relative key. Aborted if the latch lapsed (the writes it held may then
     * be anywhere relative to the other members' points).
     */
    public String cut(GroupSnapshotId group) {
        Point p = take(group);
        try {
            if (p == null || !gate.heldBy(group)) {
                if (p != null) p.decision.complete(false);
                throw new VolumeException.Aborted("the latch of volume " + name + " for group snapshot " + group
                        + " lapsed or was never taken; retry the group snapshot");
            }
            gate.open(group);
            p.decision.complete(true);
            return await(p.committed, null).key();
        } finally {
            gate.open(group);
            uploader.resume();
        }
    }

    /** Lets writes and uploads go without a cut (the group snapshot failed elsewhere); idempotent. */
    public void release(GroupSnapshotId group) {
        Point p = take(group);
        if (p != null) p.decision.complete(false);
        gate.open(group);
        uploader.resume();
    }

    private synchronized Point take(GroupSnapshotId group) {
        Point p = point;
        if (p == null || !p.group.equals(group)) return null;
        point = null;
        return p;
    }

    /** The future's value; its own failure as is; Unavailable after {@code max} (null: no limit). */
    private static <T> T await(CompletableFuture<T> f, Duration max) {
        try {
            return max == null ? f.get() : f.get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new VolumeException.Unavailable("group snapshot point failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new VolumeException.Unavailable("the point in time was not fixed within " + max.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Unavailable("interrupted during a group snapshot", e);
        }
    }

    /** Nanoseconds the last latch held writes off (closed → opened). */
    public long lastHeldNanos() {
        return gate.lastHeldNanos;
    }
}
