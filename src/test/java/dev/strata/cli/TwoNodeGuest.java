package dev.strata.cli;

import csi.v1.Csi.ControllerPublishVolumeRequest;
import csi.v1.Csi.ControllerUnpublishVolumeRequest;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import dev.strata.cli.FailoverVmTest.Writer;
import dev.strata.store.S3Config;
import dev.strata.testing.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two `strata serve` processes in the QEMU guest — node-a and node-b, each with its own state
 * and kubelet directories, one S3 bucket, node agents on loopback with one token — and the
 * CSI steps that attach a block volume on a node and take it away again. The guest tests of
 * volumes that move between nodes or span them extend it. Clean-up stops the writers, then
 * the servers and their devices, and says each step (with a watchdog if it hangs).
 */
abstract class TwoNodeGuest {
    @RegisterExtension
    static final S3ProxyExtension PROXY = S3Server.extension();

    static final int RECORD = 4096;
    static final long SIZE = 64L << 20;

    final List<Process> servers = new ArrayList<>();
    /** Writers still running at the end are stopped before the devices are removed (an open device blocks DEL_DEV). */
    final List<Writer> writers = new ArrayList<>();
    Path work, secret, tokenFile;
    S3Config bucket;

    /** Names the test's temporary directory and its servers' logs. */
    abstract String name();

    @BeforeEach
    void setUpNodes() throws Exception {
        work = Files.createTempDirectory("strata-" + name());
        bucket = S3Server.freshBucket(PROXY);
        secret = Files.writeString(work.resolve("s3-secret"), S3Server.SECRET);
        tokenFile = Files.writeString(work.resolve("agent-token"), HexFormat.of().formatHex(new byte[24]).replace('0', 'a'));
    }

    @AfterEach
    void tearDownNodes() throws Exception {
        try (GuestWatchdog w = GuestWatchdog.watch(name() + " clean-up", Duration.ofMinutes(3))) {
            step("clean-up: stopping writers");
            for (Writer wr : writers) wr.stopping = true;
            for (Writer wr : writers) wr.join(60_000);
            step("clean-up: unmounting");
            // only unmount here: cleanUpGuest also deletes every ublk device, and DEL_DEV of a device a
            // live server still serves waits for that server to let go of it — forever (the hang seen here)
            for (String n : List.of("node-a", "node-b")) NodeVmTest.unmountUnder(kubelet(n));
            step("clean-up: stopping servers and devices");
            NodeVmTest.cleanUpGuest(work.resolve("none"), servers);
            step("clean-up: done");
        }
    }

    /** Says a clean-up step on the console, with the time. */
    void step(String what) {
        System.out.println(name() + "-vm: " + java.time.Instant.now() + " " + what);
    }

    Path kubelet(String node) {
        return work.resolve("kubelet-" + node);
    }

    Path state(String node) {
        return work.resolve("state-" + node);
    }

    Path staging(String node, String id) {
        return kubelet(node).resolve("staging/" + id);
    }

    Path target(String node, String id) {
        return kubelet(node).resolve("pods/" + id + "/device");
    }

    /** `strata serve` as {@code node}, its bucket reached at {@code endpoint} (the proxy, or a faulty proxy in front of it). */
    Process serve(String node, String endpoint) throws Exception {
        List<String> args = List.of("serve", "--store", "s3://" + bucket.bucket() + "/" + bucket.prefix(), "--s3-endpoint", endpoint,
                "--s3-path-style", "--s3-access-key", S3Server.ACCESS, "--s3-secret-key-file", secret.toString(),
                "--state-dir", state(node).toString(), "--node-id", node, "--kubelet-dir", kubelet(node).toString(),
                "--agent-listen", "127.0.0.1:0", "--agent-token-file", tokenFile.toString());
        return NodeVmTest.launch(args, name() + "-" + node, state(node).resolve("csi.sock"), servers);
    }

    /** ControllerPublish through {@code controller}, NodeStage and NodePublish on {@code node}; the block device's path. */
    Path attach(CsiClient controller, CsiClient nodeClient, String node, String id) {
        Map<String, String> ctx = controller.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder()
                .setVolumeId(id).setNodeId(node).setVolumeCapability(NodeVmTest.block()).build()).getPublishContextMap();
        nodeClient.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(staging(node, id).toString()).setVolumeCapability(NodeVmTest.block())
                .putAllPublishContext(ctx).build());
        nodeClient.node().nodePublishVolume(NodePublishVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(staging(node, id).toString()).setTargetPath(target(node, id).toString())
                .setVolumeCapability(NodeVmTest.block()).build());
        return target(node, id);
    }

    /** NodeUnpublish and NodeUnstage on {@code node}. */
    void unstage(CsiClient nodeClient, String node, String id) {
        nodeClient.node().nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id)
                .setTargetPath(target(node, id).toString()).build());
        nodeClient.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(staging(node, id).toString()).build());
    }

    /** ControllerUnpublish from {@code node} through {@code controller}. */
    void unpublish(CsiClient controller, String node, String id) {
        controller.controller().controllerUnpublishVolume(ControllerUnpublishVolumeRequest.newBuilder().setVolumeId(id)
                .setNodeId(node).build());
    }
}
