package dev.strata.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/** Small kernel structs used with io_uring: timespec, getevents arg, iovec. */
public final class KernelStructs {
    /** {@code struct __kernel_timespec}: 16 bytes. */
    public static final StructLayout KERNEL_TIMESPEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));
    /** {@code struct io_uring_getevents_arg}: 24 bytes. */
    public static final StructLayout IO_URING_GETEVENTS_ARG = MemoryLayout.structLayout(
            JAVA_LONG.withName("sigmask"), JAVA_INT.withName("sigmask_sz"), JAVA_INT.withName("min_wait_usec"),
            JAVA_LONG.withName("ts"));
    /** {@code struct iovec}: 16 bytes. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
            JAVA_LONG.withName("iov_base"), JAVA_LONG.withName("iov_len"));

    // io_uring_enter flags
    public static final int IORING_ENTER_GETEVENTS = 1, IORING_ENTER_EXT_ARG = 8;
    // io_uring_register opcodes
    public static final int IORING_REGISTER_BUFFERS = 0, IORING_UNREGISTER_BUFFERS = 1;

    private KernelStructs() {}
}
