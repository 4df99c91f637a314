package dev.strata.csi;

import csi.v1.Csi.*;
import csi.v1.GroupControllerGrpc;
import com.google.protobuf.Timestamp;
import dev.strata.volume.GroupSnapshotId;
import dev.strata.volume.GroupSnapshotRecord;
import dev.strata.volume.LiveGroupCut;
import dev.strata.volume.Registry;
import dev.strata.volume.SnapshotId;
import dev.strata.volume.VolumeName;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * CSI GroupController: volume group snapshots, crash-consistent across all members wherever
 * they are attached ({@link LiveGroupCut}: every holder latches before any point is taken).
 * The group id ({@code group-<hex>}) follows from the CSI name; members are {@code volume@seq}.
 */
public final class GroupControllerService extends GroupControllerGrpc.GroupControllerImplBase {
    private final Registry registry;
    private final LiveGroupCut cut;
    private final InFlight inFlight = new InFlight();

    public GroupControllerService(Registry registry, LiveGroupCut cut) {
        this.registry = registry;
        this.cut = cut;
    }

    @Override
    public void groupControllerGetCapabilities(GroupControllerGetCapabilitiesRequest req,
                                               StreamObserver<GroupControllerGetCapabilitiesResponse> out) {
        Rpc.unary("GroupControllerGetCapabilities", out, () -> GroupControllerGetCapabilitiesResponse.newBuilder()
                .addCapabilities(GroupControllerServiceCapability.newBuilder().setRpc(GroupControllerServiceCapability.RPC.newBuilder()
                        .setType(GroupControllerServiceCapability.RPC.Type.CREATE_DELETE_GET_VOLUME_GROUP_SNAPSHOT))).build());
    }

    @Override
    public void createVolumeGroupSnapshot(CreateVolumeGroupSnapshotRequest req, StreamObserver<CreateVolumeGroupSnapshotResponse> out) {
        Rpc.unary("CreateVolumeGroupSnapshot", out, () -> {
            String csiName = Validate.required("name", req.getName());
            if (req.getSourceVolumeIdsCount() == 0) throw Errors.invalid("source_volume_ids is required");
            List<VolumeName> volumes = new ArrayList<>();
            for (String id : req.getSourceVolumeIdsList()) volumes.add(Validate.volumeId("source_volume_ids", id));
            for (String key : req.getParametersMap().keySet())
                if (!key.startsWith(StorageClassParameters.KUBE_PREFIX))
                    throw Errors.invalid("CreateVolumeGroupSnapshot takes no parameters; got '" + key + "'");
            try (var guard = inFlight.acquire("group/" + csiName)) {
                return CreateVolumeGroupSnapshotResponse.newBuilder()
                        .setGroupSnapshot(group(registry.groups().create(csiName, volumes, cut))).build();
            }
        });
    }

    @Override
    public void deleteVolumeGroupSnapshot(DeleteVolumeGroupSnapshotRequest req, StreamObserver<DeleteVolumeGroupSnapshotResponse> out) {
        Rpc.unary("DeleteVolumeGroupSnapshot", out, () -> {
            GroupSnapshotId id = parsed(req.getGroupSnapshotId());
            if (id != null) {
                try (var guard = inFlight.acquire("group-id/" + id)) {
                    registry.groups().find(id).ifPresent(g -> checkMembers(g, req.getSnapshotIdsList()));
                    registry.groups().delete(id);
                }
            }
            return DeleteVolumeGroupSnapshotResponse.getDefaultInstance();
        });
    }

    @Override
    public void getVolumeGroupSnapshot(GetVolumeGroupSnapshotRequest req, StreamObserver<GetVolumeGroupSnapshotResponse> out) {
        Rpc.unary("GetVolumeGroupSnapshot", out, () -> {
            GroupSnapshotId id = parsed(req.getGroupSnapshotId());
            if (id == null) throw Errors.notFound("group snapshot " + req.getGroupSnapshotId() + " does not exist");
            GroupSnapshotRecord g = registry.groups().resolve(id);
            checkMembers(g, req.getSnapshotIdsList());
            return GetVolumeGroupSnapshotResponse.newBuilder().setGroupSnapshot(group(g)).build();
        });
    }

    /** Null for an id Strata never issues (so: not found); empty → INVALID_ARGUMENT. */
    private static GroupSnapshotId parsed(String id) {
        Validate.required("group_snapshot_id", id);
        try {
            return new GroupSnapshotId(id);
        } catch (dev.strata.volume.VolumeException.InvalidArgument e) {
            return null;
        }
    }

    /** The caller's list of members, when given, must be the group's (the spec: report a mismatch). */
    private static void checkMembers(GroupSnapshotRecord g, List<String> snapshotIds) {
        if (!snapshotIds.isEmpty() && !new HashSet<>(snapshotIds).equals(new HashSet<>(g.snapshots())))
            throw Errors.invalid("snapshot_ids " + snapshotIds + " are not the members of group snapshot " + g.id()
                    + ": " + g.snapshots());
    }

    private VolumeGroupSnapshot group(GroupSnapshotRecord g) {
        Instant created = Instant.parse(g.created());
        var b = VolumeGroupSnapshot.newBuilder().setGroupSnapshotId(g.id()).setReadyToUse(true)
                .setCreationTime(Timestamp.newBuilder().setSeconds(created.getEpochSecond()).setNanos(created.getNano()));
        for (String s : g.snapshots())
            b.addSnapshots(Responses.snapshot(registry.snapshots().resolve(SnapshotId.parse(s))).toBuilder().setGroupSnapshotId(g.id()));
        return b.build();
    }
}
