package dev.strata.ublk;

import dev.strata.volume.BlockTarget;
import dev.strata.volume.VolumeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A loop-device equivalent: a BlockTarget over a plain file (test tree only). */
final class FileTarget implements BlockTarget, AutoCloseable {
    private final FileChannel ch;
    private final long size;

    FileTarget(Path file, long size) throws IOException {
        this.ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (ch.size() < size) ch.truncate(size);
        if (ch.size() < size) ch.write(ByteBuffer.allocate(1), size - 1);
        this.size = size;
    }

    @Override public long sizeBytes() { return size; }

    @Override
    public void read(long offset, ByteBuffer dst) {
        try {
            while (dst.hasRemaining()) {
                int n = ch.read(dst, offset);
                if (n < 0) {
                    while (dst.hasRemaining()) dst.put((byte) 0);
                    return;
                }
                offset += n;
            }
        } catch (IOException e) {
            throw new VolumeException.Unavailable(e.getMessage(), e);
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) {
        try {
            while (src.hasRemaining()) offset += ch.write(src, offset);
        } catch (IOException e) {
            throw new VolumeException.Unavailable(e.getMessage(), e);
        }
    }

    @Override
    public void flush() {
        try {
            ch.force(false);
        } catch (IOException e) {
            throw new VolumeException.Unavailable(e.getMessage(), e);
        }
    }

    @Override
    public void discard(long offset, long length) {
        writeZeroes(offset, length);
    }

    @Override
    public void writeZeroes(long offset, long length) {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        for (long done = 0; done < length; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), length - done));
            write(offset + done, zeros);
            done += zeros.limit();
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
