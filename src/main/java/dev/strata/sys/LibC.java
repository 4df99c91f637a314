package dev.strata.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Strata's one linkage of libc through java.lang.foreign: the native linker, the errno
 * capture (its layout, the option, reading it back) and {@link #link}, which finds a libc
 * function and links it with errno captured into a segment passed as its first argument.
 *
 * <p>The lowest layer, below {@code store}: both {@code uring} (io_uring, mmap, eventfd,
 * pread/pwrite) and {@code volume} (hole punching in a local cache) call libc, and
 * {@code volume} sits below {@code uring}, so it could not use {@code uring}'s linkage and
 * kept a copy of its own. This package holds only the linkage — no policy, no Strata types —
 * so every layer may use it (LayeringTest).
 */
public final class LibC {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_CAPTURE = Linker.Option.captureCallState("errno");

    private LibC() {}

    /**
     * The libc function {@code name} with errno capture: the handle takes the capture segment
     * ({@link #captureSegment}) first, then the function's own arguments. Not {@code critical}:
     * such calls may block.
     */
    public static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = ERRNO_CAPTURE;
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, all);
    }

    /** The libc function {@code name} without errno capture (a call that cannot fail, or whose failure is ignored). */
    public static MethodHandle linkPlain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor);
    }

    /** A segment, in {@code arena}, that calls linked by {@link #link} capture errno into. */
    public static MemorySegment captureSegment(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** The errno the last call through {@code capture} left there. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }
}
