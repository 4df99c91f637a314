package dev.strata.ublk;

/**
 * ublk UAPI numbers (include/uapi/linux/ublk_cmd.h): ioctl-encoded command opcodes
 * ({@code _IOR/_IOWR('u', nr, struct)}), their legacy numbers, feature flags, ops and states.
 */
public final class UblkCmd {
    // control commands, ioctl-encoded (32-byte struct ublksrv_ctrl_cmd)
    public static final int UBLK_U_CMD_GET_DEV_INFO = 0x80207502, UBLK_U_CMD_ADD_DEV = 0xc0207504,
            UBLK_U_CMD_DEL_DEV = 0xc0207505, UBLK_U_CMD_START_DEV = 0xc0207506, UBLK_U_CMD_STOP_DEV = 0xc0207507,
            UBLK_U_CMD_SET_PARAMS = 0xc0207508, UBLK_U_CMD_GET_PARAMS = 0x80207509,
            UBLK_U_CMD_START_USER_RECOVERY = 0xc0207510, UBLK_U_CMD_END_USER_RECOVERY = 0xc0207511,
            UBLK_U_CMD_GET_FEATURES = 0x80207513, UBLK_U_CMD_UPDATE_SIZE = 0xc0207515;
    // per-I/O commands, ioctl-encoded (16-byte struct ublksrv_io_cmd)
    public static final int UBLK_U_IO_FETCH_REQ = 0xc0107520, UBLK_U_IO_COMMIT_AND_FETCH_REQ = 0xc0107521;

    /** The legacy opcode of an ioctl-encoded command: its low byte ({@code nr}). */
    public static int legacy(int ioctlOp) {
        return ioctlOp & 0xff;
    }

    // feature flags (UBLK_F_*)
    public static final long UBLK_F_URING_CMD_COMP_IN_TASK = 1L << 1, UBLK_F_USER_RECOVERY = 1L << 3,
            UBLK_F_USER_RECOVERY_REISSUE = 1L << 4, UBLK_F_UNPRIVILEGED_DEV = 1L << 5, UBLK_F_CMD_IOCTL_ENCODE = 1L << 6,
            UBLK_F_USER_COPY = 1L << 7, UBLK_F_UPDATE_SIZE = 1L << 10;

    // ops (ublksrv_io_desc.op_flags & 0xff) and flags
    public static final int UBLK_IO_OP_READ = 0, UBLK_IO_OP_WRITE = 1, UBLK_IO_OP_FLUSH = 2, UBLK_IO_OP_DISCARD = 3,
            UBLK_IO_OP_WRITE_SAME = 4, UBLK_IO_OP_WRITE_ZEROES = 5;
    public static final int UBLK_IO_F_FUA = 1 << 13;
    /** A FETCH/COMMIT completion: a request is ready (0), or the device is going away (-ENODEV). */
    public static final int UBLK_IO_RES_OK = 0, UBLK_IO_RES_ABORT = -19;

    // params
    public static final int UBLK_PARAM_TYPE_BASIC = 1, UBLK_PARAM_TYPE_DISCARD = 2;
    public static final int UBLK_ATTR_VOLATILE_CACHE = 4, UBLK_ATTR_FUA = 8;

    // device states
    public static final int UBLK_S_DEV_DEAD = 0, UBLK_S_DEV_LIVE = 1, UBLK_S_DEV_QUIESCED = 2;

    /** USER_COPY file position of (queue, tag): 0x8000_0000 + (q << 41) + (tag << 25). */
    public static long userCopyOffset(int queue, int tag) {
        return 0x8000_0000L + ((long) queue << 41) + ((long) tag << 25);
    }

    /** Descriptor array offset of a queue: q × round_up(4096 × 24, page size). */
    public static long descriptorOffset(int queue, int pageSize) {
        long stride = (4096L * UblkStructs.IO_DESC_SIZE + pageSize - 1) / pageSize * pageSize;
        return queue * stride;
    }

    private UblkCmd() {}
}
