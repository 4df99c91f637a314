package dev.strata.cli;

import static dev.strata.cli.CsiConformanceContract.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import csi.v1.GroupControllerGrpc;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The CSI GroupController over the real socket, over both stores (csi-sanity's GroupController specs and more). */
interface GroupSnapshotConformance {
    CsiClient csi();

    private GroupControllerGrpc.GroupControllerBlockingStub groups() {
        return GroupControllerGrpc.newBlockingStub(csi().channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private void volume(String name) {
        csi().controller().createVolume(CsiConformanceContract.createRequest(name, 1L << 30).build());
    }

    private VolumeGroupSnapshot create(String name, String... volumes) {
        return groups().createVolumeGroupSnapshot(CreateVolumeGroupSnapshotRequest.newBuilder().setName(name)
                .addAllSourceVolumeIds(List.of(volumes)).build()).getGroupSnapshot();
    }

    @Test
    default void groupControllerIsAdvertised() {
        var plugin = csi().identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance());
        assertTrue(plugin.getCapabilitiesList().stream().anyMatch(c -> c.getService().getType()
                == PluginCapability.Service.Type.GROUP_CONTROLLER_SERVICE));
        var caps = groups().groupControllerGetCapabilities(GroupControllerGetCapabilitiesRequest.getDefaultInstance());
        assertEquals(GroupControllerServiceCapability.RPC.Type.CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT,
                caps.getCapabilities(0).getRpc().getType());
    }

    @Test
    default void aGroupSnapshotHasStableMembersThatRestoreAndCannotBeDeletedAlone() {
        volume("grp-a");
        volume("grp-b");
        VolumeGroupSnapshot g = create("vgs-1", "grp-a", "grp-b");
        assertTrue(g.getGroupSnapshotId().matches("group-[0-9a-f]{32}"), g.getGroupSnapshotId());
        assertTrue(g.getReadyToUse());
        assertEquals(List.of("grp-a", "grp-b"), g.getSnapshotsList().stream().map(Snapshot::getSourceVolumeId).toList());
        for (Snapshot s : g.getSnapshotsList()) {
            assertTrue(s.getSnapshotId().matches(s.getSourceVolumeId() + "@[0-9]+"), s.getSnapshotId());
            assertEquals(g.getGroupSnapshotId(), s.getGroupSnapshotId());
        }
        assertEquals(g, create("vgs-1", "grp-b", "grp-a"), "idempotent on the name");
        assertCode(Status.Code.ALREADY_EXISTS, () -> create("vgs-1", "grp-a"));

        List<String> ids = g.getSnapshotsList().stream().map(Snapshot::getSnapshotId).toList();
        assertEquals(g, groups().getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest.newBuilder()
                .setGroupSnapshotId(g.getGroupSnapshotId()).addAllSnapshotIds(ids).build()).getGroupSnapshot());
        assertCode(Status.Code.INVALID_ARGUMENT, () -> groups().getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest.newBuilder()
                .setGroupSnapshotId(g.getGroupSnapshotId()).addSnapshotIds(ids.getFirst()).build()));
        var listed = csi().controller().listSnapshots(ListSnapshotsRequest.newBuilder().setSnapshotId(ids.getFirst()).build());
        assertEquals(g.getGroupSnapshotId(), listed.getEntries(0).getSnapshot().getGroupSnapshotId());

        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi().controller().deleteSnapshot(
                DeleteSnapshotRequest.newBuilder().setSnapshotId(ids.getFirst()).build()));
        csi().controller().createVolume(CsiConformanceContract.createRequest("grp-restored", 1L << 30)
                .setVolumeContentSource(VolumeContentSource.newBuilder().setSnapshot(
                        VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(ids.get(1)))).build());

        assertCode(Status.Code.INVALID_ARGUMENT, () -> groups().deleteVolumeGroupSnapshot(DeleteVolumeGroupSnapshotRequest.newBuilder()
                .setGroupSnapshotId(g.getGroupSnapshotId()).addSnapshotIds("grp-a@99").build()));
        var delete = DeleteVolumeGroupSnapshotRequest.newBuilder().setGroupSnapshotId(g.getGroupSnapshotId()).addAllSnapshotIds(ids).build();
        groups().deleteVolumeGroupSnapshot(delete);
        groups().deleteVolumeGroupSnapshot(delete);
        for (String id : ids)
            assertCode(Status.Code.NOT_FOUND, () -> csi().controller().getSnapshot(GetSnapshotRequest.newBuilder().setSnapshotId(id).build()));
        assertCode(Status.Code.NOT_FOUND, () -> groups().getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest.newBuilder()
                .setGroupSnapshotId(g.getGroupSnapshotId()).build()));
        VolumeGroupSnapshot again = create("vgs-1", "grp-a", "grp-b");
        assertEquals(g.getGroupSnapshotId(), again.getGroupSnapshotId(), "the id follows from the name");
        assertTrue(again.getSnapshotsList().stream().noneMatch(s -> ids.contains(s.getSnapshotId())), "sequences are never reused");
    }

    @Test
    default void groupSnapshotCallsNameTheirErrors() {
        volume("grp-e");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> create("", "grp-e"));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> create("vgs-e"));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> create("vgs-e", "grp-e", "grp-e"));
        assertCode(Status.Code.NOT_FOUND, () -> create("vgs-e", "grp-e", "grp-missing"));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> groups().createVolumeGroupSnapshot(CreateVolumeGroupSnapshotRequest.newBuilder()
                .setName("vgs-e").addSourceVolumeIds("grp-e").putParameters("colour", "blue").build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> groups().getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest.getDefaultInstance()));
        assertCode(Status.Code.NOT_FOUND, () -> groups().getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest.newBuilder()
                .setGroupSnapshotId("group-" + "0".repeat(32)).build()));
        assertCode(Status.Code.NOT_FOUND, () -> groups().getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest.newBuilder()
                .setGroupSnapshotId("not-a-group-id").build()));
        groups().deleteVolumeGroupSnapshot(DeleteVolumeGroupSnapshotRequest.newBuilder().setGroupSnapshotId("group-" + "1".repeat(32)).build());
        assertCode(Status.Code.INVALID_ARGUMENT, () -> groups().deleteVolumeGroupSnapshot(DeleteVolumeGroupSnapshotRequest.getDefaultInstance()));
    }
}
