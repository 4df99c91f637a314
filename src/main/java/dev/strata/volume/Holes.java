package dev.strata.volume;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.strata.sys.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Punches holes in a local cache's data file: {@code fallocate(fd, PUNCH_HOLE | KEEP_SIZE)}
 * on a second descriptor of the same file, so discarded blocks give their disk space back.
 * {@code FileChannel} has no such call; the functions are linked through {@link LibC}, the
 * one libc linkage below every layer (the same one {@code uring} uses). A filesystem without hole punching
 * ({@code EOPNOTSUPP}) is remembered: {@link #punch} then returns false and the caller
 * writes zeros instead.
 */
final class Holes implements AutoCloseable {
    static final int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int O_RDWR = 2, O_CLOEXEC = 0x80000;
    private static final int EOPNOTSUPP = 95, ENOSYS = 38, EINTR = 4;

    private static final MethodHandle OPEN = LibC.link("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FALLOCATE = LibC.link("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CLOSE = LibC.linkPlain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Path file;
    private final int fd;
    private volatile boolean supported;

    private Holes(Path file, int fd, boolean supported) {
        this.file = file;
        this.fd = fd;
        this.supported = supported;
    }

    /** Opens {@code file} (which must exist) for punching; never fails: without a descriptor it punches nothing. */
    static Holes open(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = LibC.captureSegment(arena);
            int fd = (int) OPEN.invokeExact(capture, arena.allocateFrom(file.toString()), O_RDWR | O_CLOEXEC, 0);
            return fd < 0 ? new Holes(file, -1, false) : new Holes(file, fd, true);
        } catch (Throwable t) {
            return new Holes(file, -1, false);
        }
    }

    /** A puncher that never punches (callers write zeros): for filesystems and tests without it. */
    static Holes none(Path file) {
        return new Holes(file, -1, false);
    }

    boolean supported() {
        return supported;
    }

    /**
     * Deallocates {@code [offset, offset + length)}: it reads as zeros afterwards and the file
     * keeps its size. Returns false when this filesystem cannot punch holes (write zeros then).
     *
     * @throws VolumeException.Unavailable on any other failure, naming the file
     */
    boolean punch(long offset, long length) {
        if (!supported || length == 0) return supported;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = LibC.captureSegment(arena);
            while (true) {
                int r = (int) FALLOCATE.invokeExact(capture, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length);
                if (r == 0) return true;
                int errno = LibC.errno(capture);
                if (errno == EINTR) continue;
                if (errno == EOPNOTSUPP || errno == ENOSYS) {
                    supported = false;
                    return false;
                }
                throw new VolumeException.Unavailable("cannot punch a hole in " + file + " at " + offset + "+" + length
                        + ": errno " + errno, null);
            }
        } catch (VolumeException e) {
            throw e;
        } catch (Throwable t) {
            throw new VolumeException.Unavailable("cannot punch a hole in " + file + ": " + t, t);
        }
    }

    @Override
    public void close() {
        if (fd < 0) return;
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // closing a descriptor we own cannot be retried; nothing to do
        }
    }
}
