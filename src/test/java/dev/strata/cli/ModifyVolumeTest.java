package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.node.LoopDevices;
import dev.strata.testing.Privileged;
import dev.strata.store.ObjectStore;
import dev.strata.volume.AttachedVolume;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ControllerModifyVolume on a volume staged on the node of the same process (the composition
 * root `strata serve` uses; loop devices stand in for ublk, I/O goes through the engine the
 * device was given): the changed rpo and durability reach the attached engine, no detach.
 */
class ModifyVolumeTest {
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

    /** Creates, publishes and stages a raw block volume; returns the engine its device serves. */
    AttachedVolume staged(String id, Map<String, String> parameters) {
        VolumeCapability block = CsiConformanceContract.block();
        node.csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName(id).addVolumeCapabilities(block)
                .putAllParameters(parameters).setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(16L << 20)).build());
        Map<String, String> ctx = node.csi.controller().controllerPublishVolume(ControllerPublishVolumeRequest.newBuilder()
                .setVolumeId(id).setNodeId(NODE).setVolumeCapability(block).build()).getPublishContextMap();
        node.csi.node().nodeStageVolume(NodeStageVolumeRequest.newBuilder().setVolumeId(id)
                .setStagingTargetPath(kubelet.resolve("staging/" + id).toString()).setVolumeCapability(block)
                .putAllPublishContext(ctx).build());
        return (AttachedVolume) node.devices.targets.getLast();
    }

    void modify(String id, Map<String, String> mutable) {
        node.csi.controller().controllerModifyVolume(ControllerModifyVolumeRequest.newBuilder().setVolumeId(id)
                .putAllMutableParameters(mutable).build());
    }

    static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    @Test
    void aShorterRpoReachesTheAttachedEngineWithoutADetach() throws InterruptedException {
        AttachedVolume engine = staged("m1", Map.of("rpo", "3600"));
        engine.write(0, ByteBuffer.wrap(new byte[65536]).put(0, (byte) 7));
        assertEquals(1, engine.dirtyBlocks(), "under rpo 3600 the write stays local");
        assertTrue(engine.health().lagMillis() >= 0);

        modify("m1", Map.of("rpo", "1"));

        assertEquals(Duration.ofSeconds(1), engine.rpo(), "the engine keeps the new bound");
        assertTrue(eventually(() -> engine.dirtyBlocks() == 0), "the write is uploaded within the new rpo");
        assertEquals(0, engine.health().lagMillis(), "the upload lag is back to zero");
        assertEquals(1, node.devices.added.get(), "no detach and re-attach: the same device");
        assertSame(engine, node.devices.targets.getLast(), "the same engine");
        assertEquals("1", node.side.resolve(new VolumeName("m1")).parameters().get("rpo"), "the record holds it for the next attach");
        assertTrue(node.side.newestGeneration(node.side.resolve(new VolumeName("m1"))).manifest().chunks().containsKey(0));
    }

    @Test
    void durabilitySyncMakesTheNextFlushWaitForTheBucket() {
        AttachedVolume engine = staged("m2", Map.of("rpo", "3600"));
        modify("m2", Map.of("durability", "sync"));
        assertTrue(engine.syncDurability());
        engine.write(65536, ByteBuffer.wrap(new byte[65536]));
        engine.flush();
        assertEquals(0, engine.dirtyBlocks(), "a FLUSH under sync durability commits to the bucket");

        modify("m2", Map.of("durability", "async"));
        assertFalse(engine.syncDurability());
        engine.write(0, ByteBuffer.wrap(new byte[65536]));
        engine.flush();
        assertEquals(1, engine.dirtyBlocks(), "back to async: the FLUSH is local");
    }

    @Test
    void anImmutableKeyChangesNothingOnTheRecordOrTheEngine() {
        AttachedVolume engine = staged("m3", Map.of("rpo", "30"));
        var before = node.side.resolve(new VolumeName("m3")).parameters();
        CsiConformanceContract.assertCode(Status.Code.INVALID_ARGUMENT, () -> modify("m3", Map.of("rpo", "5", "fsType", "xfs")));
        CsiConformanceContract.assertCode(Status.Code.INVALID_ARGUMENT, () -> modify("m3", Map.of("rpo", "0")));
        assertEquals(before, node.side.resolve(new VolumeName("m3")).parameters());
        assertEquals(Duration.ofSeconds(30), engine.rpo());
    }
}
