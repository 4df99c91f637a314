package dev.strata.ublk;

import dev.strata.volume.BlockTarget;
import java.nio.ByteBuffer;

/** Reads zeros, discards writes: the ublk path with no backend cost (test tree only). */
final class NullTarget implements BlockTarget {
    private final long size;

    NullTarget(long size) {
        this.size = size;
    }

    @Override public long sizeBytes() { return size; }

    @Override
    public void read(long offset, ByteBuffer dst) {
        while (dst.hasRemaining()) dst.put((byte) 0);
    }

    @Override public void write(long offset, ByteBuffer src) { src.position(src.limit()); }
    @Override public void flush() { }
    @Override public void discard(long offset, long length) { }
    @Override public void writeZeroes(long offset, long length) { }
}
