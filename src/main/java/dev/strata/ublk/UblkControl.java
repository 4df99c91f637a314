package dev.strata.ublk;

import static dev.strata.ublk.UblkCmd.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.strata.uring.Errno;
import dev.strata.uring.ErrnoException;
import dev.strata.uring.IoUringSqe;
import dev.strata.uring.Ring;
import dev.strata.uring.RingOptions;
import dev.strata.uring.Syscalls;
import java.lang.foreign.MemorySegment;

/**
 * {@code /dev/ublk-control}: device lifecycle commands, each a pure builder (see
 * {@link UblkStructs#ctrlCmd}) sent by one submit path over a 128-byte-SQE ring owned by the
 * thread that opened this. Calls block until the kernel answers (START_DEV until every queue
 * has fetched: send it from a thread that is not a queue's ring thread).
 */
public final class UblkControl implements AutoCloseable {
    /** What GET_DEV_INFO / ADD_DEV report. */
    public record DevInfo(int devId, int queues, int depth, int state, int maxIoBufBytes, long flags, int serverPid) {}

    private final Ring ring;
    private final int fd;
    private final MemorySegment buf;
    private final boolean ioctlEncode;
    private int lastRes;

    private UblkControl(Ring ring, int fd, boolean ioctlEncode) {
        this.ring = ring;
        this.fd = fd;
        this.buf = ring.arena().allocate(256, 8);
        this.ioctlEncode = ioctlEncode;
    }

    /** Opens the control device; ENOENT means the ublk_drv module is not loaded. */
    public static UblkControl open() {
        Ring ring = Ring.open(RingOptions.sqe128(8));
        try {
            int fd = ring.syscalls().open(ring.arena().allocateFrom("/dev/ublk-control"), Syscalls.O_RDWR | Syscalls.O_CLOEXEC, 0);
            return new UblkControl(ring, fd, true);
        } catch (RuntimeException e) {
            ring.close();
            throw e;
        }
    }

    private int op(int ioctlOp) {
        return ioctlEncode ? ioctlOp : legacy(ioctlOp);
    }

    /** Sends one command; returns the kernel's non-negative result or throws naming the command. */
    int command(String name, int ioctlOp, int devId, int queueId, long addr, int len, long data) {
        long sqe = ring.uringCmd(fd, op(ioctlOp), 1);
        UblkStructs.ctrlCmd(ring.sqes().asSlice(sqe + IoUringSqe.CMD, UblkStructs.UBLKSRV_CTRL_CMD.byteSize()),
                devId, queueId, addr, len, data);
        lastRes = Integer.MIN_VALUE;
        while (lastRes == Integer.MIN_VALUE) {
            ring.submitAndWait(1, 0);
            ring.reap((u, res, f) -> lastRes = res);
        }
        if (lastRes < 0) throw new ErrnoException(name, -lastRes);
        return lastRes;
    }

    /** GET_FEATURES: every UBLK_F_* flag the driver supports. */
    public long features() {
        buf.set(JAVA_LONG, 0, 0);
        command("UBLK_U_CMD_GET_FEATURES", UBLK_U_CMD_GET_FEATURES, -1, 0xffff, buf.address(), 8, 0);
        return buf.get(JAVA_LONG, 0);
    }

    /** ADD_DEV ({@code devId} -1 = allocate): returns the device with its negotiated flags. */
    public DevInfo addDev(int devId, int queues, int depth, int maxIoBufBytes, long flags) {
        MemorySegment info = buf.asSlice(0, 64);
        UblkStructs.devInfo(info, queues, depth, maxIoBufBytes, devId, flags);
        command("UBLK_U_CMD_ADD_DEV", UBLK_U_CMD_ADD_DEV, devId, 0xffff, info.address(), 64, 0);
        return read(info);
    }

    public DevInfo devInfo(int devId) {
        MemorySegment info = buf.asSlice(0, 64);
        info.fill((byte) 0);
        command("UBLK_U_CMD_GET_DEV_INFO", UBLK_U_CMD_GET_DEV_INFO, devId, 0xffff, info.address(), 64, 0);
        return read(info);
    }

    private static DevInfo read(MemorySegment info) {
        return new DevInfo(info.get(JAVA_INT, 12), info.get(JAVA_SHORT, 0), info.get(JAVA_SHORT, 2), info.get(JAVA_SHORT, 4),
                info.get(JAVA_INT, 8), info.get(JAVA_LONG, 24), info.get(JAVA_INT, 16));
    }

    public void setParams(int devId, long sizeBytes, int maxIoBufBytes, boolean discard) {
        MemorySegment p = buf.asSlice(0, UblkStructs.UBLK_PARAMS.byteSize());
        UblkStructs.params(p, sizeBytes, maxIoBufBytes, discard);
        command("UBLK_U_CMD_SET_PARAMS", UBLK_U_CMD_SET_PARAMS, devId, 0xffff, p.address(), (int) p.byteSize(), 0);
    }

    /** START_DEV: blocks until every tag of every queue is fetched; creates /dev/ublkbN. */
    public void startDev(int devId, int pid) {
        command("UBLK_U_CMD_START_DEV", UBLK_U_CMD_START_DEV, devId, 0xffff, 0, 0, pid);
    }

    /** STOP_DEV: removes the disk; needs the queues still serving to finish in-flight I/O. */
    public void stopDev(int devId) {
        command("UBLK_U_CMD_STOP_DEV", UBLK_U_CMD_STOP_DEV, devId, 0xffff, 0, 0, 0);
    }

    /**
     * UPDATE_SIZE (6.16+, {@code UBLK_F_UPDATE_SIZE}): the started device's new capacity,
     * announced to the block layer. Only for a LIVE device: older kernels crash on others.
     */
    public void updateSize(int devId, long sizeBytes) {
        if ((features() & UBLK_F_UPDATE_SIZE) == 0)
            throw new ErrnoException("UBLK_U_CMD_UPDATE_SIZE (the driver lacks UBLK_F_UPDATE_SIZE, kernel 6.16+)", Errno.EOPNOTSUPP);
        DevInfo info = devInfo(devId);
        if (info.state() != UBLK_S_DEV_LIVE)
            throw new ErrnoException("UBLK_U_CMD_UPDATE_SIZE (device " + devId + " is not live, state " + info.state() + ")", Errno.EINVAL);
        command("UBLK_U_CMD_UPDATE_SIZE", UBLK_U_CMD_UPDATE_SIZE, devId, 0xffff, 0, 0, sizeBytes >>> 9);
    }

    /** DEL_DEV: waits until nobody holds /dev/ublkcN. */
    public void delDev(int devId) {
        command("UBLK_U_CMD_DEL_DEV", UBLK_U_CMD_DEL_DEV, devId, 0xffff, 0, 0, 0);
    }

    /** START_USER_RECOVERY, retried while the old server still holds the char device (EBUSY). */
    public void startUserRecovery(int devId, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            try {
                command("UBLK_U_CMD_START_USER_RECOVERY", UBLK_U_CMD_START_USER_RECOVERY, devId, 0xffff, 0, 0, 0);
                return;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EBUSY || System.currentTimeMillis() > deadline) throw e;
                Thread.sleep(100);
            }
        }
    }

    public void endUserRecovery(int devId, int pid) {
        command("UBLK_U_CMD_END_USER_RECOVERY", UBLK_U_CMD_END_USER_RECOVERY, devId, 0xffff, 0, 0, pid);
    }

    @Override
    public void close() {
        try {
            ring.syscalls().close(fd);
        } finally {
            ring.close();
        }
    }
}
