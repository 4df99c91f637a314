package dev.strata.uring;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A file read and written at offsets through a ring owned by the calling thread: the small
 * synchronous helper the tests (and, where it measures faster than FileChannel, the local
 * cache) use. Also batches: many reads in flight with one submit.
 */
public final class RingFile implements AutoCloseable {
    private final Ring ring;
    private final int fd;
    private int lastRes;
    private int pending;

    public RingFile(Path path, boolean create, int depth) {
        this.ring = Ring.open(RingOptions.worker(Integer.highestOneBit(Math.max(2, depth) * 2 - 1)));
        try {
            int flags = Syscalls.O_RDWR | Syscalls.O_CLOEXEC | (create ? Syscalls.O_CREAT : 0);
            this.fd = ring.syscalls().open(ring.arena().allocateFrom(path.toString()), flags, 0644);
        } catch (RuntimeException e) {
            ring.close();
            throw e;
        }
    }

    /** Reads up to {@code len} bytes at {@code offset} into {@code dst}; returns bytes read (0 at the end). */
    public int read(long offset, MemorySegment dst, int len) {
        ring.read(fd, dst, len, offset, 1);
        return ErrnoException.check("read (io_uring)", one());
    }

    /** Writes {@code len} bytes of {@code src} at {@code offset}; returns bytes written. */
    public int write(long offset, MemorySegment src, int len) {
        ring.write(fd, src, len, offset, 1);
        return ErrnoException.check("write (io_uring)", one());
    }

    public void fsync() {
        ring.fsync(fd, false, 1);
        ErrnoException.check("fsync (io_uring)", one());
    }

    /**
     * Reads {@code count} blocks of {@code len} bytes at {@code offsets} into consecutive
     * slices of {@code buffers}, all in flight at once; throws on the first failure.
     */
    public void readBatch(long[] offsets, MemorySegment buffers, int len, int count) {
        for (int i = 0; i < count; i++) ring.read(fd, buffers.asSlice((long) i * len, len), len, offsets[i], i);
        pending = count;
        while (pending > 0) {
            ring.submitAndWait(1, 0);
            ring.reap(this::batchDone);
        }
    }

    private void batchDone(long userData, int res, int flags) {
        pending--;
        ErrnoException.check("read (io_uring batch)", res);
    }

    private int one() {
        ring.submitAndWait(1, 0);
        ring.reap(this::done);
        return lastRes;
    }

    private void done(long userData, int res, int flags) {
        lastRes = res;
    }

    public Ring ring() {
        return ring;
    }

    @Override
    public void close() {
        try {
            ring.syscalls().close(fd);
        } finally {
            ring.close();
        }
    }
}
