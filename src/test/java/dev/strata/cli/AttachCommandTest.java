package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import dev.strata.node.LocalMap;
import dev.strata.node.LoopDevices;
import dev.strata.testing.Privileged;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `strata attach` / `strata detach` against a running server (in-process, loop devices
 * standing in for ublk on this host): publish + stage as a raw block device under
 * {@code <state>/attach}, then unstage + unpublish.
 */
class AttachCommandTest {
    @TempDir Path stateDir;
    @TempDir Path kubelet;
    LoopDevices devices;
    ServerRoot server;

    @BeforeEach
    void start() {
        Privileged.assumeRootWithLoopDevices();
        devices = new LoopDevices(stateDir.resolve("loops"));
        server = LoopNode.start(stateDir, kubelet, "here", devices);
    }

    @AfterEach
    void stop() {
        if (devices == null) return;  // skipped: not root
        server.close();
        devices.detachAll();
    }

    String strata(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            List<String> full = new java.util.ArrayList<>(List.of(args));
            full.addAll(List.of("--state-dir", stateDir.toString(), "--node-id", "here"));
            int code = Main.run(full.toArray(String[]::new));
            assertEquals(0, code, "exit code of strata " + String.join(" ", args));
            return out.toString(StandardCharsets.UTF_8).strip();
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void attachMakesABlockDeviceAndDetachReleasesIt() throws Exception {
        try (CsiClient csi = new CsiClient(server.server().socket())) {
            csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("disk").addVolumeCapabilities(CsiConformanceContract.block())
                    .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(32L << 20)).build());
        }
        String device = strata("attach", "disk");
        LocalMap.Entry entry = LocalMap.open(stateDir.resolve("node")).entries().getFirst();
        assertEquals("/dev/ublkb" + entry.devId(), device, "attach prints the device of the local map entry");
        assertEquals(LocalMap.Access.BLOCK, entry.access());
        assertTrue(Path.of(entry.stagingPath()).startsWith(stateDir.resolve("attach")), entry.stagingPath());
        try (var store = new dev.strata.store.FileObjectStore(stateDir.resolve("bucket"))) {
            assertEquals("here", new Registry(store, Clock.systemUTC()).resolve(new VolumeName("disk")).owner().node());
        }

        assertEquals("detached disk", strata("detach", "disk"));
        assertEquals(List.of(), LocalMap.open(stateDir.resolve("node")).entries());
        try (var store = new dev.strata.store.FileObjectStore(stateDir.resolve("bucket"))) {
            assertNull(new Registry(store, Clock.systemUTC()).resolve(new VolumeName("disk")).owner(), "the volume is released");
        }
    }
}
