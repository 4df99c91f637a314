package dev.strata.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/** {@code struct io_uring_params} and its ring offset structs (include/uapi/linux/io_uring.h). */
public final class IoUringParams {
    /** {@code struct io_sqring_offsets}: 40 bytes. */
    public static final StructLayout IO_SQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("flags"), JAVA_INT.withName("dropped"),
            JAVA_INT.withName("array"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));
    /** {@code struct io_cqring_offsets}: 40 bytes. */
    public static final StructLayout IO_CQRING_OFFSETS = MemoryLayout.structLayout(
            JAVA_INT.withName("head"), JAVA_INT.withName("tail"), JAVA_INT.withName("ring_mask"),
            JAVA_INT.withName("ring_entries"), JAVA_INT.withName("overflow"), JAVA_INT.withName("cqes"),
            JAVA_INT.withName("flags"), JAVA_INT.withName("resv1"), JAVA_LONG.withName("user_addr"));
    /** {@code struct io_uring_params}: 120 bytes. */
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("sq_entries"), JAVA_INT.withName("cq_entries"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("sq_thread_cpu"), JAVA_INT.withName("sq_thread_idle"), JAVA_INT.withName("features"),
            JAVA_INT.withName("wq_fd"), MemoryLayout.sequenceLayout(3, JAVA_INT).withName("resv"),
            IO_SQRING_OFFSETS.withName("sq_off"), IO_CQRING_OFFSETS.withName("cq_off"));

    public static final long SQ_ENTRIES = off("sq_entries"), CQ_ENTRIES = off("cq_entries"), FLAGS = off("flags"),
            FEATURES = off("features"), SQ_OFF = off("sq_off"), CQ_OFF = off("cq_off");

    static long off(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    static long sq(String field) {
        return SQ_OFF + IO_SQRING_OFFSETS.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    static long cq(String field) {
        return CQ_OFF + IO_CQRING_OFFSETS.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    // setup flags (IORING_SETUP_*)
    public static final int IORING_SETUP_CQSIZE = 1 << 3, IORING_SETUP_SUBMIT_ALL = 1 << 7,
            IORING_SETUP_COOP_TASKRUN = 1 << 8, IORING_SETUP_TASKRUN_FLAG = 1 << 9, IORING_SETUP_SQE128 = 1 << 10,
            IORING_SETUP_CQE32 = 1 << 11, IORING_SETUP_SINGLE_ISSUER = 1 << 12, IORING_SETUP_DEFER_TASKRUN = 1 << 13,
            IORING_SETUP_NO_SQARRAY = 1 << 16;
    // features (IORING_FEAT_*)
    public static final int IORING_FEAT_SINGLE_MMAP = 1, IORING_FEAT_NODROP = 1 << 1, IORING_FEAT_EXT_ARG = 1 << 8;

    private IoUringParams() {}
}
