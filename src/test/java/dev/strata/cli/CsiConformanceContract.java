package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.store.ObjectStore;
import dev.strata.volume.NodeId;
import dev.strata.volume.Registry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CSI Identity and Controller cases csi-sanity v5.4.0 runs (plus Strata's own: data
 * lineage of clones and restores, ownership), over a real unix socket against the same
 * composition root {@code strata serve} uses. Subclasses pick the object store.
 */
abstract class CsiConformanceContract {
    static final long GIB = 1L << 30;
    static final String NODE = "node-1";

    @TempDir Path stateDir;
    ServerRoot server;
    CsiClient csi;
    ObjectStore sideStore;
    Registry side;

    abstract StoreOptions storeOptions(Path stateDir);

    /** For the conformance cases kept in their own interfaces (ModifyVolumeConformance, …). */
    public CsiClient csi() {
        return csi;
    }

    public Registry side() {
        return side;
    }

    public Path stateDirectory() {
        return stateDir;
    }

    @BeforeEach
    void startServer() {
        StoreOptions store = storeOptions(stateDir);
        ServerOptions options = new ServerOptions();
        options.nodeId = NODE;
        server = ServerRoot.start(store, options, true);
        csi = new CsiClient(server.server().socket());
        sideStore = store.open();
        side = new Registry(sideStore, Clock.systemUTC());
        side.registerNode(new NodeId("node-2"), null, 0);
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        csi.close();
        server.close();
        sideStore.close();
    }

    static VolumeCapability mount() {
        return VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER))
                .build();
    }

    static VolumeCapability block() {
        return VolumeCapability.newBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance())
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER))
                .build();
    }

    static CreateVolumeRequest.Builder createRequest(String name, long size) {
        return CreateVolumeRequest.newBuilder().setName(name).addVolumeCapabilities(mount())
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(size));
    }

    Volume create(String name, long size) {
        return csi.controller().createVolume(createRequest(name, size).build()).getVolume();
    }

    Snapshot snapshot(String name, String volumeId) {
        return csi.controller().createSnapshot(CreateSnapshotRequest.newBuilder().setName(name)
                .setSourceVolumeId(volumeId).build()).getSnapshot();
    }

    static void assertCode(Status.Code code, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().getDescription());
        assertFalse(e.getStatus().getDescription() == null || e.getStatus().getDescription().isBlank(),
                "every error says what was wrong");
    }

    static <T> void assertCode(Status.Code code, Supplier<T> call) {
        assertCode(code, (Runnable) call::get);
    }

    // ---- Identity ------------------------------------------------------------------------

    @Test
    void identityReportsNameVersionCapabilitiesAndReadiness() {
        GetPluginInfoResponse info = csi.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        assertEquals("csi.strata.dev", info.getName());
        assertFalse(info.getVendorVersion().isEmpty());
        var caps = csi.identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance());
        assertTrue(caps.getCapabilitiesList().stream().anyMatch(c -> c.getService().getType()
                == PluginCapability.Service.Type.CONTROLLER_SERVICE));
        assertTrue(csi.identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue());
    }

    @Test
    void controllerCapabilitiesAreKnownTypes() {
        var caps = csi.controller().controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance());
        Set<ControllerServiceCapability.RPC.Type> types = new HashSet<>();
        caps.getCapabilitiesList().forEach(c -> types.add(c.getRpc().getType()));
        assertFalse(types.contains(ControllerServiceCapability.RPC.Type.UNRECOGNIZED));
        assertTrue(types.contains(ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT));
        assertTrue(types.contains(ControllerServiceCapability.RPC.Type.CLONE_VOLUME));
        assertTrue(types.contains(ControllerServiceCapability.RPC.Type.EXPAND_VOLUME));
        // csi-sanity v5.4.0 fails "should return appropriate capabilities" on any value it does not list;
        // it lists CSI 1.11's (1..14). GET_SNAPSHOT (15, CSI 1.12 alpha) only with --alpha-get-snapshot.
        assertFalse(types.contains(ControllerServiceCapability.RPC.Type.GET_SNAPSHOT), "GET_SNAPSHOT is alpha: only behind a flag");
        types.forEach(t -> assertTrue(t.getNumber() >= 1 && t.getNumber() <= 14, t + " is not a CSI 1.11 capability"));
    }

    // ---- CreateVolume / DeleteVolume ------------------------------------------------------

    @Test
    void createVolumeValidatesItsArguments() {
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                CreateVolumeRequest.newBuilder().addVolumeCapabilities(mount()).build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                CreateVolumeRequest.newBuilder().setName("no-caps").build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                createRequest("x", GIB).putParameters("colour", "blue").build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                createRequest("bad/name", GIB).build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                createRequest("a".repeat(129), GIB).build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                CreateVolumeRequest.newBuilder().setName("multi").addVolumeCapabilities(mount().toBuilder()
                        .setAccessMode(VolumeCapability.AccessMode.newBuilder()
                                .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))).build()));
        assertTrue(side.find(new dev.strata.volume.VolumeName("x")).isEmpty(), "nothing written for bad input");
    }

    @Test
    void createVolumeRefusesMkfsOptionsOffTheAllowList() {
        for (String bad : List.of("-dh5", "-Fd src", "-lfile", "-Jdevice=/dev/sda"))
            assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                    createRequest("mkfs-bad", GIB).putParameters("mkfsOptions", bad).build()));
        // options for ext4 on a volume the caller will mount as xfs could never be staged
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(createRequest("mkfs-bad", GIB)
                .clearVolumeCapabilities().addVolumeCapabilities(mount().toBuilder().setMount(
                        VolumeCapability.MountVolume.newBuilder().setFsType("xfs")))
                .putParameters("mkfsOptions", "-O ^has_journal").build()));
        assertTrue(side.find(new dev.strata.volume.VolumeName("mkfs-bad")).isEmpty(), "no unstageable volume was made");
        create("mkfs-good", GIB);
        assertTrue(csi.controller().createVolume(createRequest("mkfs-ok", GIB).putParameters("mkfsOptions", "-L data -m 0")
                .build()).getVolume().getCapacityBytes() >= GIB);
    }

    @Test
    void createVolumeIsIdempotentAndSizeChecked() {
        Volume v = create("sanity-vol", GIB);
        assertTrue(v.getCapacityBytes() >= GIB);
        assertEquals(v, create("sanity-vol", GIB));
        assertCode(Status.Code.ALREADY_EXISTS, () -> create("sanity-vol", 2 * GIB));
        Volume unsized = csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("unsized")
                .addVolumeCapabilities(block()).build()).getVolume();
        assertTrue(unsized.getCapacityBytes() > 0);
    }

    @Test
    void createVolumeAcceptsA128CharacterName() {
        String name = "sanity-" + "N".repeat(121);
        Volume v = create(name, GIB);
        assertTrue(v.getVolumeId().length() <= 128);
        assertEquals(v.getVolumeId(), create(name, GIB).getVolumeId());
        Snapshot s = snapshot("s".repeat(128), v.getVolumeId());
        assertTrue(s.getSnapshotId().length() <= 128);
        csi.controller().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(s.getSnapshotId()).build());
        csi.controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build());
    }

    @Test
    void deleteVolumeIsIdempotent() {
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().deleteVolume(DeleteVolumeRequest.getDefaultInstance()));
        csi.controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("reallyfakevolumeid").build());
        Volume v = create("to-delete", GIB);
        for (int i = 0; i < 3; i++)
            csi.controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build());
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().controllerGetVolume(
                ControllerGetVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build()));
    }

    @Test
    void createVolumeFromSnapshotAndFromVolume() {
        Volume src = create("src", GIB);
        Snapshot snap = snapshot("snap-of-src", src.getVolumeId());
        assertTrue(snap.getReadyToUse());
        Volume restored = csi.controller().createVolume(createRequest("restored", GIB).setVolumeContentSource(
                VolumeContentSource.newBuilder().setSnapshot(VolumeContentSource.SnapshotSource.newBuilder()
                        .setSnapshotId(snap.getSnapshotId()))).build()).getVolume();
        assertEquals(snap.getSnapshotId(), restored.getContentSource().getSnapshot().getSnapshotId());
        Volume clone = csi.controller().createVolume(createRequest("clone", GIB).setVolumeContentSource(
                VolumeContentSource.newBuilder().setVolume(VolumeContentSource.VolumeSource.newBuilder()
                        .setVolumeId(src.getVolumeId()))).build()).getVolume();
        assertEquals(src.getVolumeId(), clone.getContentSource().getVolume().getVolumeId());
        assertEquals("volume:" + src.getVolumeId(), side.resolve(new dev.strata.volume.VolumeName("clone")).source());
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().createVolume(createRequest("nosnap", GIB)
                .setVolumeContentSource(VolumeContentSource.newBuilder().setSnapshot(
                        VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId("non-existing-snapshot-id"))).build()));
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().createVolume(createRequest("novol", GIB)
                .setVolumeContentSource(VolumeContentSource.newBuilder().setVolume(
                        VolumeContentSource.VolumeSource.newBuilder().setVolumeId("non-existing-volume-id"))).build()));
        assertCode(Status.Code.ALREADY_EXISTS, () -> csi.controller().createVolume(createRequest("clone", GIB).build()));
    }

    @Test
    void createVolumeFromAnImageParameter() {
        Volume golden = create("golden", 2 * GIB);
        Snapshot snap = snapshot("golden-snap", golden.getVolumeId());
        side.images().bless(new dev.strata.volume.ImageName("base"), dev.strata.volume.FromRef.parse("snapshot:" + snap.getSnapshotId()));
        Volume vm = csi.controller().createVolume(createRequest("vm", 0).putParameters("from", "image:base")
                .putParameters("csi.storage.k8s.io/pvc/name", "vm").build()).getVolume();
        assertEquals(2 * GIB, vm.getCapacityBytes());
        assertEquals("image:base", side.resolve(new dev.strata.volume.VolumeName("vm")).source());
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().createVolume(
                createRequest("vm2", 0).putParameters("from", "image:missing").build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createVolume(
                createRequest("vm3", 0).putParameters("from", "volume:golden").build()));
        assertCode(Status.Code.OUT_OF_RANGE, () -> csi.controller().createVolume(
                createRequest("vm4", GIB).putParameters("from", "image:base").build()));
    }

    // ---- ValidateVolumeCapabilities / ListVolumes / GetVolume -----------------------------

    @Test
    void validateVolumeCapabilities() {
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().validateVolumeCapabilities(
                ValidateVolumeCapabilitiesRequest.newBuilder().addVolumeCapabilities(mount()).build()));
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().validateVolumeCapabilities(
                ValidateVolumeCapabilitiesRequest.newBuilder().setVolumeId("some-vol-id").addVolumeCapabilities(mount()).build()));
        Volume v = create("validate-me", GIB);
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().validateVolumeCapabilities(
                ValidateVolumeCapabilitiesRequest.newBuilder().setVolumeId(v.getVolumeId()).build()));
        var ok = csi.controller().validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                .setVolumeId(v.getVolumeId()).addVolumeCapabilities(mount()).addVolumeCapabilities(block()).build());
        assertEquals(2, ok.getConfirmed().getVolumeCapabilitiesCount());
        var no = csi.controller().validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest.newBuilder()
                .setVolumeId(v.getVolumeId()).addVolumeCapabilities(mount().toBuilder().setAccessMode(
                        VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))).build());
        assertFalse(no.hasConfirmed());
        assertFalse(no.getMessage().isEmpty());
    }

    @Test
    void listVolumesPaginatesAndRejectsForeignTokens() {
        assertCode(Status.Code.ABORTED, () -> csi.controller().listVolumes(
                ListVolumesRequest.newBuilder().setStartingToken("invalid-token").build()));
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 7; i++) created.add(create("list-" + i, GIB).getVolumeId());
        Set<String> seen = new HashSet<>();
        String token = "";
        int pages = 0;
        do {
            var page = csi.controller().listVolumes(ListVolumesRequest.newBuilder().setMaxEntries(3).setStartingToken(token).build());
            assertTrue(page.getEntriesCount() <= 3);
            page.getEntriesList().forEach(e -> assertTrue(seen.add(e.getVolume().getVolumeId()), "no duplicates"));
            token = page.getNextToken();
            pages++;
        } while (!token.isEmpty());
        assertEquals(created, seen);
        assertEquals(3, pages);
        csi.controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId("list-0").build());
        var all = csi.controller().listVolumes(ListVolumesRequest.getDefaultInstance());
        assertEquals(6, all.getEntriesCount());
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().listVolumes(
                ListVolumesRequest.newBuilder().setMaxEntries(-1).build()));
    }

    // ---- Publish / Unpublish -------------------------------------------------------------

    @Test
    void publishValidatesAndFindsVolumesAndNodes() {
        Volume v = create("pub", GIB);
        var base = ControllerPublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setNodeId(NODE)
                .setVolumeCapability(mount());
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().controllerPublishVolume(base.clone().clearVolumeId().build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().controllerPublishVolume(base.clone().clearNodeId().build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().controllerPublishVolume(base.clone().clearVolumeCapability().build()));
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().controllerPublishVolume(base.clone().setVolumeId("some-vol-id").build()));
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().controllerPublishVolume(base.clone().setNodeId("some-fake-node-id").build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().controllerUnpublishVolume(
                ControllerUnpublishVolumeRequest.newBuilder().setNodeId(NODE).build()));
    }

    @Test
    void publishGrantsOneNodeAtATimeUnderANewEpoch() {
        Volume v = create("owned", GIB);
        var publish = ControllerPublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setNodeId(NODE)
                .setVolumeCapability(mount()).build();
        var first = csi.controller().controllerPublishVolume(publish);
        assertEquals(first, csi.controller().controllerPublishVolume(publish), "idempotent");
        String epoch = first.getPublishContextOrThrow("strata.dev/epoch");
        assertCode(Status.Code.ALREADY_EXISTS, () -> csi.controller().controllerPublishVolume(
                publish.toBuilder().setReadonly(true).build()));
        StatusRuntimeException held = assertThrows(StatusRuntimeException.class, () -> csi.controller()
                .controllerPublishVolume(publish.toBuilder().setNodeId("node-2").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, held.getStatus().getCode());
        assertTrue(held.getStatus().getDescription().contains(NODE), "names the holder");
        var listed = csi.controller().listVolumes(ListVolumesRequest.getDefaultInstance());
        assertEquals(List.of(NODE), listed.getEntries(0).getStatus().getPublishedNodeIdsList());
        assertCode(Status.Code.FAILED_PRECONDITION, () -> csi.controller().deleteVolume(
                DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build()));
        var unpublish = ControllerUnpublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setNodeId(NODE).build();
        csi.controller().controllerUnpublishVolume(unpublish);
        csi.controller().controllerUnpublishVolume(unpublish);
        assertTrue(side.ownership().superseded(new dev.strata.volume.VolumeName("owned"), Long.parseLong(epoch)),
                "the former holder is fenced");
        var second = csi.controller().controllerPublishVolume(publish.toBuilder().setNodeId("node-2").build());
        assertNotEquals(epoch, second.getPublishContextOrThrow("strata.dev/epoch"));
    }

    // ---- Snapshots -----------------------------------------------------------------------

    @Test
    void createSnapshotValidatesAndIsIdempotentOnName() {
        Volume a = create("snap-a", GIB);
        Volume b = create("snap-b", GIB);
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createSnapshot(
                CreateSnapshotRequest.newBuilder().setSourceVolumeId(a.getVolumeId()).build()));
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().createSnapshot(
                CreateSnapshotRequest.newBuilder().setName("n").build()));
        assertCode(Status.Code.NOT_FOUND, () -> snapshot("orphan", "missing-volume"));
        Snapshot s = snapshot("nightly", a.getVolumeId());
        assertEquals(a.getVolumeId(), s.getSourceVolumeId());
        assertEquals(GIB, s.getSizeBytes());
        assertTrue(s.hasCreationTime());
        assertEquals(s, snapshot("nightly", a.getVolumeId()));
        assertCode(Status.Code.ALREADY_EXISTS, () -> snapshot("nightly", b.getVolumeId()));
    }

    @Test
    void deleteSnapshotIsIdempotentAndIdsAreNeverReused() {
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().deleteSnapshot(DeleteSnapshotRequest.getDefaultInstance()));
        csi.controller().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("reallyfakesnapshotid").build());
        Volume v = create("seq", GIB);
        Snapshot first = snapshot("first", v.getVolumeId());
        csi.controller().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(first.getSnapshotId()).build());
        csi.controller().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(first.getSnapshotId()).build());
        Snapshot second = snapshot("second", v.getVolumeId());
        assertNotEquals(first.getSnapshotId(), second.getSnapshotId());
        Snapshot again = snapshot("first", v.getVolumeId());
        assertNotEquals(first.getSnapshotId(), again.getSnapshotId(), "a deleted snapshot's id is never handed out again");
    }

    @Test
    void listSnapshotsFiltersAndPaginates() {
        Volume a = create("ls-a", GIB);
        Volume b = create("ls-b", GIB);
        List<String> ofA = new ArrayList<>();
        for (int i = 0; i < 5; i++) ofA.add(snapshot("a" + i, a.getVolumeId()).getSnapshotId());
        Snapshot ofB = snapshot("b0", b.getVolumeId());
        var byId = csi.controller().listSnapshots(ListSnapshotsRequest.newBuilder().setSnapshotId(ofB.getSnapshotId()).build());
        assertEquals(1, byId.getEntriesCount());
        assertEquals(ofB, byId.getEntries(0).getSnapshot());
        assertEquals(0, csi.controller().listSnapshots(ListSnapshotsRequest.newBuilder()
                .setSnapshotId("non-existent-id").build()).getEntriesCount());
        assertEquals(0, csi.controller().listSnapshots(ListSnapshotsRequest.newBuilder()
                .setSnapshotId("ls-a@999").build()).getEntriesCount());
        assertEquals(0, csi.controller().listSnapshots(ListSnapshotsRequest.newBuilder()
                .setSourceVolumeId("non-existent-volume").build()).getEntriesCount());
        Set<String> seen = new HashSet<>();
        String token = "";
        do {
            var page = csi.controller().listSnapshots(ListSnapshotsRequest.newBuilder().setSourceVolumeId(a.getVolumeId())
                    .setMaxEntries(2).setStartingToken(token).build());
            page.getEntriesList().forEach(e -> assertTrue(seen.add(e.getSnapshot().getSnapshotId())));
            token = page.getNextToken();
        } while (!token.isEmpty());
        assertEquals(new HashSet<>(ofA), seen);
        assertEquals(6, csi.controller().listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getEntriesCount());
        assertCode(Status.Code.ABORTED, () -> csi.controller().listSnapshots(
                ListSnapshotsRequest.newBuilder().setStartingToken("invalid-token").build()));
        csi.controller().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(ofB.getSnapshotId()).build());
        assertEquals(5, csi.controller().listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getEntriesCount());
    }

    @Test
    void listSnapshotsIsInNaturalOrderAcrossPages() {
        Volume v = create("order", GIB);
        for (int i = 0; i < 11; i++) snapshot("o" + i, v.getVolumeId());
        List<String> ids = new ArrayList<>();
        String token = "";
        do {
            var page = csi.controller().listSnapshots(ListSnapshotsRequest.newBuilder().setSourceVolumeId(v.getVolumeId())
                    .setMaxEntries(4).setStartingToken(token).build());
            page.getEntriesList().forEach(e -> ids.add(e.getSnapshot().getSnapshotId()));
            token = page.getNextToken();
        } while (!token.isEmpty());
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 11; i++) expected.add("order@" + i);
        assertEquals(expected, ids, "order@2 before order@10");
    }

    // ---- Expansion / lifecycle -----------------------------------------------------------

    @Test
    void expandVolume() {
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().controllerExpandVolume(
                ControllerExpandVolumeRequest.newBuilder().setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB)).build()));
        Volume v = create("grow", GIB);
        assertCode(Status.Code.INVALID_ARGUMENT, () -> csi.controller().controllerExpandVolume(
                ControllerExpandVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build()));
        assertCode(Status.Code.NOT_FOUND, () -> csi.controller().controllerExpandVolume(ControllerExpandVolumeRequest
                .newBuilder().setVolumeId("missing").setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(GIB)).build()));
        var grown = csi.controller().controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId()).setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(3 * GIB)).build());
        assertEquals(3 * GIB, grown.getCapacityBytes());
        assertTrue(grown.getNodeExpansionRequired());
        var same = csi.controller().controllerExpandVolume(ControllerExpandVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId()).setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(2 * GIB)).build());
        assertEquals(3 * GIB, same.getCapacityBytes(), "never shrinks");
        assertEquals(3 * GIB, csi.controller().controllerGetVolume(ControllerGetVolumeRequest.newBuilder()
                .setVolumeId(v.getVolumeId()).build()).getVolume().getCapacityBytes());
    }

    @Test
    void fullLifecycleRepeatedIsIdempotent() {
        for (int round = 0; round < 3; round++) {
            Volume v = create("life", GIB);
            var publish = ControllerPublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setNodeId(NODE)
                    .setVolumeCapability(block()).build();
            csi.controller().controllerPublishVolume(publish);
            csi.controller().controllerPublishVolume(publish);
            Snapshot s = snapshot("life-snap", v.getVolumeId());
            var unpublish = ControllerUnpublishVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).setNodeId(NODE).build();
            csi.controller().controllerUnpublishVolume(unpublish);
            csi.controller().controllerUnpublishVolume(unpublish);
            csi.controller().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(s.getSnapshotId()).build());
            csi.controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build());
            csi.controller().deleteVolume(DeleteVolumeRequest.newBuilder().setVolumeId(v.getVolumeId()).build());
        }
        assertEquals(0, csi.controller().listVolumes(ListVolumesRequest.getDefaultInstance()).getEntriesCount());
    }

    @Test
    void unimplementedCallsSayUnimplemented() {
        assertCode(Status.Code.UNIMPLEMENTED, () -> csi.controller().getCapacity(GetCapacityRequest.getDefaultInstance()));
    }
}
