package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.CapacityRange;
import csi.v1.Csi.CreateSnapshotRequest;
import csi.v1.Csi.CreateVolumeRequest;
import dev.strata.node.LoopDevices;
import dev.strata.testing.Privileged;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/SECURITY.md: whatever the umask, everything Strata creates under its state dir is
 * private — directories 0700, files and the CSI socket 0600. Run with umask 000, the worst.
 */
class FileModesTest {
    @TempDir Path state;
    @TempDir Path outside;

    /** Every path under {@code root} (itself included) whose mode is not private, with its mode. */
    static List<String> notPrivate(Path root) throws Exception {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                String want = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                if (!mode.equals(want)) bad.add(root.relativize(p) + " " + mode);
            }
        }
        return bad;
    }

    @Test
    void serveUnderUmask000CreatesOnlyPrivatePaths() throws Exception {
        Path socket = state.resolve("csi.sock"), log = outside.resolve("serve.log");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        String cmd = "umask 000; exec \"$0\" --enable-native-access=ALL-UNNAMED -cp \"$1\" " + Main.class.getName()
                + " serve --state-dir \"$2\" --node-id test-node --no-node";
        Process serve = new ProcessBuilder(List.of("sh", "-c", cmd, javaBin, System.getProperty("java.class.path"), state.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(socket) && System.nanoTime() < deadline && serve.isAlive()) Thread.sleep(100);
            assertTrue(Files.exists(socket), Files.readString(log));
            try (CsiClient csi = new CsiClient(socket)) {
                String id = csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("v1")
                        .addVolumeCapabilities(CsiConformanceContract.block()).build()).getVolume().getVolumeId();
                csi.controller().createSnapshot(CreateSnapshotRequest.newBuilder().setName("s1").setSourceVolumeId(id).build());
            }
            assertTrue(Files.exists(state.resolve("bucket/objects/volumes/v1/volume.json~")), "the embedded bucket is under the state dir");
            assertEquals(List.of(), notPrivate(state), "paths serve created under umask 000 that others could use");
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops strata serve");
        }
    }

    @Test
    void theNodeCacheMetaLogAndLocalMapArePrivateUnderUmask000() throws Throwable {
        Privileged.assumeRootWithLoopDevices();
        MethodHandle umask = Linker.nativeLinker().downcallHandle(Linker.nativeLinker().defaultLookup().find("umask").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int old = (int) umask.invokeExact(0);
        LoopDevices devices = new LoopDevices(outside.resolve("loops"));
        try (ServerRoot server = LoopNode.start(state, outside.resolve("kubelet"), "here", devices)) {
            try (CsiClient csi = new CsiClient(server.server().socket())) {
                csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("disk").addVolumeCapabilities(CsiConformanceContract.block())
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(32L << 20)).build());
            }
            assertEquals(0, Main.run("attach", "disk", "--state-dir", state.toString(), "--node-id", "here"));
            Path volume = state.resolve("node/volumes/disk");
            for (String f : List.of("data", "meta.log")) assertTrue(Files.exists(volume.resolve(f)), f + " under " + volume);
            assertTrue(Files.exists(state.resolve("node/local-map.json")));
            assertEquals(List.of(), notPrivate(state), "paths the node created under umask 000 that others could use");
            assertEquals(0, Main.run("detach", "disk", "--state-dir", state.toString(), "--node-id", "here"));
        } finally {
            int ignored = (int) umask.invokeExact(old);
            devices.detachAll();
        }
    }
}
