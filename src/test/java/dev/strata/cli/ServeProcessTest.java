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

    static Process serve(Path state, String nodeId, String log) throws java.io.IOException {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--state-dir", state.toString(),
                "--node-id", nodeId, "--no-node"))
                .redirectErrorStream(true).redirectOutput(state.resolve(log).toFile()).start();
    }

    static void awaitSocket(Path socket, Process serve, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket) && System.nanoTime() < deadline && serve.isAlive()) Thread.sleep(100);
        assertTrue(Files.exists(socket), Files.readString(log));
    }

    /**
     * Regression (issue 12): a second serve on the same state dir deleted and re-created the
     * first one's socket, opened the same caches and started a second uploader under the same
     * epoch; stopping it removed the socket. It now exits at once, naming the first one's PID.
     */
    @Test
    void aSecondServerOnTheSameStateDirExitsAtOnceAndTouchesNothing() throws Exception {
        Path socket = state.resolve("csi.sock");
        Process first = serve(state, "test-node", "first.log");
        try {
            awaitSocket(socket, first, state.resolve("first.log"));
            Object socketBefore = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            Process second = serve(state, "test-node", "second.log");
            assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second server exits");
            String said = Files.readString(state.resolve("second.log"));
            assertEquals(Failures.USER_ERROR, second.exitValue(), said);
            assertTrue(said.contains("in use by another strata server (pid " + first.pid() + ")"), said);
            assertEquals(socketBefore, Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                    "the first server's socket is the same file");
            try (CsiClient csi = new CsiClient(socket)) {
                assertEquals("csi.strata.dev", csi.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName(),
                        "the first server still answers");
            }
        } finally {
            first.destroy();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
    }

    /**
     * Regression (issue 12): restarting on the same state dir under another node id (the
     * default is the host name) took the volumes of the local map for revoked and removed
     * their devices. It is now refused before anything is touched.
     */
    @Test
    void aStateDirIsServedOnlyUnderTheNodeIdItWasFirstServedAs() throws Exception {
        Process first = serve(state, "node-one", "first.log");
        awaitSocket(state.resolve("csi.sock"), first, state.resolve("first.log"));
        first.destroy();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        Process renamed = serve(state, "node-two", "renamed.log");
        assertTrue(renamed.waitFor(60, TimeUnit.SECONDS), "a server under another node id exits");
        String said = Files.readString(state.resolve("renamed.log"));
        assertEquals(Failures.USER_ERROR, renamed.exitValue(), said);
        assertTrue(said.contains("belongs to node 'node-one'") && said.contains("--node-id node-one"), said);
        assertTrue(!Files.exists(state.resolve("csi.sock")), "it opened no socket");
    }

    @Test
    void serveAnswersOnItsSocketAndStopsOnSigterm() throws Exception {
        Path socket = state.resolve("csi.sock");
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        int metricsPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            metricsPort = free.getLocalPort();
        }
        Process serve = new ProcessBuilder(List.of(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "serve", "--state-dir", state.toString(),
                "--node-id", "test-node", "--no-node", "--metrics-port", Integer.toString(metricsPort)))
                .redirectErrorStream(true).redirectOutput(state.resolve("serve.log").toFile()).start();
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
            var http = java.net.http.HttpClient.newHttpClient();
            String metrics = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("strata_csi_rpc_total") && metrics.contains("strata_store_requests_total"),
                    "the metrics endpoint serves Strata's metrics:\n" + metrics.substring(0, Math.min(2000, metrics.length()))
                            + "\n" + Files.readString(state.resolve("serve.log")));
            assertEquals(200, http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/-/healthy")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            serve.destroy();
            assertTrue(serve.waitFor(30, TimeUnit.SECONDS), "SIGTERM stops strata serve");
        }
        assertTrue(!Files.exists(socket), "the socket is removed on shutdown");
    }
}
