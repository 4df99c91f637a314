package dev.strata.ublk;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;

/**
 * ublk structs with their C field names and explicit padding, and pure builders that write a
 * command's bytes (unit-tested byte for byte) before one submit path sends it.
 */
public final class UblkStructs {
    /** {@code struct ublksrv_ctrl_cmd}: 32 bytes, in the command area of a 128-byte SQE. */
    public static final StructLayout UBLKSRV_CTRL_CMD = MemoryLayout.structLayout(
            JAVA_INT.withName("dev_id"), JAVA_SHORT.withName("queue_id"), JAVA_SHORT.withName("len"),
            JAVA_LONG.withName("addr"), JAVA_LONG.withName("data"), JAVA_SHORT.withName("dev_path_len"),
            JAVA_SHORT.withName("pad"), JAVA_INT.withName("reserved"));
    /** {@code struct ublksrv_ctrl_dev_info}: 64 bytes. */
    public static final StructLayout UBLKSRV_CTRL_DEV_INFO = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nr_hw_queues"), JAVA_SHORT.withName("queue_depth"), JAVA_SHORT.withName("state"),
            JAVA_SHORT.withName("pad0"), JAVA_INT.withName("max_io_buf_bytes"), JAVA_INT.withName("dev_id"),
            JAVA_INT.withName("ublksrv_pid"), JAVA_INT.withName("pad1"), JAVA_LONG.withName("flags"),
            JAVA_LONG.withName("ublksrv_flags"), JAVA_INT.withName("owner_uid"), JAVA_INT.withName("owner_gid"),
            JAVA_LONG.withName("reserved1"), JAVA_LONG.withName("reserved2"));
    /** {@code struct ublksrv_io_desc}: 24 bytes. */
    public static final StructLayout UBLKSRV_IO_DESC = MemoryLayout.structLayout(
            JAVA_INT.withName("op_flags"), JAVA_INT.withName("nr_sectors"), JAVA_LONG.withName("start_sector"),
            JAVA_LONG.withName("addr"));
    /** {@code struct ublksrv_io_cmd}: 16 bytes, in the command area of a 64-byte SQE. */
    public static final StructLayout UBLKSRV_IO_CMD = MemoryLayout.structLayout(
            JAVA_SHORT.withName("q_id"), JAVA_SHORT.withName("tag"), JAVA_INT.withName("result"),
            JAVA_LONG.withName("addr"));
    /** {@code struct ublk_param_basic}: 32 bytes. */
    public static final StructLayout UBLK_PARAM_BASIC = MemoryLayout.structLayout(
            JAVA_INT.withName("attrs"), JAVA_BYTE.withName("logical_bs_shift"), JAVA_BYTE.withName("physical_bs_shift"),
            JAVA_BYTE.withName("io_opt_shift"), JAVA_BYTE.withName("io_min_shift"), JAVA_INT.withName("max_sectors"),
            JAVA_INT.withName("chunk_sectors"), JAVA_LONG.withName("dev_sectors"), JAVA_LONG.withName("virt_boundary_mask"));
    /** {@code struct ublk_param_discard}: 20 bytes. */
    public static final StructLayout UBLK_PARAM_DISCARD = MemoryLayout.structLayout(
            JAVA_INT.withName("discard_alignment"), JAVA_INT.withName("discard_granularity"),
            JAVA_INT.withName("max_discard_sectors"), JAVA_INT.withName("max_write_zeroes_sectors"),
            JAVA_SHORT.withName("max_discard_segments"), JAVA_SHORT.withName("reserved0"));
    /** {@code struct ublk_params} as of 6.6–6.14: header, basic, discard, devt, zoned = 112 bytes. */
    public static final StructLayout UBLK_PARAMS = MemoryLayout.structLayout(
            JAVA_INT.withName("len"), JAVA_INT.withName("types"), UBLK_PARAM_BASIC.withName("basic"),
            UBLK_PARAM_DISCARD.withName("discard"), MemoryLayout.sequenceLayout(4, JAVA_INT).withName("devt"),
            MemoryLayout.sequenceLayout(8, JAVA_INT).withName("zoned"), MemoryLayout.paddingLayout(4));

    public static final int IO_DESC_SIZE = (int) UBLKSRV_IO_DESC.byteSize();

    private UblkStructs() {}

    static long off(StructLayout s, String field) {
        return s.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** Writes a control command into {@code cmd} (32 bytes). */
    public static void ctrlCmd(MemorySegment cmd, int devId, int queueId, long addr, int len, long data) {
        cmd.asSlice(0, UBLKSRV_CTRL_CMD.byteSize()).fill((byte) 0);
        cmd.set(JAVA_INT, off(UBLKSRV_CTRL_CMD, "dev_id"), devId);
        cmd.set(JAVA_SHORT, off(UBLKSRV_CTRL_CMD, "queue_id"), (short) queueId);
        cmd.set(JAVA_SHORT, off(UBLKSRV_CTRL_CMD, "len"), (short) len);
        cmd.set(JAVA_LONG, off(UBLKSRV_CTRL_CMD, "addr"), addr);
        cmd.set(JAVA_LONG, off(UBLKSRV_CTRL_CMD, "data"), data);
    }

    /** Writes an I/O command (FETCH / COMMIT_AND_FETCH) into {@code cmd} (16 bytes). */
    public static void ioCmd(MemorySegment cmd, int queue, int tag, int result, long addr) {
        cmd.set(JAVA_SHORT, 0, (short) queue);
        cmd.set(JAVA_SHORT, 2, (short) tag);
        cmd.set(JAVA_INT, 4, result);
        cmd.set(JAVA_LONG, 8, addr);
    }

    /** Fills a dev_info for ADD_DEV. */
    public static void devInfo(MemorySegment info, int queues, int depth, int maxIoBufBytes, int devId, long flags) {
        info.fill((byte) 0);
        info.set(JAVA_SHORT, off(UBLKSRV_CTRL_DEV_INFO, "nr_hw_queues"), (short) queues);
        info.set(JAVA_SHORT, off(UBLKSRV_CTRL_DEV_INFO, "queue_depth"), (short) depth);
        info.set(JAVA_INT, off(UBLKSRV_CTRL_DEV_INFO, "max_io_buf_bytes"), maxIoBufBytes);
        info.set(JAVA_INT, off(UBLKSRV_CTRL_DEV_INFO, "dev_id"), devId);
        info.set(JAVA_LONG, off(UBLKSRV_CTRL_DEV_INFO, "flags"), flags);
    }

    /** Fills ublk_params: basic (512-byte logical blocks, 4 KiB physical, volatile cache + FUA) and discard. */
    public static void params(MemorySegment p, long sizeBytes, int maxIoBufBytes, boolean discard) {
        p.fill((byte) 0);
        p.set(JAVA_INT, off(UBLK_PARAMS, "len"), (int) UBLK_PARAMS.byteSize());
        p.set(JAVA_INT, off(UBLK_PARAMS, "types"), UblkCmd.UBLK_PARAM_TYPE_BASIC | (discard ? UblkCmd.UBLK_PARAM_TYPE_DISCARD : 0));
        long basic = off(UBLK_PARAMS, "basic");
        p.set(JAVA_INT, basic + off(UBLK_PARAM_BASIC, "attrs"), UblkCmd.UBLK_ATTR_VOLATILE_CACHE | UblkCmd.UBLK_ATTR_FUA);
        p.set(JAVA_BYTE, basic + off(UBLK_PARAM_BASIC, "logical_bs_shift"), (byte) 9);
        p.set(JAVA_BYTE, basic + off(UBLK_PARAM_BASIC, "physical_bs_shift"), (byte) 12);
        p.set(JAVA_BYTE, basic + off(UBLK_PARAM_BASIC, "io_opt_shift"), (byte) 12);
        p.set(JAVA_BYTE, basic + off(UBLK_PARAM_BASIC, "io_min_shift"), (byte) 12);
        p.set(JAVA_INT, basic + off(UBLK_PARAM_BASIC, "max_sectors"), maxIoBufBytes >> 9);
        p.set(JAVA_LONG, basic + off(UBLK_PARAM_BASIC, "dev_sectors"), sizeBytes >> 9);
        if (discard) {
            long d = off(UBLK_PARAMS, "discard");
            p.set(JAVA_INT, d + off(UBLK_PARAM_DISCARD, "discard_granularity"), 4096);
            p.set(JAVA_INT, d + off(UBLK_PARAM_DISCARD, "max_discard_sectors"), 0xffffffff >>> 9);
            p.set(JAVA_INT, d + off(UBLK_PARAM_DISCARD, "max_write_zeroes_sectors"), 0xffffffff >>> 9);
            p.set(JAVA_SHORT, d + off(UBLK_PARAM_DISCARD, "max_discard_segments"), (short) 1);
        }
    }
}
