package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import csi.v1.Csi.*;
import dev.strata.node.LocalMap;
import dev.strata.node.LoopDevices;
import dev.strata.node.Mounts;
import dev.strata.node.ProcessRunner;
import dev.strata.store.FileObjectStore;
import dev.strata.store.ObjectKey;
import dev.strata.testing.Privileged;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input tour: every CSI RPC with each required field missing, oversized, of the
 * wrong kind or pointing outside its domain. Each must answer the CSI code with a message
 * naming the problem — and nothing may be written: the bucket holds only what the setup
 * made, the local map stays empty, nothing is mounted.
 */
class BadInputTourTest {
    @TempDir Path stateDir;
    @TempDir Path kubelet;
    LoopDevices devices;
    ServerRoot server;
    CsiClient csi;
    String vol;
    Map<String, String> ctx;

    static final String LONG = "x".repeat(129);

    @BeforeEach
    void start() {
        Privileged.assumeRootWithLoopDevices();
        devices = new LoopDevices(stateDir.resolve("loops"));
        server = LoopNode.start(stateDir, kubelet, "node-1", devices);
        csi = new CsiClient(server.server().socket());
        vol = csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("tour").addVolumeCapabilities(NodeServiceTest.mount("ext4"))
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(64L << 20)).build()).getVolume().getVolumeId();
        ctx = csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(vol).setNodeId("node-1")
                .setVolumeCapability(NodeServiceTest.mount("ext4")).build()).getPublishContextMap();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (devices == null) return;  // skipped: not root
        csi.close();
        server.close();
        devices.detachAll();
    }

    record Case(String what, Status.Code code, String mentions, Supplier<Object> call) {}

    @Test
    void everyRpcRefusesBadInputWithTheRightCodeAndWritesNothing() {
        VolumeCapability mount = NodeServiceTest.mount("ext4");
        String staging = kubelet.resolve("staging/tour").toString();
        String target = kubelet.resolve("pods/p/vol").toString();
        var c = csi.controller();
        var n = csi.node();
        CreateVolumeRequest create = CreateVolumeRequest.newBuilder().setName("new-vol").addVolumeCapabilities(mount).build();
        NodeStageVolumeRequest stage = NodeStageVolumeRequest.newBuilder().setVolumeId(vol).setStagingTargetPath(staging)
                .setVolumeCapability(mount).putAllPublishContext(ctx).build();
        NodePublishVolumeRequest publish = NodePublishVolumeRequest.newBuilder().setVolumeId(vol).setStagingTargetPath(staging)
                .setTargetPath(target).setVolumeCapability(mount).build();
        List<Case> cases = List.of(
                new Case("CreateVolume without name", Status.Code.INVALID_ARGUMENT, "name", () -> c.createVolume(create.toBuilder().clearName().build())),
                new Case("CreateVolume with NUL in name", Status.Code.INVALID_ARGUMENT, "NUL", () -> c.createVolume(create.toBuilder().setName("a\0b").build())),
                new Case("CreateVolume with a 129-byte name", Status.Code.INVALID_ARGUMENT, "128", () -> c.createVolume(create.toBuilder().setName(LONG).build())),
                new Case("CreateVolume without capabilities", Status.Code.INVALID_ARGUMENT, "volume_capabilities", () -> c.createVolume(create.toBuilder().clearVolumeCapabilities().build())),
                new Case("CreateVolume multi-node", Status.Code.INVALID_ARGUMENT, "access mode", () -> c.createVolume(create.toBuilder().clearVolumeCapabilities()
                        .addVolumeCapabilities(NodeServiceTest.mount("ext4", VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER)).build())),
                new Case("CreateVolume unknown parameter", Status.Code.INVALID_ARGUMENT, "unknown parameter", () -> c.createVolume(create.toBuilder().putParameters("colour", "blue").build())),
                new Case("CreateVolume from a path", Status.Code.INVALID_ARGUMENT, "image name '../../etc'", () -> c.createVolume(create.toBuilder().putParameters("from", "image:../../etc").build())),
                new Case("CreateVolume mkfs reading host files", Status.Code.INVALID_ARGUMENT, "mkfsOptions", () -> c.createVolume(create.toBuilder().putParameters("mkfsOptions", "-d /etc").build())),
                new Case("CreateVolume negative size", Status.Code.INVALID_ARGUMENT, "negative", () -> c.createVolume(create.toBuilder().setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(-1)).build())),
                new Case("CreateVolume from a missing snapshot", Status.Code.NOT_FOUND, "snapshot", () -> c.createVolume(create.toBuilder().setVolumeContentSource(
                        VolumeContentSource.newBuilder().setSnapshot(VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId("tour@99"))).build())),
                new Case("DeleteVolume without id", Status.Code.INVALID_ARGUMENT, "volume_id", () -> c.deleteVolume(DeleteVolumeRequest.getDefaultInstance())),
                new Case("ControllerPublish without node", Status.Code.INVALID_ARGUMENT, "node_id", () -> c.controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(vol).setVolumeCapability(mount).build())),
                new Case("ControllerPublish of ../etc", Status.Code.NOT_FOUND, "does not exist", () -> c.controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId("../etc").setNodeId("node-1").setVolumeCapability(mount).build())),
                new Case("ControllerPublish to an unknown node", Status.Code.NOT_FOUND, "node", () -> c.controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(vol).setNodeId("nowhere").setVolumeCapability(mount).build())),
                new Case("ControllerUnpublish without id", Status.Code.INVALID_ARGUMENT, "volume_id", () -> c.controllerUnpublishVolume(ControllerUnpublishVolumeRequest.getDefaultInstance())),
                new Case("ValidateVolumeCapabilities without capabilities", Status.Code.INVALID_ARGUMENT, "volume_capabilities", () -> c.validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder().setVolumeId(vol).build())),
                new Case("ListVolumes with a forged token", Status.Code.ABORTED, "token", () -> c.listVolumes(ListVolumesRequest.newBuilder().setStartingToken("../../x").build())),
                new Case("CreateSnapshot without source", Status.Code.INVALID_ARGUMENT, "source_volume_id", () -> c.createSnapshot(CreateSnapshotRequest.newBuilder().setName("s").build())),
                new Case("CreateSnapshot with a parameter", Status.Code.INVALID_ARGUMENT, "parameters", () -> c.createSnapshot(CreateSnapshotRequest.newBuilder().setName("s").setSourceVolumeId(vol).putParameters("x", "y").build())),
                new Case("DeleteSnapshot without id", Status.Code.INVALID_ARGUMENT, "snapshot_id", () -> c.deleteSnapshot(DeleteSnapshotRequest.getDefaultInstance())),
                new Case("ControllerExpand without id", Status.Code.INVALID_ARGUMENT, "volume_id", () -> c.controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(1 << 30)).build())),
                new Case("ControllerGetVolume of a 129-byte id", Status.Code.INVALID_ARGUMENT, "128", () -> c.controllerGetVolume(ControllerGetVolumeRequest.newBuilder().setVolumeId(LONG).build())),
                new Case("NodeStage outside the kubelet dir", Status.Code.INVALID_ARGUMENT, "outside", () -> n.nodeStageVolume(stage.toBuilder().setStagingTargetPath("/var/lib/strata/x").build())),
                new Case("NodeStage with ..", Status.Code.INVALID_ARGUMENT, "..", () -> n.nodeStageVolume(stage.toBuilder().setStagingTargetPath(kubelet + "/../../etc").build())),
                new Case("NodeStage with NUL", Status.Code.INVALID_ARGUMENT, "NUL", () -> n.nodeStageVolume(stage.toBuilder().setStagingTargetPath(kubelet + "/a\0b").build())),
                new Case("NodeStage without epoch", Status.Code.INVALID_ARGUMENT, "publish_context", () -> n.nodeStageVolume(stage.toBuilder().clearPublishContext().build())),
                new Case("NodeStage with a text epoch", Status.Code.INVALID_ARGUMENT, "number", () -> n.nodeStageVolume(stage.toBuilder().putPublishContext(ctx.keySet().iterator().next(), "one").build())),
                new Case("NodeStage unknown fs", Status.Code.INVALID_ARGUMENT, "fs_type", () -> n.nodeStageVolume(stage.toBuilder().setVolumeCapability(NodeServiceTest.mount("ntfs")).build())),
                new Case("NodeStage with a mount flag naming a device", Status.Code.INVALID_ARGUMENT, "mount flag", () -> n.nodeStageVolume(stage.toBuilder()
                        .setVolumeCapability(NodeServiceTest.mount("ext4", VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER, "loop=/dev/sda")).build())),
                new Case("NodeUnstage without path", Status.Code.INVALID_ARGUMENT, "staging_target_path", () -> n.nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(vol).build())),
                new Case("NodePublish of an unstaged volume", Status.Code.FAILED_PRECONDITION, "NodeStageVolume", () -> n.nodePublishVolume(publish)),
                new Case("NodePublish to /etc", Status.Code.INVALID_ARGUMENT, "outside", () -> n.nodePublishVolume(publish.toBuilder().setTargetPath("/etc/passwd").build())),
                new Case("NodeUnpublish without target", Status.Code.INVALID_ARGUMENT, "target_path", () -> n.nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(vol).build())),
                // the spec's order: an unknown (unstaged) volume is NOT_FOUND before the path is looked at
                new Case("NodeGetVolumeStats relative path of an unstaged volume", Status.Code.NOT_FOUND, "not staged", () -> n.nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(vol).setVolumePath("pods/p").build())),
                new Case("NodeExpand negative of an unstaged volume", Status.Code.NOT_FOUND, "not staged", () -> n.nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId(vol).setVolumePath(target)
                        .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(-5)).build())));
        List<String> wrong = new ArrayList<>();
        for (Case k : cases) {
            try {
                k.call().get();
                wrong.add(k.what() + ": accepted");
            } catch (StatusRuntimeException e) {
                String d = String.valueOf(e.getStatus().getDescription());
                if (e.getStatus().getCode() != k.code() || !d.contains(k.mentions()))
                    wrong.add(k.what() + ": " + e.getStatus().getCode() + " '" + d + "' (wanted " + k.code() + " mentioning '" + k.mentions() + "')");
            }
        }
        assertEquals(List.of(), wrong);

        try (FileObjectStore bucket = new FileObjectStore(stateDir.resolve("bucket"))) {
            List<String> volumes = bucket.list(new ObjectKey("volumes/"), null, 100).objects().stream().map(o -> o.key()).toList();
            assertEquals(List.of("volumes/tour/volume.json"), volumes, "no bad request created a volume");
            assertTrue(bucket.list(new ObjectKey("index/"), null, 100).objects().isEmpty(), "nor a snapshot or image");
        }
        assertEquals(List.of(), LocalMap.open(stateDir.resolve("node")).entries(), "nothing attached");
        assertTrue(new Mounts(new ProcessRunner(Duration.ofSeconds(30))).table().stream().noneMatch(m -> m.target().startsWith(kubelet)), "nothing mounted");
        if (cases.size() < 30) fail("the tour lost cases");
    }
}
