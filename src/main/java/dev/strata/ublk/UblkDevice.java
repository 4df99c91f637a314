package dev.strata.ublk;

import dev.strata.uring.Errno;
import dev.strata.uring.ErrnoException;
import dev.strata.uring.Syscalls;
import dev.strata.uring.WorkerPool;
import dev.strata.volume.AsyncBlockTarget;
import dev.strata.volume.BlockTarget;
import dev.strata.volume.ThreadedBlockTarget;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ublk device serving a {@link BlockTarget}: add → open /dev/ublkcN → queues FETCH on the
 * worker pool → SET_PARAMS → START_DEV. The target's calls run on the device's own threads
 * ({@link ThreadedBlockTarget}, one per tag at most), never on a ring thread. {@link #remove()} stops it while its queues still
 * serve, drains them, closes the char device, then DEL_DEV. {@link #abandon()} (process
 * exit) leaves it QUIESCED for a new server to recover: never STOP_DEV with I/O in flight.
 */
public final class UblkDevice {
    private static final Logger log = LoggerFactory.getLogger(UblkDevice.class);
    public static final int MAX_IO_BYTES = 512 * 1024;

    private final UblkControl control;
    private final WorkerPool pool;
    private final int devId;
    private final int cdevFd;
    private final Arena arena;
    private final Syscalls sys;
    private final List<WorkerPool.Assignment> queues = new ArrayList<>();
    private AsyncBlockTarget target;

    private UblkDevice(UblkControl control, WorkerPool pool, int devId, int cdevFd, Arena arena, Syscalls sys) {
        this.control = control;
        this.pool = pool;
        this.devId = devId;
        this.cdevFd = cdevFd;
        this.arena = arena;
        this.sys = sys;
    }

    /** The features Strata asks for, limited to what the driver reports. */
    public static long wantedFlags(long supported) {
        long want = UblkCmd.UBLK_F_USER_COPY | UblkCmd.UBLK_F_USER_RECOVERY | UblkCmd.UBLK_F_USER_RECOVERY_REISSUE
                | UblkCmd.UBLK_F_CMD_IOCTL_ENCODE | UblkCmd.UBLK_F_UPDATE_SIZE;
        return want & supported;
    }

    /** Creates and starts a device for {@code target}; {@code control} must be used from this thread. */
    public static UblkDevice create(UblkControl control, WorkerPool pool, BlockTarget target, int queues, int depth) {
        long flags = wantedFlags(control.features());
        if ((flags & UblkCmd.UBLK_F_USER_COPY) == 0)
            throw new ErrnoException("ublk driver without USER_COPY (kernel 6.5+ needed)", Errno.EOPNOTSUPP);
        UblkControl.DevInfo info = control.addDev(-1, queues, depth, MAX_IO_BYTES, flags);
        Arena arena = Arena.ofShared();
        Syscalls sys = new Syscalls(arena);
        int fd = openCdev(sys, arena, info.devId());
        UblkDevice dev = new UblkDevice(control, pool, info.devId(), fd, arena, sys);
        control.setParams(info.devId(), target.sizeBytes(), MAX_IO_BYTES, true);
        dev.serve(target, info.queues(), info.depth());
        control.startDev(info.devId(), Syscalls.getpid());
        log.atInfo().setMessage("ublk device started").addKeyValue("devId", info.devId())
                .addKeyValue("queues", info.queues()).addKeyValue("depth", info.depth())
                .addKeyValue("flags", Long.toHexString(info.flags())).log();
        return dev;
    }

    /** A new server for a device whose old server died (USER_RECOVERY): the disk and its mounts live on. */
    public static UblkDevice recover(UblkControl control, WorkerPool pool, BlockTarget target, int devId) throws InterruptedException {
        UblkControl.DevInfo info = control.devInfo(devId);
        control.startUserRecovery(devId, 30_000);
        Arena arena = Arena.ofShared();
        Syscalls sys = new Syscalls(arena);
        UblkDevice dev = new UblkDevice(control, pool, devId, openCdev(sys, arena, devId), arena, sys);
        dev.serve(target, info.queues(), info.depth());
        control.endUserRecovery(devId, Syscalls.getpid());
        log.atInfo().setMessage("ublk device recovered").addKeyValue("devId", devId).log();
        return dev;
    }

    private void serve(BlockTarget sync, int nrQueues, int depth) {
        // a thread per request that can be in flight: one that waits (bucket, full disk) holds up only itself
        this.target = new ThreadedBlockTarget(sync, nrQueues * depth, "ublk-" + devId + "-io");
        // each queue on the least loaded worker: devices spread over the pool instead of all on worker 0
        for (int q = 0; q < nrQueues; q++)
            queues.add(pool.assign(new UblkQueue(cdevFd, q, depth, MAX_IO_BYTES, target)));
    }

    private static int openCdev(Syscalls sys, Arena arena, int devId) {
        var path = arena.allocateFrom("/dev/ublkc" + devId);
        for (int attempt = 0; ; attempt++) {
            try {
                return sys.open(path, Syscalls.O_RDWR | Syscalls.O_CLOEXEC, 0);
            } catch (ErrnoException e) {
                if ((e.errno() != Errno.ENOENT && e.errno() != Errno.EBUSY) || attempt > 100) throw e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Grows the live device (UPDATE_SIZE, kernel 6.16+); {@code control} must be used from its thread. */
    public void resize(long sizeBytes) {
        control.updateSize(devId, sizeBytes);
        log.atInfo().setMessage("ublk device resized").addKeyValue("devId", devId).addKeyValue("bytes", sizeBytes).log();
    }

    /**
     * How many ublk devices the driver allows: its {@code ublks_max} module parameter, which
     * caps every device on kernels 6.3–6.14 (only unprivileged ones later), 0 if unknown.
     */
    public static long maxDevices() {
        try {
            return Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of("/sys/module/ublk_drv/parameters/ublks_max")).strip());
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
    }

    public int devId() {
        return devId;
    }

    public String blockDevice() {
        return "/dev/ublkb" + devId;
    }

    /** Detach: stop the disk while the queues serve, drain them, close the char device, delete. */
    public void remove() {
        control.stopDev(devId);
        for (WorkerPool.Assignment a : queues) pool.remove(a);
        target.close();
        sys.close(cdevFd);
        arena.close();
        control.delDev(devId);
        log.atInfo().setMessage("ublk device removed").addKeyValue("devId", devId).log();
    }

    /** As at process exit: drop the queues and the char device, leaving the device QUIESCED for recovery. */
    public void abandon() {
        for (WorkerPool.Assignment a : queues) pool.remove(a);
        target.close();
        sys.close(cdevFd);
        arena.close();
    }

    /** True once every queue is stopped and has freed its buffers (no request of it still at the target). */
    boolean released() {
        return queues.stream().allMatch(a -> ((UblkQueue) a.task()).released());
    }
}
