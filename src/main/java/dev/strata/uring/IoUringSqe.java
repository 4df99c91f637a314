package dev.strata.uring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * {@code struct io_uring_sqe}: 64 bytes (128 with IORING_SETUP_SQE128, whose extra 64 bytes
 * extend the command area). Unions are named by the member Strata uses: {@code off} is also
 * {@code addr2} and, for URING_CMD, {@code cmd_op} (u32) + pad; {@code op_flags} is
 * rw_flags / fsync_flags / poll32_events / timeout_flags / uring_cmd_flags; {@code addr3} is
 * where the URING_CMD payload ({@code cmd}) starts.
 */
public final class IoUringSqe {
    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_BYTE.withName("opcode"), JAVA_BYTE.withName("flags"), JAVA_SHORT.withName("ioprio"),
            JAVA_INT.withName("fd"), JAVA_LONG.withName("off"), JAVA_LONG.withName("addr"), JAVA_INT.withName("len"),
            JAVA_INT.withName("op_flags"), JAVA_LONG.withName("user_data"), JAVA_SHORT.withName("buf_index"),
            JAVA_SHORT.withName("personality"), JAVA_INT.withName("file_index"), JAVA_LONG.withName("addr3"),
            JAVA_LONG.withName("__pad2"));
    public static final long SIZE = LAYOUT.byteSize(), SIZE128 = 2 * SIZE;

    public static final long OPCODE = off("opcode"), FLAGS = off("flags"), IOPRIO = off("ioprio"), FD = off("fd"),
            OFF = off("off"), ADDR = off("addr"), LEN = off("len"), OP_FLAGS = off("op_flags"),
            USER_DATA = off("user_data"), BUF_INDEX = off("buf_index"), FILE_INDEX = off("file_index"),
            ADDR3 = off("addr3");
    /** URING_CMD: {@code cmd_op} overlays the low half of {@code off}; the command starts at {@code addr3}. */
    public static final long CMD_OP = OFF, CMD = ADDR3;
    /** Bytes of command area: 16 in a 64-byte SQE, 80 with SQE128. */
    public static final int CMD_BYTES = 16, CMD_BYTES_SQE128 = 80;

    // opcodes (enum io_uring_op)
    public static final byte IORING_OP_NOP = 0, IORING_OP_READV = 1, IORING_OP_WRITEV = 2, IORING_OP_FSYNC = 3,
            IORING_OP_READ_FIXED = 4, IORING_OP_WRITE_FIXED = 5, IORING_OP_POLL_ADD = 6, IORING_OP_POLL_REMOVE = 7,
            IORING_OP_TIMEOUT = 11, IORING_OP_ASYNC_CANCEL = 14, IORING_OP_FALLOCATE = 17, IORING_OP_READ = 22,
            IORING_OP_WRITE = 23, IORING_OP_URING_CMD = 46;
    // sqe flags
    public static final byte IOSQE_FIXED_FILE = 1, IOSQE_IO_LINK = 4;
    public static final int IORING_FSYNC_DATASYNC = 1, IORING_POLL_ADD_MULTI = 1, POLLIN = 1;

    static long off(String field) {
        return LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    private IoUringSqe() {}
}
