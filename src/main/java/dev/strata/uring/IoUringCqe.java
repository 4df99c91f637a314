package dev.strata.uring;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/** {@code struct io_uring_cqe}: 16 bytes (32 with IORING_SETUP_CQE32). */
public final class IoUringCqe {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("user_data"), JAVA_INT.withName("res"), JAVA_INT.withName("flags"));
    public static final long SIZE = LAYOUT.byteSize(), SIZE32 = 2 * SIZE;
    public static final long USER_DATA = off("user_data"), RES = off("res"), FLAGS = off("flags");
    public static final int IORING_CQE_F_BUFFER = 1, IORING_CQE_F_MORE = 2;

    static long off(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private IoUringCqe() {}
}
