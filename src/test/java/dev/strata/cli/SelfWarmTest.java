package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.strata.node.Devices;
import dev.strata.node.LoopDevices;
import dev.strata.testing.Privileged;
import dev.strata.volume.BlockTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up warm-up on the host's loop devices (the ublk path itself runs under QEMU, in
 * bench/ublk.sh): it attaches a scratch engine volume, serves it as a device, drives I/O
 * through the device, then leaves nothing behind; a failing device does not stop the server.
 */
class SelfWarmTest {
    @TempDir Path dir;

    @Test
    void drivesAScratchVolumesDeviceThenRemovesDeviceVolumeAndStore() throws Exception {
        Privileged.assumeRootWithLoopDevices();
        LoopDevices loops = new LoopDevices(dir.resolve("loops"));
        java.util.concurrent.atomic.AtomicInteger removed = new java.util.concurrent.atomic.AtomicInteger();
        Devices counting = new Devices() {
            @Override public Device add(BlockTarget target) {
                Device d = loops.add(target);
                return new Device() {
                    @Override public int devId() { return d.devId(); }
                    @Override public String path() { return d.path(); }
                    @Override public void resize(long sizeBytes) { d.resize(sizeBytes); }
                    @Override public void remove() { removed.incrementAndGet(); d.remove(); }
                    @Override public void abandon() { d.abandon(); }
                };
            }
            @Override public Optional<Device> recover(int devId, BlockTarget target) { return loops.recover(devId, target); }
            @Override public void discard(int devId) { loops.discard(devId); }
            @Override public long maxDevices() { return loops.maxDevices(); }
            @Override public void close() { loops.close(); }
        };
        try {
            SelfWarm.warm(counting, dir.resolve("warm-up"), 2_000);
            assertEquals(1, loops.added.get(), "one scratch device");
            assertEquals(SelfWarm.SIZE, loops.targets.getFirst().sizeBytes(), "served from the scratch engine volume");
            assertEquals(1, removed.get(), "the scratch device is removed");
            assertFalse(Files.exists(dir.resolve("warm-up")), "the scratch store and cache are removed");
        } finally {
            loops.detachAll();
        }
    }

    @Test
    void aFailingWarmUpLeavesTheServerToServeCold() {
        Devices broken = new Devices() {
            @Override public Device add(BlockTarget target) { throw new IllegalStateException("no device for you"); }
            @Override public Optional<Device> recover(int devId, BlockTarget target) { return Optional.empty(); }
            @Override public void discard(int devId) {}
            @Override public long maxDevices() { return 0; }
            @Override public void close() {}
        };
        SelfWarm.run(broken, dir.resolve("warm-up"), 2_000); // logs, does not throw
        assertFalse(Files.exists(dir.resolve("warm-up")), "the scratch store is removed after a failure too");
    }
}
