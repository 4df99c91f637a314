package dev.strata.ublk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ublk struct sizes/offsets pinned to include/uapi/linux/ublk_cmd.h, and builders' bytes. */
class UblkStructsTest {
    static long at(StructLayout s, String f) {
        return s.byteOffset(MemoryLayout.PathElement.groupElement(f));
    }

    @Test
    void sizes() {
        assertEquals(32, UblkStructs.UBLKSRV_CTRL_CMD.byteSize());
        assertEquals(64, UblkStructs.UBLKSRV_CTRL_DEV_INFO.byteSize());
        assertEquals(24, UblkStructs.UBLKSRV_IO_DESC.byteSize());
        assertEquals(16, UblkStructs.UBLKSRV_IO_CMD.byteSize());
        assertEquals(32, UblkStructs.UBLK_PARAM_BASIC.byteSize());
        assertEquals(20, UblkStructs.UBLK_PARAM_DISCARD.byteSize());
        assertEquals(112, UblkStructs.UBLK_PARAMS.byteSize());
    }

    @ParameterizedTest
    @CsvSource({"nr_hw_queues,0", "queue_depth,2", "state,4", "max_io_buf_bytes,8", "dev_id,12", "ublksrv_pid,16",
            "flags,24", "ublksrv_flags,32", "owner_uid,40", "owner_gid,44"})
    void devInfoOffsets(String f, long off) {
        assertEquals(off, at(UblkStructs.UBLKSRV_CTRL_DEV_INFO, f));
    }

    @ParameterizedTest
    @CsvSource({"len,0", "types,4", "basic,8", "discard,40", "devt,60", "zoned,76"})
    void paramsOffsets(String f, long off) {
        assertEquals(off, at(UblkStructs.UBLK_PARAMS, f));
    }

    @Test
    void commandOpcodesAreTheIoctlEncodingOfTheirNumbers() {
        // _IOWR('u', nr, 32-byte struct) = 0xc0000000 | 32 << 16 | 'u' << 8 | nr ; _IOR = 0x80000000 | ...
        assertEquals(0xc0000000 | (32 << 16) | ('u' << 8) | 0x04, UblkCmd.UBLK_U_CMD_ADD_DEV);
        assertEquals(0x80000000 | (32 << 16) | ('u' << 8) | 0x13, UblkCmd.UBLK_U_CMD_GET_FEATURES);
        assertEquals(0xc0000000 | (16 << 16) | ('u' << 8) | 0x20, UblkCmd.UBLK_U_IO_FETCH_REQ);
        assertEquals(0x21, UblkCmd.legacy(UblkCmd.UBLK_U_IO_COMMIT_AND_FETCH_REQ));
    }

    @Test
    void ctrlCmdBytes() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cmd = a.allocate(32);
            UblkStructs.ctrlCmd(cmd, 7, 0xffff, 0x1122334455667788L, 64, 0x99);
            assertEquals("07000000" + "ffff" + "4000" + "8877665544332211" + "9900000000000000" + "0000000000000000",
                    HexFormat.of().formatHex(cmd.toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    @Test
    void ioCmdBytesAndUserCopyOffsets() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cmd = a.allocate(16);
            UblkStructs.ioCmd(cmd, 3, 17, -5, 0);
            assertArrayEquals(HexFormat.of().parseHex("03001100fbffffff0000000000000000"), cmd.toArray(ValueLayout.JAVA_BYTE));
        }
        assertEquals(0x8000_0000L, UblkCmd.userCopyOffset(0, 0));
        assertEquals(0x8000_0000L + (2L << 41) + (5L << 25), UblkCmd.userCopyOffset(2, 5));
        assertEquals(98_304L * 3, UblkCmd.descriptorOffset(3, 4096));
    }
}
