package dev.strata.volume;

/**
 * What the controller asks of the node that holds a volume. A cut: the holder commits its
 * writes up to now as an immutable manifest and returns that manifest's pool-relative key —
 * snapshots and {@code volume:} forks of a held volume come from such a cut, never from a
 * stale manifest. A release: the holder hands the volume over before its epoch is revoked.
 */
public interface LiveCut {
    /**
     * The pool-relative key of a manifest holding the volume's contents as of this call, or
     * null when the holder has not attached it (its newest committed manifest is current).
     * Unavailable when the holder cannot be reached: never a stale cut.
     */
    String cut(VolumeRecord held);

    /**
     * Asks the holder named in {@code held} to stop acknowledging writes under its epoch and
     * upload everything it acknowledged. Returns when that is done (or the holder never
     * attached the volume); Unavailable when the holder cannot be reached or cannot upload.
     */
    void release(VolumeRecord held);
}
