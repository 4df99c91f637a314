package dev.strata.volume;

import java.nio.ByteBuffer;

/**
 * What a block device is served from: the only thing the {@code ublk} layer needs from
 * {@code volume}. Offsets and lengths are bytes, multiples of 512, inside {@link #sizeBytes()}.
 * Every method may be called from several threads at once. A failure is a
 * {@link VolumeException} (the device completes the request with EIO; never a silent success).
 */
public interface BlockTarget {
    long sizeBytes();

    /** Fills {@code dst} (its remaining bytes) with the data at {@code offset}. */
    void read(long offset, ByteBuffer dst);

    /** Writes {@code src} (its remaining bytes) at {@code offset}; durable after {@link #flush}. */
    void write(long offset, ByteBuffer src);

    /** Makes every write acknowledged before this call durable (FLUSH / FUA). */
    void flush();

    /** The range reads as zeros afterwards and its space may be released. */
    void discard(long offset, long length);

    /** The range reads as zeros afterwards. */
    void writeZeroes(long offset, long length);
}
