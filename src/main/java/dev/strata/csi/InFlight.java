package dev.strata.csi;

import dev.strata.volume.VolumeException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One operation per volume (or snapshot name) at a time: a second concurrent call gets
 * ABORTED ("operation pending"), which the sidecars retry, instead of one global lock.
 */
final class InFlight {
    private final Set<String> keys = ConcurrentHashMap.newKeySet();

    /** A held key; close releases it. */
    interface Guard extends AutoCloseable {
        @Override
        void close();
    }

    Guard acquire(String key) {
        if (!keys.add(key))
            throw new VolumeException.Aborted("an operation on " + key + " is already in progress; retry later");
        return () -> keys.remove(key);
    }
}
