package dev.strata.node;

import dev.strata.ublk.UblkCmd;
import dev.strata.ublk.UblkControl;
import dev.strata.ublk.UblkDevice;
import dev.strata.uring.ErrnoException;
import dev.strata.uring.Errno;
import dev.strata.uring.RingOptions;
import dev.strata.uring.WorkerPool;
import dev.strata.volume.BlockTarget;
import dev.strata.volume.VolumeException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Devices} as ublk devices: one control thread owns {@code /dev/ublk-control} and its
 * ring (every control command goes through it), queues run on a shared worker pool.
 */
public final class UblkDevices implements Devices {
    private static final Logger log = LoggerFactory.getLogger(UblkDevices.class);
    public static final Path CONTROL = Path.of("/dev/ublk-control");

    private final ExecutorService controlThread;
    private final UblkControl control;
    private final WorkerPool pool;
    private final int queues;
    private final int depth;

    private UblkDevices(ExecutorService controlThread, UblkControl control, WorkerPool pool, int queues, int depth) {
        this.controlThread = controlThread;
        this.control = control;
        this.pool = pool;
        this.queues = queues;
        this.depth = depth;
    }

    /** True when this kernel has the ublk driver loaded. */
    public static boolean available() {
        return Files.exists(CONTROL);
    }

    /** Opens the control device; {@code workers} ring threads serve the queues. */
    public static UblkDevices open(int workers, int queues, int depth) {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ublk-control");
            t.setDaemon(true);
            return t;
        });
        try {
            UblkControl control = thread.submit(UblkControl::open).get();
            WorkerPool pool = new WorkerPool(workers, RingOptions.worker(256), 5_000_000_000L);
            return new UblkDevices(thread, control, pool, queues, depth);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            thread.shutdownNow();
            throw new VolumeException.Aborted("interrupted while opening " + CONTROL);
        } catch (ExecutionException e) {
            thread.shutdownNow();
            throw new VolumeException.FailedPrecondition("cannot open " + CONTROL + ": " + e.getCause().getMessage()
                    + " (load the driver: modprobe ublk_drv)");
        }
    }

    private <T> T onControl(Callable<T> call) {
        Future<T> f = controlThread.submit(call);
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VolumeException.Aborted("interrupted during a ublk control command");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public Device add(BlockTarget target) {
        return wrap(onControl(() -> UblkDevice.create(control, pool, target, queues, depth)));
    }

    @Override
    public Optional<Device> recover(int devId, BlockTarget target) {
        return onControl(() -> {
            UblkControl.DevInfo info;
            try {
                info = control.devInfo(devId);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENODEV) return Optional.<Device>empty();
                throw e;
            }
            if ((info.flags() & UblkCmd.UBLK_F_USER_RECOVERY) == 0 || info.state() == UblkCmd.UBLK_S_DEV_DEAD) {
                // never started, or not recoverable: nothing can be resumed; delete it so a new device is added
                log.atWarn().setMessage("ublk device not recoverable; deleting it").addKeyValue("devId", devId)
                        .addKeyValue("state", info.state()).log();
                control.delDev(devId);
                return Optional.<Device>empty();
            }
            return Optional.of(wrap(UblkDevice.recover(control, pool, target, devId)));
        });
    }

    @Override
    public void discard(int devId) {
        recover(devId, FAILING).ifPresent(Device::remove);
    }

    @Override
    public long maxDevices() {
        return UblkDevice.maxDevices();
    }

    private Device wrap(UblkDevice dev) {
        return new Device() {
            @Override
            public int devId() {
                return dev.devId();
            }

            @Override
            public String path() {
                return dev.blockDevice();
            }

            @Override
            public void resize(long sizeBytes) {
                onControl(() -> {
                    dev.resize(sizeBytes);
                    return null;
                });
            }

            @Override
            public void remove() {
                onControl(() -> {
                    dev.remove();
                    return null;
                });
            }

            @Override
            public void abandon() {
                dev.abandon();
            }
        };
    }

    @Override
    public void close() {
        pool.close();
        onControl(() -> {
            control.close();
            return null;
        });
        controlThread.shutdown();
    }

    /** Serves a fenced volume's leftover device only to take it down: every I/O fails. */
    private static final BlockTarget FAILING = new BlockTarget() {
        private static VolumeException.Fenced fenced() {
            return new VolumeException.Fenced("the volume was fenced while this node was down");
        }

        @Override
        public long sizeBytes() {
            return 0;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            throw fenced();
        }

        @Override
        public void write(long offset, ByteBuffer src) {
            throw fenced();
        }

        @Override
        public void flush() {
            throw fenced();
        }

        @Override
        public void discard(long offset, long length) {
            throw fenced();
        }

        @Override
        public void writeZeroes(long offset, long length) {
            throw fenced();
        }
    };
}
