package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.CreateVolumeRequest;
import csi.v1.Csi.GetPluginInfoRequest;
import csi.v1.Csi.VolumeCapability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code strata serve} as its own process: the socket comes up, answers CSI, and a SIGTERM stops it cleanly. */
class ServeProcessTest {
    @TempDir Path state;

    @Test
    void serveAnswersOnItsSocketAndStopsOnSigterm() throws Exception {
        Path socket = state.resolve("csi.sock");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process serve = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--state-dir", state.toString(),
                "--node-id", "test-node")).redirectErrorStream(true).redirectOutput(state.resolve("serve.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(socket) && System.nanoTime() < deadline && serve.isAlive()) Thread.sleep(100);
            assertTrue(Files.exists(socket), Files.readString(state.resolve("serve.log")));
            try (CsiClient csi = new CsiClient(socket)) {
                assertEquals("csi.strata.dev", csi.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName());
                var v = csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("from-a-process")
                        .addVolumeCapabilities(CsiConformanceContract.block()).build()).getVolume();
                assertEquals("from-a-process", v.getVolumeId());
            }
            assertTrue(Files.exists(state.resolve("bucket/objects/volumes/from-a-process/volume.json~")),
                    "the embedded store is under the state dir");
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops strata serve");
        }
        assertTrue(!Files.exists(socket), "the socket is removed on shutdown");
    }
}
