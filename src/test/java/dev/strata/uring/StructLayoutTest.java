package dev.strata.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every size and offset pinned to the numbers of include/uapi/linux/io_uring.h. */
class StructLayoutTest {
    @Test
    void sizes() {
        assertEquals(64, IoUringSqe.SIZE);
        assertEquals(128, IoUringSqe.SIZE128);
        assertEquals(16, IoUringCqe.SIZE);
        assertEquals(32, IoUringCqe.SIZE32);
        assertEquals(120, IoUringParams.LAYOUT.byteSize());
        assertEquals(40, IoUringParams.IO_SQRING_OFFSETS.byteSize());
        assertEquals(40, IoUringParams.IO_CQRING_OFFSETS.byteSize());
        assertEquals(24, KernelStructs.IO_URING_GETEVENTS_ARG.byteSize());
        assertEquals(16, KernelStructs.KERNEL_TIMESPEC.byteSize());
        assertEquals(16, KernelStructs.IOVEC.byteSize());
    }

    @ParameterizedTest
    @CsvSource({"opcode,0", "flags,1", "ioprio,2", "fd,4", "off,8", "addr,16", "len,24", "op_flags,28", "user_data,32",
            "buf_index,40", "personality,42", "file_index,44", "addr3,48", "__pad2,56"})
    void sqeOffsets(String field, long offset) {
        assertEquals(offset, at(IoUringSqe.LAYOUT, field));
    }

    @ParameterizedTest
    @CsvSource({"user_data,0", "res,8", "flags,12"})
    void cqeOffsets(String field, long offset) {
        assertEquals(offset, at(IoUringCqe.LAYOUT, field));
    }

    @ParameterizedTest
    @CsvSource({"sq_entries,0", "cq_entries,4", "flags,8", "sq_thread_cpu,12", "sq_thread_idle,16", "features,20",
            "wq_fd,24", "resv,28", "sq_off,40", "cq_off,80"})
    void paramsOffsets(String field, long offset) {
        assertEquals(offset, at(IoUringParams.LAYOUT, field));
    }

    @ParameterizedTest
    @CsvSource({"head,0", "tail,4", "ring_mask,8", "ring_entries,12", "flags,16", "dropped,20", "array,24", "resv1,28", "user_addr,32"})
    void sqringOffsets(String field, long offset) {
        assertEquals(offset, at(IoUringParams.IO_SQRING_OFFSETS, field));
    }

    @ParameterizedTest
    @CsvSource({"head,0", "tail,4", "ring_mask,8", "ring_entries,12", "overflow,16", "cqes,20", "flags,24", "resv1,28", "user_addr,32"})
    void cqringOffsets(String field, long offset) {
        assertEquals(offset, at(IoUringParams.IO_CQRING_OFFSETS, field));
    }

    @Test
    void geteventsArgAndUringCmd() {
        assertEquals(0, at(KernelStructs.IO_URING_GETEVENTS_ARG, "sigmask"));
        assertEquals(8, at(KernelStructs.IO_URING_GETEVENTS_ARG, "sigmask_sz"));
        assertEquals(12, at(KernelStructs.IO_URING_GETEVENTS_ARG, "min_wait_usec"));
        assertEquals(16, at(KernelStructs.IO_URING_GETEVENTS_ARG, "ts"));
        assertEquals(8, IoUringSqe.CMD_OP);
        assertEquals(48, IoUringSqe.CMD);
        assertEquals(80, IoUringSqe.SIZE128 - IoUringSqe.CMD);
    }

    static long at(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
