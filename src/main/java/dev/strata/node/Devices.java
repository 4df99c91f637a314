package dev.strata.node;

import dev.strata.volume.BlockTarget;

/**
 * Block devices serving a {@link BlockTarget}: ublk on a real node ({@link UblkDevices}).
 * The node logic sees only this, so what needs no ublk is tested on the host.
 */
public interface Devices extends AutoCloseable {
    /** A device serving one target. */
    interface Device {
        int devId();

        /** The block device node, e.g. {@code /dev/ublkb3}. */
        String path();

        /** Grows the device to {@code sizeBytes} while it serves (online). */
        void resize(long sizeBytes);

        /** Detach: stop, drain, delete. */
        void remove();

        /** Process exit: leave it for a later {@link #recover} (mounts on it live on). */
        void abandon();
    }

    /** Creates and starts a device for {@code target}. */
    Device add(BlockTarget target);

    /** Resumes serving a device a previous process left behind; empty if it no longer exists. */
    java.util.Optional<Device> recover(int devId, BlockTarget target);

    /** Deletes a device left behind that must not be resumed (its volume was fenced); absent is fine. */
    void discard(int devId);

    /** How many devices this node can hold at once (the driver's real limit), 0 if unknown. */
    long maxDevices();

    @Override
    void close();
}
