package dev.strata.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's stall test through the engine (QEMU guest, src/test/vm/run-vm-tests.sh): two
 * attached volumes served by ONE process on ONE ring worker; the first one's bucket hangs
 * (its pack GETs wait) with a reader stuck on it, and the second one still completes fio's
 * verified I/O. {@code ublk.UblkStallVmTest} shows the same with a synthetic target; this one
 * goes through AttachedVolume, the pack cache and the store. Bounded: a stall fails by timeout.
 */
@Tag("vm")
class EngineStallVmTest {
    @TempDir Path tmp;

    @Test
    void aVolumeWhoseBucketHangsDoesNotStallAnotherVolumeOnTheSameWorker() throws Exception {
        Path log = tmp.resolve("fio.log");
        try (StallRig rig = new StallRig(tmp, 64, 64L << 20)) {
            // block 40: in the source's sixth pack, far from what the kernel's partition scan read at start
            StallRig.StuckReader stuck = rig.stuckReader(40);
            try {
                Process fio = new ProcessBuilder("fio", "--name=beside-a-hung-bucket", "--filename=" + rig.warmDevice.path(),
                        "--rw=randwrite", "--bs=64k", "--size=8m", "--direct=1", "--ioengine=libaio", "--iodepth=16",
                        "--verify=crc32c", "--do_verify=1", "--randseed=3", "--verify_state_save=0")
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
                boolean finished = fio.waitFor(180, SECONDS);
                if (!finished) fio.destroyForcibly().waitFor(30, SECONDS);
                assertTrue(finished, "the warm volume on the same worker completed 8 MiB of verified I/O within 180 s "
                        + "while the cold volume's bucket hung:\n" + Files.readString(log));
                assertEquals(0, fio.exitValue(), "fio on the warm volume:\n" + Files.readString(log));
                assertTrue(stuck.dd().isAlive(), "the cold volume's read still waits on its hung GET");
                assertTrue(rig.store.gets().stream().allMatch(g -> g.key().startsWith(rig.sourcePacks)),
                        "the warm volume read nothing from the bucket (its reads are local): " + rig.store.gets());
            } finally {
                rig.release(stuck);
            }
        }
    }
}
