package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import csi.v1.GroupControllerGrpc;
import dev.strata.node.LoopDevices;
import dev.strata.testing.Privileged;
import dev.strata.store.ObjectStore;
import dev.strata.volume.AttachedVolume;
import dev.strata.volume.ManifestDiff;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.SnapshotId;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume group snapshot of volumes staged on the node of the same process, over the CSI
 * socket: each member is cut through its holder (latch, then cut), so writes acknowledged just
 * before — not yet uploaded — are in it, and the volumes stay attached and writable.
 */
class GroupSnapshotNodeTest {
    static final String NODE = "node-1";
    @TempDir Path stateDir;
    @TempDir Path kubelet;
    LoopNode.Running node;

    @BeforeEach
    void start() {
        Privileged.assumeRootWithLoopDevices();
        node = new LoopNode.Running(stateDir, kubelet, NODE);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null) node.close();
    }

    AttachedVolume staged(String id) {
        VolumeCapability block = CsiConformanceContract.block();
        node.csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName(id).addVolumeCapabilities(block)
                .putParameters("rpo", "3600").setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(16L << 20)).build());
        Map<String, String> ctx = node.csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder()
                .setVolumeId(id).setNodeId(NODE).setVolumeCapability(block).build()).getPublishContextMap();
        node.csi.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(kubelet.resolve("staging/" + id).toString()).setVolumeCapability(block)
                .putAllPublishContext(ctx).build());
        return (AttachedVolume) node.devices.targets.getLast();
    }

    @Test
    void attachedMembersAreCutThroughTheirHolderAndStayWritable() {
        AttachedVolume a = staged("gn-a"), b = staged("gn-b");
        a.write(0, ByteBuffer.wrap(new byte[65536]).put(0, (byte) 1));
        b.write(3L * 65536, ByteBuffer.wrap(new byte[65536]).put(0, (byte) 2));
        assertEquals(1, a.dirtyBlocks(), "under rpo 3600 nothing has been uploaded");

        VolumeGroupSnapshot g = GroupControllerGrpc.newBlockingStub(node.csi.channel).createVolumeGroupSnapshot(
                CreateVolumeGroupSnapshotRequest.newBuilder().setName("gn").addSourceVolumeIds("gn-a").addSourceVolumeIds("gn-b").build())
                .getGroupSnapshot();

        ManifestDiff diff = new ManifestDiff(node.side, new PackCache(node.sideStore, 0));
        assertEquals(0L, diff.allocated(SnapshotId.parse(g.getSnapshots(0).getSnapshotId()), 0).blocks()[0]);
        assertEquals(3L, diff.allocated(SnapshotId.parse(g.getSnapshots(1).getSnapshotId()), 0).blocks()[0]);
        a.write(65536, ByteBuffer.wrap(new byte[65536]).put(0, (byte) 3));
        assertTrue(a.dirtyBlocks() >= 1, "still attached and writable after the group cut");
        assertEquals(2, node.devices.added.get(), "no detach");
    }
}
