package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.node.LocalMap;
import dev.strata.node.LoopDevices;
import dev.strata.node.Mounts;
import dev.strata.node.ProcessRunner;
import dev.strata.testing.Privileged;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSI Node service over the real socket of the same composition root `strata serve` uses,
 * with loop devices standing in for ublk (this host kernel has no ublk_drv): stage, format,
 * mount, bind, raw block, stats, expand, idempotency, and bad input. The ublk data path is
 * covered by the QEMU suite (NodeVmTest).
 */
class NodeServiceTest {
    static final String NODE = "node-1";
    static final long MIB = 1L << 20;

    @TempDir Path stateDir;
    @TempDir Path kubelet;
    final ProcessRunner runner = new ProcessRunner(Duration.ofSeconds(60));
    LoopDevices devices;
    ServerRoot server;
    CsiClient csi;

    @BeforeEach
    void start() {
        Privileged.assumeRootWithLoopDevices();
        devices = new LoopDevices(stateDir.resolve("loops"));
        startServer();
    }

    void startServer() {
        server = LoopNode.start(stateDir, kubelet, NODE, devices);
        csi = new CsiClient(server.server().socket());
    }

    void stopServer() throws InterruptedException {
        csi.close();
        server.close();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (devices == null) return;  // skipped: not root
        Mounts mounts = new Mounts(runner);
        for (Mounts.MountPoint m : mounts.table().reversed())
            if (m.target().startsWith(kubelet)) mounts.unmount(m.target());
        stopServer();
        devices.detachAll();
    }

    static VolumeCapability mount(String fs, VolumeCapability.AccessMode.Mode mode, String... flags) {
        return VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.newBuilder().setFsType(fs).addAllMountFlags(List.of(flags)))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(mode)).build();
    }

    static VolumeCapability mount(String fs) {
        return mount(fs, VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER);
    }

    static VolumeCapability block() {
        return VolumeCapability.newBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)).build();
    }

    String create(String name, long bytes, VolumeCapability cap) {
        return csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName(name).addVolumeCapabilities(cap)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(bytes)).build()).getVolume().getVolumeId();
    }

    Map<String, String> publish(String id, VolumeCapability cap) {
        return csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder().setVolumeId(id)
                .setNodeId(NODE).setVolumeCapability(cap).build()).getPublishContextMap();
    }

    NodeStageVolumeRequest stageRequest(String id, VolumeCapability cap, Map<String, String> ctx) {
        return NodeStageVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(kubelet.resolve("staging/" + id).toString())
                .setVolumeCapability(cap).putAllPublishContext(ctx).build();
    }

    NodePublishVolumeRequest publishRequest(String id, VolumeCapability cap, String target, boolean readonly) {
        return NodePublishVolumeRequest.newBuilder().setVolumeId(id).setStagingTargetPath(kubelet.resolve("staging/" + id).toString())
                .setTargetPath(kubelet.resolve(target).toString()).setVolumeCapability(cap).setReadonly(readonly).build();
    }

    Mounts.MountPoint mountAt(String rel) {
        return new Mounts(runner).at(kubelet.resolve(rel)).orElseThrow(() -> new AssertionError(rel + " is not mounted"));
    }

    static void assertCode(Status.Code code, Executable call, String mentions) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription() != null && e.getStatus().getDescription().contains(mentions),
                "'" + e.getStatus().getDescription() + "' should mention '" + mentions + "'");
    }

    @Test
    void capabilitiesAndInfo() {
        NodeGetInfoResponse info = csi.node().nodeGetInfo(NodeGetInfoRequest.getDefaultInstance());
        assertEquals(NODE, info.getNodeId());
        assertFalse(info.hasAccessibleTopology(), "no topology: any node attaches any volume");
        List<NodeServiceCapability.RPC.Type> caps = csi.node().nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
                .getCapabilitiesList().stream().map(c -> c.getRpc().getType()).toList();
        assertTrue(caps.containsAll(List.of(NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME, NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
                NodeServiceCapability.RPC.Type.EXPAND_VOLUME, NodeServiceCapability.RPC.Type.VOLUME_CONDITION)), caps.toString());
    }

    @Test
    void filesystemVolumeStagesPublishesReportsExpandsAndUnstagesIdempotently() throws Exception {
        VolumeCapability cap = mount("xfs");
        String id = create("pvc-fs", 320 * MIB, cap);
        Map<String, String> ctx = publish(id, cap);
        csi.node().nodeStageVolume(stageRequest(id, cap, ctx));
        csi.node().nodeStageVolume(stageRequest(id, cap, ctx)); // retried by the kubelet: same result
        Mounts.MountPoint staged = mountAt("staging/" + id);
        assertEquals("xfs", staged.fsType());
        assertTrue(staged.source().startsWith("/dev/loop"), staged.source());

        csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p1/vol", false));
        csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p1/vol", false));
        csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p2/vol", true));
        assertTrue(mountAt("pods/p2/vol").readonly());
        assertCode(Status.Code.ALREADY_EXISTS, () -> csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p2/vol", false)), "read-only");
        Files.write(kubelet.resolve("pods/p1/vol/hello.txt"), "hello".getBytes());
        assertEquals("hello", Files.readString(kubelet.resolve("pods/p2/vol/hello.txt")), "both targets show the one filesystem");
        assertThrows(java.io.IOException.class, () -> Files.write(kubelet.resolve("pods/p2/vol/nope"), new byte[1]));

        NodeGetVolumeStatsResponse stats = csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id)
                .setVolumePath(kubelet.resolve("pods/p1/vol").toString()).build());
        VolumeUsage bytes = stats.getUsageList().stream().filter(u -> u.getUnit() == VolumeUsage.Unit.BYTES).findFirst().orElseThrow();
        VolumeUsage inodes = stats.getUsageList().stream().filter(u -> u.getUnit() == VolumeUsage.Unit.INODES).findFirst().orElseThrow();
        assertTrue(bytes.getTotal() > 250 * MIB && bytes.getTotal() <= 320 * MIB, bytes.toString());
        assertTrue(bytes.getUsed() > 0 && bytes.getAvailable() > 0 && inodes.getUsed() > 0, stats.toString());
        assertFalse(stats.getVolumeCondition().getAbnormal(), stats.getVolumeCondition().toString());

        csi.controller().controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder().setVolumeId(id)
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(640 * MIB)).build());
        NodeExpandVolumeResponse expanded = csi.node().nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId(id)
                .setVolumePath(kubelet.resolve("pods/p1/vol").toString()).setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(640 * MIB)).build());
        assertEquals(640 * MIB, expanded.getCapacityBytes());
        long total = csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id)
                .setVolumePath(kubelet.resolve("pods/p1/vol").toString()).build()).getUsage(0).getTotal();
        assertTrue(total > 560 * MIB, "the filesystem grew online: " + total);
        assertCode(Status.Code.OUT_OF_RANGE, () -> csi.node().nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId(id)
                .setVolumePath(kubelet.resolve("pods/p1/vol").toString()).setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(2048 * MIB)).build()),
                "ControllerExpandVolume");

        for (String t : List.of("pods/p1/vol", "pods/p2/vol")) {
            NodeUnpublishVolumeRequest un = NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id).setTargetPath(kubelet.resolve(t).toString()).build();
            csi.node().nodeUnpublishVolume(un);
            csi.node().nodeUnpublishVolume(un);
            assertFalse(Files.exists(kubelet.resolve(t)), "target removed");
        }
        NodeUnstageVolumeRequest unstage = NodeUnstageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(kubelet.resolve("staging/" + id).toString()).build();
        csi.node().nodeUnstageVolume(unstage);
        csi.node().nodeUnstageVolume(unstage);
        assertTrue(new Mounts(runner).at(kubelet.resolve("staging/" + id)).isEmpty());
        assertEquals(List.of(), LocalMap.open(stateDir.resolve("node")).entries(), "unstaged volumes leave the local map");
        assertFalse(Files.exists(stateDir.resolve("node/volumes/" + id)), "the drained cache is deleted");
    }

    @Test
    void rawBlockVolumeIsBoundAtTheTarget() throws Exception {
        String id = create("pvc-block", 64 * MIB, block());
        csi.node().nodeStageVolume(stageRequest(id, block(), publish(id, block())));
        csi.node().nodePublishVolume(publishRequest(id, block(), "pods/p1/dev", false));
        Path target = kubelet.resolve("pods/p1/dev");
        Mounts.MountPoint m = mountAt("pods/p1/dev");
        String device = LocalMap.open(stateDir.resolve("node")).entries().getFirst().devId() >= 0
                ? "/dev/loop" + LocalMap.open(stateDir.resolve("node")).entries().getFirst().devId() : null;
        assertEquals("devtmpfs", m.fsType(), "the device node itself is bound: " + m);
        byte[] data = new byte[8192];
        new Random(3).nextBytes(data);
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), 1 * MIB);
            ch.force(true);
        }
        byte[] back = new byte[8192];
        try (RandomAccessFile f = new RandomAccessFile(device, "r")) {
            f.seek(1 * MIB);
            f.readFully(back);
        }
        assertArrayEquals(data, back, "writes through the target reach the device");
        NodeGetVolumeStatsResponse stats = csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id)
                .setVolumePath(target.toString()).build());
        assertEquals(64 * MIB, stats.getUsage(0).getTotal());
        csi.node().nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id).setTargetPath(target.toString()).build());
        assertFalse(Files.exists(target));
        csi.node().nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(kubelet.resolve("staging/" + id).toString()).build());
    }

    @Test
    void aRestartedNodeResumesItsVolumesBeforeItServes() throws Exception {
        VolumeCapability cap = mount("ext4");
        String id = create("pvc-restart", 64 * MIB, cap);
        csi.node().nodeStageVolume(stageRequest(id, cap, publish(id, cap)));
        csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p1/vol", false));
        Files.writeString(kubelet.resolve("pods/p1/vol/kept"), "kept");
        stopServer();
        startServer();
        assertEquals(1, server.recovered().size());
        assertEquals("RESUMED", server.recovered().getFirst().outcome().name());
        assertEquals("kept", Files.readString(kubelet.resolve("pods/p1/vol/kept")));
        // the recovered volume answers like any staged one
        csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id)
                .setVolumePath(kubelet.resolve("pods/p1/vol").toString()).build());
        csi.node().nodeStageVolume(stageRequest(id, cap, publish(id, cap)));
    }

    /**
     * The order csi-sanity v5.4.0 checks (its NodeGetVolumeStats and NodeExpandVolume specs, run in the QEMU guest):
     * a missing volume_id or volume_path is INVALID_ARGUMENT whatever the volume; then an unknown volume is
     * NOT_FOUND, whatever the path; then a path where the volume is not — relative ones included — is NOT_FOUND.
     */
    @Test
    void missingArgumentsFirstThenAnUnknownVolumeThenAPathWhereTheVolumeIsNot() {
        for (String path : List.of("some/path", "/etc/passwd", kubelet.resolve("pods/x").toString())) {
            assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                    .setVolumeId("some-vol-id").setVolumePath(path).build()), "some-vol-id");
            assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeExpandVolume(NodeExpandVolumeRequest.newBuilder()
                    .setVolumeId("some-vol-id").setVolumePath(path).build()), "some-vol-id");
        }
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                .setVolumePath("some/path").build()), "volume_id");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeExpandVolume(NodeExpandVolumeRequest.newBuilder()
                .setVolumePath("some/path").build()), "volume_id");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId("some-vol-id").build()), "volume_path");
        VolumeCapability cap = mount("ext4");
        String created = create("pvc-not-staged", 64 * MIB, cap);
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeExpandVolume(NodeExpandVolumeRequest.newBuilder()
                .setVolumeId(created).setVolumeCapability(cap).build()), "volume_path");

        String id = create("pvc-staged", 64 * MIB, cap);
        csi.node().nodeStageVolume(stageRequest(id, cap, publish(id, cap)));
        csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p/vol", false));
        assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId(id).setVolumePath("some/path").build()), "some/path");
        assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeExpandVolume(NodeExpandVolumeRequest.newBuilder()
                .setVolumeId(id).setVolumePath("some/path").build()), "some/path");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
                .setVolumeId(id).build()), "volume_path");
    }

    @Test
    void badRequestsAreRefusedWithTheFieldNamedAndNothingAttached() {
        VolumeCapability cap = mount("ext4");
        String id = create("pvc-bad", 64 * MIB, cap);
        Map<String, String> ctx = publish(id, cap);
        NodeStageVolumeRequest good = stageRequest(id, cap, ctx);
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().setStagingTargetPath("/etc/x").build()), "outside the kubelet directory");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder()
                .setStagingTargetPath(kubelet + "/staging/../../../etc").build()), "..");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().setStagingTargetPath("relative/x").build()), "absolute");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().setStagingTargetPath("").build()), "staging_target_path");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().clearVolumeCapability().build()), "volume_capability");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().clearPublishContext().build()), "publish_context");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().setVolumeCapability(mount("btrfs")).build()), "btrfs");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder()
                .setVolumeCapability(mount("ext4", VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER, "ro,dev=/dev/sda")).build()), "mount flag");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeStageVolume(good.toBuilder().setVolumeId("").build()), "volume_id");
        assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeStageVolume(good.toBuilder().setVolumeId("no-such-volume").build()), "no-such-volume");
        assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeStageVolume(good.toBuilder().setVolumeId("../etc").build()), "does not exist");
        assertCode(Status.Code.FAILED_PRECONDITION, () -> csi.node().nodeStageVolume(good.toBuilder()
                .putPublishContext(ctx.keySet().iterator().next(), "999").build()), "epoch");
        String other = create("pvc-unpublished", 64 * MIB, cap);
        assertCode(Status.Code.FAILED_PRECONDITION, () -> csi.node().nodeStageVolume(stageRequest(other, cap, ctx)), "ControllerPublishVolume");
        assertCode(Status.Code.FAILED_PRECONDITION, () -> csi.node().nodePublishVolume(publishRequest(id, cap, "pods/p/vol", false)), "NodeStageVolume");
        assertCode(Status.Code.NOT_FOUND, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id)
                .setVolumePath(kubelet.resolve("x").toString()).build()), "not staged");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder().setVolumeId(id).build()),
                "volume_path"); // a missing argument first, then the unknown volume (csi-sanity's order)
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.node().nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(id)
                .setTargetPath("/proc/self").build()), "outside");
        assertEquals(List.of(), LocalMap.open(stateDir.resolve("node")).entries(), "nothing was attached");
        assertTrue(new Mounts(runner).table().stream().noneMatch(m -> m.target().startsWith(kubelet)), "nothing was mounted");
    }
}
