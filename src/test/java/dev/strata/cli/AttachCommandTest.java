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
        Run run = run(args);
        assertEquals(0, run.code(), "exit code of strata " + String.join(" ", args) + ": " + run.err());
        return run.out();
    }

    record Run(int code, String out, String err) {}

    Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            List<String> full = new java.util.ArrayList<>(List.of(args));
            full.addAll(List.of("--state-dir", stateDir.toString()));
            if (args[0].equals("attach") || args[0].equals("detach")) full.addAll(List.of("--node-id", "here"));
            int code = Main.run(full.toArray(String[]::new));
            return new Run(code, out.toString(StandardCharsets.UTF_8).strip(), err.toString(StandardCharsets.UTF_8).strip());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** What a fork of {@code ref} reads at its start (a fresh volume attached on a probe node). */
    byte[] contents(String ref, int length) {
        try (var store = new dev.strata.store.FileObjectStore(stateDir.resolve("bucket"))) {
            Registry registry = new Registry(store, Clock.systemUTC());
            VolumeName probe = new VolumeName("probe-" + Integer.toHexString(ref.hashCode()));
            registry.create(new dev.strata.volume.CreateSpec(probe, null, 0, 0, dev.strata.volume.FromRef.parse(ref), java.util.Map.of()));
            long epoch = registry.ownership().grant(probe, new dev.strata.volume.NodeId("probe"), false, null).owner().epoch();
            try (var v = dev.strata.volume.AttachedVolume.attach(registry, new dev.strata.volume.PackCache(store, 1 << 20), probe, epoch,
                    stateDir.resolve("probe-cache").resolve(probe.value()), dev.strata.volume.EngineOptions.DEFAULTS, Clock.systemUTC())) {
                java.nio.ByteBuffer back = java.nio.ByteBuffer.allocate(length);
                v.read(0, back);
                return back.array();
            }
        }
    }

    /**
     * Regression (issue 12): with the volume attached and its writes acknowledged but not yet
     * uploaded, `snapshots create`, `volumes create --from volume:` and `bless --from volume:`
     * read the newest committed generation from the bucket — every written block was zeros in
     * all three. They now cut through the holder, like the controller.
     */
    @Test
    void adminVerbsOnAnAttachedVolumeCutThroughItsHolder() throws Exception {
        try (CsiClient csi = new CsiClient(server.server().socket())) {
            csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("sv").addVolumeCapabilities(CsiConformanceContract.block())
                    .putParameters("rpo", "3600").setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(32L << 20)).build());
        }
        strata("attach", "sv");
        byte[] data = new byte[107 * 4096];
        new java.util.Random(12).nextBytes(data);
        devices.targets.getLast().write(0, java.nio.ByteBuffer.wrap(data));
        devices.targets.getLast().flush();

        String committedOnly = strata("snapshots", "create", "sv", "--committed");
        String snapshot = strata("snapshots", "create", "sv");
        strata("volumes", "create", "clone", "--from", "volume:sv");
        strata("bless", "golden", "--from", "volume:sv");

        org.junit.jupiter.api.Assertions.assertArrayEquals(data, contents("snapshot:" + snapshot, data.length), "the snapshot");
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, contents("volume:clone", data.length), "the clone");
        org.junit.jupiter.api.Assertions.assertArrayEquals(data, contents("image:golden", data.length), "the image");
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[data.length], contents("snapshot:" + committedOnly, data.length),
                "--committed takes what the bucket had: nothing yet");
    }

    @Test
    void aCutOfAVolumeWhoseHolderCannotBeReachedIsRefusedNamingIt() {
        try (var store = new dev.strata.store.FileObjectStore(stateDir.resolve("bucket"))) {
            Registry registry = new Registry(store, Clock.systemUTC());
            VolumeName v = new VolumeName("far");
            registry.create(new dev.strata.volume.CreateSpec(v, null, 16L << 20, 0, dev.strata.volume.FromRef.BLANK, java.util.Map.of()));
            registry.registerNode(new dev.strata.volume.NodeId("gone-node"), "127.0.0.1:1", 64);
            registry.ownership().grant(v, new dev.strata.volume.NodeId("gone-node"), false, "127.0.0.1:1");
        }
        for (String[] verb : new String[][] {{"snapshots", "create", "far"}, {"volumes", "create", "c2", "--from", "volume:far"},
                {"bless", "img2", "--from", "volume:far"}}) {
            Run run = run(verb);
            assertEquals(Failures.UNAVAILABLE, run.code(), String.join(" ", verb) + ": " + run.err());
            assertTrue(run.err().contains("gone-node") && run.err().contains("--committed"), run.err());
        }
        assertTrue(run("volumes", "create", "c3", "--from", "volume:far", "--committed").code() == 0);
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
