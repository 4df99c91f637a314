package dev.strata.cli;

import static dev.strata.cli.CsiConformanceContract.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import csi.v1.SnapshotMetadataGrpc;
import dev.strata.volume.AttachedVolume;
import dev.strata.volume.EngineOptions;
import dev.strata.volume.NodeId;
import dev.strata.volume.PackCache;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The CSI SnapshotMetadata service over the real socket, over both stores: streaming, paging, errors. */
interface SnapshotMetadataConformance {
    long MIB = 1L << 20, BLOCK = 64 * 1024;

    CsiClient csi();

    Registry side();

    Path stateDirectory();

    private SnapshotMetadataGrpc.SnapshotMetadataBlockingStub metadata() {
        return SnapshotMetadataGrpc.newBlockingStub(csi().channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** Writes 64 KiB blocks at these offsets on another node's engine, uploads them, gives the volume back. */
    private void write(String volume, long... offsets) {
        VolumeName name = new VolumeName(volume);
        long epoch = side().ownership().grant(name, new NodeId("node-2"), false, null).owner().epoch();
        try (AttachedVolume v = AttachedVolume.attach(side(), new PackCache(side().store(), MIB), name, epoch,
                stateDirectory().resolve("side-cache-" + volume + "-" + epoch), EngineOptions.DEFAULTS, Clock.systemUTC())) {
            for (long o : offsets) v.write(o, ByteBuffer.wrap(new byte[(int) BLOCK]).put(0, (byte) (o / BLOCK + 1)));
            v.drain();
        }
        side().ownership().revoke(name, new NodeId("node-2"));
    }

    private String snapshot(String name, String volume) {
        return csi().controller().createSnapshot(CreateSnapshotRequest.newBuilder().setName(name).setSourceVolumeId(volume).build())
                .getSnapshot().getSnapshotId();
    }

    private static List<Long> offsets(Iterator<? extends com.google.protobuf.Message> stream, List<Integer> pageSizes) {
        List<Long> out = new ArrayList<>();
        while (stream.hasNext()) {
            var m = stream.next();
            List<BlockMetadata> blocks = m instanceof GetMetadataDeltaResponse d ? d.getBlockMetadataList()
                    : ((GetMetadataAllocatedResponse) m).getBlockMetadataList();
            BlockMetadataType type = m instanceof GetMetadataDeltaResponse d ? d.getBlockMetadataType()
                    : ((GetMetadataAllocatedResponse) m).getBlockMetadataType();
            assertEquals(BlockMetadataType.FIXED_LENGTH, type);
            pageSizes.add(blocks.size());
            for (BlockMetadata b : blocks) {
                assertEquals(BLOCK, b.getSizeBytes());
                out.add(b.getByteOffset());
            }
        }
        return out;
    }

    @Test
    default void snapshotMetadataServiceIsAdvertised() {
        var caps = csi().identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance());
        assertTrue(caps.getCapabilitiesList().stream().anyMatch(c -> c.getService().getType()
                == PluginCapability.Service.Type.SNAPSHOT_METADATA_SERVICE));
    }

    @Test
    default void deltaStreamsTheChangedBlocksAndPagesByStartingOffsetAndMaxResults() {
        csi().controller().createVolume(CsiConformanceContract.createRequest("cbt", 256 * MIB).build());
        write("cbt", 0, 70 * MIB, 200 * MIB);
        String a = snapshot("cbt-a", "cbt");
        write("cbt", 70 * MIB, 130 * MIB, 130 * MIB + BLOCK, 130 * MIB + 2 * BLOCK);
        String b = snapshot("cbt-b", "cbt");

        List<Integer> pages = new ArrayList<>();
        List<Long> all = offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder()
                .setBaseSnapshotId(a).setTargetSnapshotId(b).build()), pages);
        assertEquals(List.of(70 * MIB, 130 * MIB, 130 * MIB + BLOCK, 130 * MIB + 2 * BLOCK), all);

        List<Integer> small = new ArrayList<>();
        assertEquals(all, offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder()
                .setBaseSnapshotId(a).setTargetSnapshotId(b).setMaxResults(3).build()), small));
        assertEquals(List.of(3, 1), small, "at most max_results per message");

        List<Long> paged = new ArrayList<>();
        long next = 0;
        while (true) {
            List<Long> page = offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder().setBaseSnapshotId(a)
                    .setTargetSnapshotId(b).setStartingOffset(next).setMaxResults(1).build()), new ArrayList<>());
            if (page.isEmpty()) break;
            paged.add(page.getFirst());
            next = page.getFirst() + BLOCK;
        }
        assertEquals(all, paged, "paging by starting_offset gives the same blocks as one call");

        assertEquals(List.of(0L, 70 * MIB, 200 * MIB), offsets(metadata().getMetadataAllocated(
                GetMetadataAllocatedRequest.newBuilder().setSnapshotId(a).build()), new ArrayList<>()));
        assertEquals(List.of(130 * MIB + BLOCK, 130 * MIB + 2 * BLOCK, 200 * MIB), offsets(metadata().getMetadataAllocated(
                GetMetadataAllocatedRequest.newBuilder().setSnapshotId(b).setStartingOffset(130 * MIB + BLOCK + 100).build()), new ArrayList<>()),
                "from the block holding starting_offset");
    }

    @Test
    default void snapshotMetadataNamesItsErrors() {
        csi().controller().createVolume(CsiConformanceContract.createRequest("cbt-e", 16 * MIB).build());
        String s = snapshot("cbt-e1", "cbt-e");
        assertCode(Status.Code.OUT_OF_RANGE, () -> offsets(metadata().getMetadataAllocated(GetMetadataAllocatedRequest.newBuilder()
                .setSnapshotId(s).setStartingOffset(16 * MIB + 1).build()), new ArrayList<>()));
        assertCode(Status.Code.OUT_OF_RANGE, () -> offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder()
                .setBaseSnapshotId(s).setTargetSnapshotId(s).setStartingOffset(-1).build()), new ArrayList<>()));
        assertCode(Status.Code.NOT_FOUND, () -> offsets(metadata().getMetadataAllocated(GetMetadataAllocatedRequest.newBuilder()
                .setSnapshotId("cbt-e@99").build()), new ArrayList<>()));
        assertCode(Status.Code.NOT_FOUND, () -> offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder()
                .setBaseSnapshotId(s).setTargetSnapshotId("no-such-thing").build()), new ArrayList<>()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder()
                .setTargetSnapshotId(s).build()), new ArrayList<>()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> offsets(metadata().getMetadataAllocated(GetMetadataAllocatedRequest.newBuilder()
                .setSnapshotId(s).setMaxResults(-1).build()), new ArrayList<>()));
        assertEquals(List.of(), offsets(metadata().getMetadataDelta(GetMetadataDeltaRequest.newBuilder()
                .setBaseSnapshotId(s).setTargetSnapshotId(s).build()), new ArrayList<>()), "a snapshot against itself: nothing");
    }
}
