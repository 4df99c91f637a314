package dev.strata.uring;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.strata.sys.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The libc functions the io_uring layer calls, linked through {@link LibC} (the one libc
 * linkage, shared with the engine's hole punching) with errno capture. Each instance owns the
 * small segment errno is captured into, so one instance serves one thread at a time (a ring
 * and its worker thread own theirs): nothing is allocated per call. Failures are
 * {@link ErrnoException}s naming the call. No handle is linked {@code critical}: several block.
 */
public final class Syscalls {
    public static final long SYS_io_uring_setup = 425, SYS_io_uring_enter = 426, SYS_io_uring_register = 427;
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_CLOEXEC = 0x80000;
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;
    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, MAP_POPULATE = 0x8000;

    private static final MethodHandle SYSCALL = LibC.link("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle MMAP = LibC.link("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = LibC.link("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = LibC.link("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EVENTFD = LibC.link("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = LibC.link("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = LibC.link("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = LibC.link("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = LibC.link("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle GETPID = LibC.linkPlain("getpid",
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle OPEN = LibC.link("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));

    private static final MethodHandle STATVFS = LibC.link("statvfs",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    /** {@code sizeof(struct statvfs)} on x86_64/aarch64 glibc; its first eight fields are 8-byte words. */
    public static final int STATVFS_SIZE = 112;

    private final MemorySegment capture;

    /** An instance whose errno segment lives in {@code arena}. */
    public Syscalls(Arena arena) {
        this.capture = LibC.captureSegment(arena);
    }

    private int errno() {
        return LibC.errno(capture);
    }

    /** Raw syscall; returns the result or throws naming {@code name}. */
    public long syscall(String name, long nr, long a, long b, long c, long d, long e, long f) {
        long r;
        try {
            r = (long) SYSCALL.invokeExact(capture, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call " + name, t);
        }
        if (r == -1) throw new ErrnoException(name, errno());
        return r;
    }

    /** As {@link #syscall}, but returns {@code -errno} instead of throwing (hot paths). */
    public long syscallRaw(long nr, long a, long b, long c, long d, long e, long f) {
        long r;
        try {
            r = (long) SYSCALL.invokeExact(capture, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call syscall " + nr, t);
        }
        return r == -1 ? -errno() : r;
    }

    public MemorySegment mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call mmap", t);
        }
        if (p.address() == -1L) throw new ErrnoException("mmap", errno());
        return p;
    }

    public void munmap(MemorySegment address, long length) {
        int r;
        try {
            r = (int) MUNMAP.invokeExact(capture, address, length);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call munmap", t);
        }
        if (r != 0) throw new ErrnoException("munmap", errno());
    }

    public void close(int fd) {
        int r;
        try {
            r = (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call close", t);
        }
        if (r != 0) throw new ErrnoException("close", errno());
    }

    public int eventfd(int initval, int flags) {
        int r;
        try {
            r = (int) EVENTFD.invokeExact(capture, initval, flags);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call eventfd", t);
        }
        if (r < 0) throw new ErrnoException("eventfd", errno());
        return r;
    }

    /** read(2); returns bytes read, or {@code -errno} (e.g. -EAGAIN on a drained non-blocking fd). */
    public long read(int fd, MemorySegment buf, long count) {
        long r;
        try {
            r = (long) READ.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call read", t);
        }
        return r < 0 ? -errno() : r;
    }

    public long write(int fd, MemorySegment buf, long count) {
        long r;
        try {
            r = (long) WRITE.invokeExact(capture, fd, buf, count);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call write", t);
        }
        if (r < 0) throw new ErrnoException("write", errno());
        return r;
    }

    /** pread(2): bytes read, or {@code -errno}. */
    public long pread(int fd, MemorySegment buf, long count, long offset) {
        long r;
        try {
            r = (long) PREAD.invokeExact(capture, fd, buf, count, offset);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call pread", t);
        }
        return r < 0 ? -errno() : r;
    }

    /** pwrite(2): bytes written, or {@code -errno}. */
    public long pwrite(int fd, MemorySegment buf, long count, long offset) {
        long r;
        try {
            r = (long) PWRITE.invokeExact(capture, fd, buf, count, offset);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call pwrite", t);
        }
        return r < 0 ? -errno() : r;
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call getpid", t);
        }
    }

    public int open(MemorySegment path, int flags, int mode) {
        int r;
        try {
            r = (int) OPEN.invokeExact(capture, path, flags, mode);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call open", t);
        }
        if (r < 0) throw new ErrnoException("open", errno());
        return r;
    }

    /**
     * statvfs(3) into {@code out} (at least {@link #STATVFS_SIZE} bytes): words 0–7 are
     * f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail.
     */
    public void statvfs(MemorySegment path, MemorySegment out) {
        int r;
        try {
            r = (int) STATVFS.invokeExact(capture, path, out);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot call statvfs", t);
        }
        if (r == -1) throw new ErrnoException("statvfs", errno());
    }
}
