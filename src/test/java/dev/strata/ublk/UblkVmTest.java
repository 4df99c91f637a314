package dev.strata.ublk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.uring.RingOptions;
import dev.strata.uring.WorkerPool;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Against the real ublk driver, inside the QEMU guest (src/test/vm/run-vm-tests.sh). */
@Tag("vm")
class UblkVmTest {
    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int code = p.waitFor();
        if (code != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + code + ":\n" + out);
        return out;
    }

    @Test
    void controlCommandsAgainstTheDriver() {
        assertTrue(Files.exists(Path.of("/dev/ublk-control")));
        try (UblkControl ctl = UblkControl.open()) {
            long features = ctl.features();
            System.out.println("ublk features: 0x" + Long.toHexString(features));
            assertTrue((features & UblkCmd.UBLK_F_USER_COPY) != 0, "USER_COPY");
            assertTrue((features & UblkCmd.UBLK_F_USER_RECOVERY_REISSUE) != 0, "USER_RECOVERY_REISSUE");
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                UblkControl.DevInfo d = ctl.addDev(-1, 1, 16, UblkDevice.MAX_IO_BYTES, UblkDevice.wantedFlags(features));
                assertEquals(UblkCmd.UBLK_S_DEV_DEAD, ctl.devInfo(d.devId()).state());
                assertTrue((d.flags() & UblkCmd.UBLK_F_USER_COPY) != 0, "negotiated USER_COPY");
                ids.add(d.devId());
            }
            for (int id : ids) ctl.delDev(id);
        }
    }

    @Test
    void aFileBackedDeviceCarriesAnExt4FilesystemAndFioVerify() throws Exception {
        Path backing = Files.createTempFile("ublk", ".img");
        try (FileTarget target = new FileTarget(backing, 256L << 20);
             WorkerPool pool = new WorkerPool(2, RingOptions.worker(256), 5_000_000_000L);
             UblkControl ctl = UblkControl.open()) {
            UblkDevice dev = UblkDevice.create(ctl, pool, target, 2, 32);
            try {
                String blk = dev.blockDevice();
                run("fio", "--name=verify", "--filename=" + blk, "--rw=randwrite", "--bsrange=4k-256k", "--size=64m",
                        "--direct=1", "--ioengine=psync", "--verify=crc32c", "--do_verify=1", "--randseed=7",
                        "--verify_state_save=0");
                run("mkfs.ext4", "-q", "-F", blk);
                Path mnt = Files.createTempDirectory("mnt");
                run("mount", blk, mnt.toString());
                byte[] data = new byte[3 << 20];
                new Random(5).nextBytes(data);
                Files.write(mnt.resolve("file"), data);
                run("sync");
                run("umount", mnt.toString());
                run("mount", blk, mnt.toString());
                assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(mnt.resolve("file"))), "file survives a remount");
                var threads = ManagementFactory.getThreadMXBean();
                long cpu0 = 0, cpu1 = 0;
                for (long t : pool.threadIds()) cpu0 += threads.getThreadCpuTime(t);
                Thread.sleep(2000);
                for (long t : pool.threadIds()) cpu1 += threads.getThreadCpuTime(t);
                assertTrue(cpu1 - cpu0 < 100_000_000L, "idle device, idle workers: " + (cpu1 - cpu0) / 1_000_000 + " ms");
                run("umount", mnt.toString());
            } finally {
                dev.remove();
            }
            assertTrue(!Files.exists(Path.of(dev.blockDevice())), "the disk is gone after remove");
        } finally {
            Files.deleteIfExists(backing);
        }
    }
}
