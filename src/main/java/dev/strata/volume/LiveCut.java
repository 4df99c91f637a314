package dev.strata.volume;

/**
 * Asks the node that holds a volume to cut a consistent point in time: the holder commits
 * its writes up to now as an immutable manifest and returns that manifest's pool-relative
 * key. Snapshots and {@code volume:} forks of a held volume come from such a cut, never from
 * a stale manifest.
 */
public interface LiveCut {
    /** The pool-relative key of a manifest holding the volume's contents as of this call. */
    String cut(VolumeRecord held);

    /** No node agents: held volumes are cut at their newest committed manifest. */
    LiveCut COMMITTED = held -> null;
}
