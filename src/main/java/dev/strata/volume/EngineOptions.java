package dev.strata.volume;

import java.time.Duration;

/**
 * How an attached volume uploads: on {@code dirtyBytes} of dirty data or when the oldest
 * dirty write is {@code rpo} old, whichever comes first; with {@code sync} durability a
 * FLUSH waits until its data is committed to the bucket.
 */
public record EngineOptions(Duration rpo, long dirtyBytes, boolean sync, int uploadThreads, int blocksPerPack) {
    public static final EngineOptions DEFAULTS = new EngineOptions(Duration.ofSeconds(10), 256L << 20, false, 8, 256);

    public EngineOptions {
        if (rpo.isNegative() || rpo.isZero()) throw new VolumeException.InvalidArgument("rpo must be positive");
        if (dirtyBytes < 1 || uploadThreads < 1 || blocksPerPack < 1)
            throw new VolumeException.InvalidArgument("engine options must be positive");
    }

    public static EngineOptions of(VolumeParameters p) {
        return new EngineOptions(Duration.ofSeconds(p.rpoSeconds()), DEFAULTS.dirtyBytes,
                p.durability() == VolumeParameters.Durability.SYNC, DEFAULTS.uploadThreads, DEFAULTS.blocksPerPack);
    }

    /** These options with another RPO and durability (ControllerModifyVolume on an attached volume). */
    public EngineOptions retuned(VolumeParameters p) {
        return new EngineOptions(Duration.ofSeconds(p.rpoSeconds()), dirtyBytes,
                p.durability() == VolumeParameters.Durability.SYNC, uploadThreads, blocksPerPack);
    }
}
