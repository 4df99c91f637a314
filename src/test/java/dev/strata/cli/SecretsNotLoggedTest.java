package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.store.S3Config;
import dev.strata.testing.S3Server;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md's promise "secrets are never logged", checked on a full run: `strata serve`
 * against an S3 server with a secret key file and an agent token, at DEBUG level, through
 * successful and failing CSI calls and admin commands (including a wrong secret); then every
 * line it printed is scanned for the secret values.
 */
class SecretsNotLoggedTest {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();
    static final String TOKEN = "agent-token-that-must-never-be-printed-0123";

    @TempDir Path state;

    List<String> base(S3Config bucket, Path secretFile) {
        return List.of("--store", "s3://" + bucket.bucket() + "/" + bucket.prefix(), "--s3-endpoint", bucket.endpoint().toString(),
                "--s3-path-style", "--s3-access-key", S3Server.ACCESS, "--s3-secret-key-file", secretFile.toString(),
                "--state-dir", state.toString());
    }

    Process strata(List<String> args, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("STRATA_LOG_LEVEL", "DEBUG");
        return pb.start();
    }

    @Test
    void noSecretAppearsInAnyLogLine() throws Exception {
        S3Config bucket = S3Server.freshBucket(PROXY);
        Path secretFile = Files.writeString(state.resolve("s3-secret"), S3Server.SECRET);
        Path tokenFile = Files.writeString(state.resolve("token"), TOKEN);
        Path log = state.resolve("all.log");

        List<String> serveArgs = new ArrayList<>(List.of("serve", "--node-id", "n1", "--agent-token-file", tokenFile.toString(), "--no-node"));
        serveArgs.addAll(base(bucket, secretFile));
        Process serve = strata(serveArgs, log);
        Path socket = state.resolve("csi.sock");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(socket) && System.nanoTime() < deadline && serve.isAlive()) Thread.sleep(100);
            assertTrue(Files.exists(socket), Files.readString(log));
            try (CsiClient csi = new CsiClient(socket)) {
                String id = csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("v1")
                        .addVolumeCapabilities(CsiConformanceContract.block()).build()).getVolume().getVolumeId();
                csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(id).setNodeId("n1")
                        .setVolumeCapability(CsiConformanceContract.block()).build());
                csi.controller().createSnapshot(CreateSnapshotRequest.newBuilder().setName("s1").setSourceVolumeId(id).build());
                assertThrows(StatusRuntimeException.class, () -> csi.controller().createVolume(CreateVolumeRequest.newBuilder()
                        .setName("bad").addVolumeCapabilities(CsiConformanceContract.block()).putParameters("from", "image:missing").build()));
                assertThrows(StatusRuntimeException.class, () -> csi.controller().createVolume(CreateVolumeRequest.newBuilder()
                        .setName("bad2").addVolumeCapabilities(CsiConformanceContract.block())
                        .putParameters("secret", S3Server.SECRET).build()), "a secret passed where it does not belong is refused");
            }
        } finally {
            serve.destroy();
            serve.waitFor(30, TimeUnit.SECONDS);
        }
        List<String> volumes = new ArrayList<>(List.of("volumes"));
        volumes.addAll(base(bucket, secretFile));
        assertTrue(strata(volumes, log).waitFor(60, TimeUnit.SECONDS));
        Path wrong = Files.writeString(state.resolve("wrong-secret"), "wrong-" + S3Server.SECRET);
        List<String> denied = new ArrayList<>(List.of("volumes"));
        denied.addAll(base(bucket, wrong));
        assertTrue(strata(denied, log).waitFor(60, TimeUnit.SECONDS));

        String all = Files.readString(log);
        assertTrue(all.contains("strata started") && all.contains("DEBUG"), "the run logged at DEBUG:\n" + all);
        assertTrue(all.contains("n1") && all.contains(bucket.bucket()), "the log names non-secret facts");
        assertFalse(all.contains("source=\"null\""), "a blank volume logs its source as blank, not null");
        assertEquals(List.of(), all.lines().filter(l -> l.contains("=\"null\"")).toList(), "no log value is the string null");
        for (String secret : List.of(S3Server.SECRET, TOKEN, "wrong-" + S3Server.SECRET))
            assertFalse(all.contains(secret), "a secret was logged:\n" + all.lines().filter(l -> l.contains(secret)).toList());
    }
}
