package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateVolumeRequest;
import dev.strata.node.Devices;
import dev.strata.node.LoopDevices;
import dev.strata.store.FileObjectStore;
import dev.strata.testing.Privileged;
import dev.strata.volume.BlockTarget;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `strata attach` leaves nothing behind when it fails: no node service, or a failed stage. */
class AttachRollbackTest {
    @TempDir Path stateDir;
    @TempDir Path kubelet;

    record Run(int code, String err) {}

    Run strata(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            List<String> full = new ArrayList<>(List.of(args));
            full.addAll(List.of("--state-dir", stateDir.toString(), "--node-id", "here"));
            return new Run(Main.run(full.toArray(String[]::new)), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(old);
        }
    }

    void createDisk(ServerRoot server) throws InterruptedException {
        try (CsiClient csi = new CsiClient(server.server().socket())) {
            csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("disk").addVolumeCapabilities(CsiConformanceContract.block())
                    .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(32L << 20)).build());
        }
    }

    void assertNotPublished() {
        try (var store = new FileObjectStore(stateDir.resolve("bucket"))) {
            assertNull(new Registry(store, Clock.systemUTC()).resolve(new VolumeName("disk")).owner(), "attach left the volume published");
        }
    }

    @Test
    void withoutANodeServiceAttachSaysWhyAndPublishesNothing() throws Exception {
        StoreOptions store = new StoreOptions();
        store.stateDir = stateDir;
        ServerOptions options = new ServerOptions();
        options.nodeId = "here";
        try (ServerRoot server = ServerRoot.start(store, options, true)) {   // as `strata serve` on a kernel without ublk
            createDisk(server);
            Run r = strata("attach", "disk");
            assertEquals(Failures.USER_ERROR, r.code(), r.err());
            assertTrue(r.err().contains("no Node service"), r.err());
            if (!Files.exists(Path.of("/dev/ublk-control")))
                assertTrue(r.err().contains("this kernel has no ublk driver: modprobe ublk_drv (Linux 6.5+)"), r.err());
            assertTrue(!r.err().contains("UNIMPLEMENTED"), r.err());
            assertNotPublished();
        }
    }

    @Test
    void aFailedStageIsUndone() throws Exception {
        Privileged.assumeRootWithLoopDevices();
        LoopDevices loops = new LoopDevices(kubelet.resolve("loops"));
        Devices firstAddFails = new Devices() {   // the stage's device fails once; everything after works
            final AtomicBoolean failed = new AtomicBoolean();

            @Override
            public Device add(BlockTarget target) {
                if (failed.compareAndSet(false, true)) throw new VolumeException.Unavailable("injected: no device this time", null);
                return loops.add(target);
            }

            @Override
            public Optional<Device> recover(int devId, BlockTarget target) {
                return loops.recover(devId, target);
            }

            @Override
            public void discard(int devId) {
                loops.discard(devId);
            }

            @Override
            public long maxDevices() {
                return loops.maxDevices();
            }

            @Override
            public void close() {
                loops.close();
            }
        };
        StoreOptions store = new StoreOptions();
        store.stateDir = stateDir;
        ServerOptions options = new ServerOptions();
        options.nodeId = "here";
        NodeOptions node = new NodeOptions();
        node.kubeletDir = kubelet;
        node.cleanCacheBytes = 16L << 20;
        try (ServerRoot server = ServerRoot.start(store, options,
                new ServerRoot.Parts(true, true, node, firstAddFails, new NodeOptions.Token(), true))) {
            createDisk(server);
            Run r = strata("attach", "disk");
            assertNotEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("injected") && r.err().contains("undone"), "exit " + r.code() + ": " + r.err());
            assertNotPublished();
        } finally {
            loops.detachAll();
        }
    }
}
