package dev.strata.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.testing.Privileged;
import dev.strata.volume.VolumeException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Format, probe, mount, grow and statvfs on real loop devices of the host kernel. */
class FilesystemsTest {
    @TempDir Path dir;
    final ProcessRunner runner = new ProcessRunner(Duration.ofSeconds(60));
    final Filesystems fs = new Filesystems(runner);
    final Mounts mounts = new Mounts(runner);
    String loop;
    Path image;
    Path mnt;

    String loopOf(long size) throws Exception {
        Privileged.assumeRootWithLoopDevices();
        image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(size);
        }
        loop = runner.check(List.of("losetup", "--find", "--show", image.toString())).stdout().strip();
        return loop;
    }

    @AfterEach
    void cleanUp() {
        if (mnt != null) mounts.unmount(mnt);
        if (loop != null) runner.run(List.of("losetup", "-d", loop));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void formatsOnlyBlankDevicesThenMountsGrowsAndReportsUsage(String type) throws Exception {
        String dev = loopOf(320L << 20);
        assertTrue(fs.probe(dev).blank(), "a new device is blank");
        fs.format(dev, type, type.equals("ext4") ? "-L vol1 -m 0" : "-L vol1");
        Filesystems.Probe p = fs.probe(dev);
        assertEquals(type, p.fsType());
        assertNull(p.other());

        mnt = Files.createDirectory(dir.resolve("mnt"));
        mounts.mount(dev, mnt, type, Filesystems.defaultMountOptions(type));
        Mounts.MountPoint m = mounts.at(mnt).orElseThrow();
        assertEquals(type, m.fsType());
        assertEquals(dev, m.source());

        Filesystems.Usage before = Filesystems.usage(mnt);
        Files.write(mnt.resolve("data"), new byte[8 << 20]);
        runner.check(List.of("sync"));
        Filesystems.Usage used = Filesystems.usage(mnt);
        assertTrue(used.usedBytes() >= before.usedBytes() + (8 << 20), before + " -> " + used);
        assertTrue(used.usedInodes() > before.usedInodes(), "the new file takes an inode");
        // statvfs agrees with what the JDK reports for the same filesystem
        assertEquals(Files.getFileStore(mnt).getTotalSpace(), used.totalBytes());
        assertEquals(Long.parseLong(runner.check(List.of("stat", "-f", "-c", "%c", mnt.toString())).stdout().strip()),
                used.totalInodes());

        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(640L << 20);
        }
        runner.check(List.of("losetup", "-c", dev));
        if (type.equals("ext4") && !hasCapability(24)) {
            // this sandbox withholds CAP_SYS_RESOURCE, which the kernel demands for online ext4 growth:
            // the node must say so clearly (the QEMU suite grows ext4 online for real)
            VolumeException e = assertThrows(VolumeException.FailedPrecondition.class, () -> fs.grow(dev, mnt, type));
            assertTrue(e.getMessage().contains("CAP_SYS_RESOURCE"), e.getMessage());
            return;
        }
        fs.grow(dev, mnt, type);
        Filesystems.Usage grown = Filesystems.usage(mnt);
        assertTrue(grown.totalBytes() > used.totalBytes() + (250L << 20), used + " -> " + grown);
        assertEquals(8 << 20, Files.size(mnt.resolve("data")), "data survives growing");
    }

    static boolean hasCapability(int bit) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("CapEff:")) return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << bit)) != 0;
        return false;
    }

    @Test
    void aDeviceHoldingSomethingElseIsNotBlank() throws Exception {
        String dev = loopOf(64L << 20);
        runner.check(List.of("mkswap", dev));
        Filesystems.Probe p = fs.probe(dev);
        assertEquals("swap", p.fsType(), "a signature that is not ext4/xfs is still reported");
    }

    @Test
    void mkfsOptionsRejectHostPathsAndShellSyntax() {
        assertEquals(List.of("-L", "data", "-O", "^has_journal"), Filesystems.mkfsArgs("ext4", " -L data  -O ^has_journal "));
        assertEquals(List.of(), Filesystems.mkfsArgs("ext4", null));
        for (String bad : List.of("-d /etc", "-d etc", "-L a;reboot", "-L $(id)", "-E root_owner=0:0 -J device=/dev/sda", "a\0b",
                "-dh5", "-Fd src", "-lbadblocks", "-Jdevice=/dev/sda", "-pfile"))
            assertThrows(VolumeException.InvalidArgument.class, () -> Filesystems.mkfsArgs("ext4", bad), bad);
    }

    @Test
    void aFailingCommandReportsItsStderr() {
        VolumeException e = assertThrows(VolumeException.class, () -> fs.format(dir.resolve("nope").toString(), "ext4", null));
        assertTrue(e.getMessage().contains("mkfs.ext4") && e.getMessage().contains("nope"), e.getMessage());
        assertThrows(VolumeException.FailedPrecondition.class, () -> runner.check(List.of("/nonexistent/tool")));
    }
}
