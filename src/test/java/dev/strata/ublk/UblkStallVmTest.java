package dev.strata.ublk;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.uring.RingOptions;
import dev.strata.uring.WorkerPool;
import dev.strata.volume.BlockTarget;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A request that waits (a bucket GET that hangs, a full disk) holds up only itself: two
 * devices on ONE worker, the first one's reads hang on a latch, the second still serves
 * (QEMU guest, src/test/vm/run-vm-tests.sh). Bounded: a stalled run fails by timeout.
 */
@Tag("vm")
class UblkStallVmTest {
    /** A file target whose reads, once armed, wait until released. */
    static final class HangingTarget implements BlockTarget {
        final FileTarget file;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean armed;
        volatile Throwable failure;

        HangingTarget(FileTarget file) {
            this.file = file;
        }

        @Override public long sizeBytes() { return file.sizeBytes(); }

        @Override
        public void read(long offset, ByteBuffer dst) {
            if (armed) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                file.read(offset, dst);
            } catch (RuntimeException | Error e) {
                failure = e;
                throw e;
            }
        }

        @Override public void write(long offset, ByteBuffer src) { file.write(offset, src); }
        @Override public void flush() { file.flush(); }
        @Override public void discard(long offset, long length) { file.discard(offset, length); }
        @Override public void writeZeroes(long offset, long length) { file.writeZeroes(offset, length); }
    }

    static Process start(Path log, String... cmd) throws Exception {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void aHungReadOnOneDeviceDoesNotStallAnotherDeviceOnTheSameWorker() throws Exception {
        Path b1 = Files.createTempFile("stall1", ".img"), b2 = Files.createTempFile("stall2", ".img");
        Path log = Files.createTempFile("fio", ".log");
        try (FileTarget f1 = new FileTarget(b1, 64L << 20); FileTarget f2 = new FileTarget(b2, 64L << 20);
             WorkerPool pool = new WorkerPool(1, RingOptions.worker(256), 5_000_000_000L);
             UblkControl ctl = UblkControl.open()) {
            HangingTarget hanging = new HangingTarget(f1);
            UblkDevice d1 = UblkDevice.create(ctl, pool, hanging, 1, 16);
            UblkDevice d2 = UblkDevice.create(ctl, pool, f2, 1, 16);
            Process stuck = null;
            try {
                hanging.armed = true;
                stuck = start(Files.createTempFile("dd", ".log"), "dd", "if=" + d1.blockDevice(), "of=/dev/null", "bs=4k",
                        "count=1", "iflag=direct");
                assertTrue(hanging.entered.await(60, SECONDS), "device 1's read reached its target");
                Process fio = start(log, "fio", "--name=beside-a-hung-device", "--filename=" + d2.blockDevice(),
                        "--rw=randwrite", "--bs=64k", "--size=8m", "--direct=1", "--ioengine=psync", "--verify=crc32c",
                        "--do_verify=1", "--randseed=3", "--verify_state_save=0");
                boolean finished = fio.waitFor(180, SECONDS);
                if (!finished) fio.destroyForcibly();
                assertTrue(finished, "device 2 on the same worker completed 8 MiB of verified I/O within 180 s "
                        + "while device 1's read hung");
                assertEquals(0, fio.exitValue(), "fio on device 2:\n" + Files.readString(log));
                assertTrue(stuck.isAlive(), "device 1's read is still waiting on its target");
            } finally {
                hanging.release.countDown();
                if (stuck != null && !stuck.waitFor(120, SECONDS)) stuck.destroyForcibly();
                d1.remove();
                d2.remove();
            }
            assertEquals(null, hanging.failure, "the released read completed");
        } finally {
            Files.deleteIfExists(b1);
            Files.deleteIfExists(b2);
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aDeviceDroppedWithARequestAtItsTargetKeepsTheBuffersUntilTheTargetIsDone() throws Exception {
        Path b = Files.createTempFile("stall3", ".img");
        try (FileTarget f = new FileTarget(b, 64L << 20); UblkControl ctl = UblkControl.open()) {
            WorkerPool pool = new WorkerPool(1, RingOptions.worker(256), 5_000_000_000L);
            HangingTarget hanging = new HangingTarget(f);
            UblkDevice dev = UblkDevice.create(ctl, pool, hanging, 1, 16);
            Process stuck = null;
            try {
                hanging.armed = true;
                stuck = start(Files.createTempFile("dd", ".log"), "dd", "if=" + dev.blockDevice(), "of=/dev/null", "bs=64k",
                        "count=1", "iflag=direct");
                assertTrue(hanging.entered.await(60, SECONDS), "the read reached its target");
                dev.abandon(); // as at process exit: the queue stops while its tag's buffer is at the target
                assertTrue(!dev.released(), "the queue keeps its buffers while a request is at the target");
                hanging.release.countDown(); // the target now writes into that buffer
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!dev.released() && System.nanoTime() < deadline) Thread.sleep(10);
                assertTrue(dev.released(), "the buffers are freed once the target completed");
                assertEquals(null, hanging.failure, "the target filled a live buffer");
            } finally {
                hanging.release.countDown();
                pool.close(); // the ring goes as at process exit: the kernel takes the device's requests back
                Thread del = Thread.ofPlatform().daemon(true).start(() -> {
                    try (UblkControl own = UblkControl.open()) { // a control ring is its opener's alone
                        own.delDev(dev.devId());
                    }
                });
                del.join(120_000);
                if (stuck != null && !stuck.waitFor(120, SECONDS)) stuck.destroyForcibly();
                assertTrue(!del.isAlive(), "the abandoned device was deleted");
            }
        } finally {
            Files.deleteIfExists(b);
        }
    }
}
