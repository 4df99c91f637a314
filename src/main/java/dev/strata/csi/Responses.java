package dev.strata.csi;

import com.google.protobuf.Timestamp;
import csi.v1.Csi.*;
import dev.strata.volume.FromRef;
import dev.strata.volume.SnapshotRecord;
import dev.strata.volume.VolumeRecord;
import java.time.Instant;

/** Builds CSI messages from engine records. */
final class Responses {
    /** publish_context key carrying the ownership epoch from ControllerPublish to NodeStage. */
    static final String EPOCH = "strata.dev/epoch";

    private Responses() {}

    static Volume volume(VolumeRecord v, StorageClassParameters params, CreateVolumeRequest req) {
        var b = Volume.newBuilder().setVolumeId(v.name()).setCapacityBytes(v.sizeBytes())
                .putAllVolumeContext(params.stored());
        if (req.hasVolumeContentSource()) b.setContentSource(req.getVolumeContentSource());
        return b.build();
    }

    static Volume volume(VolumeRecord v) {
        var b = Volume.newBuilder().setVolumeId(v.name()).setCapacityBytes(v.sizeBytes())
                .putAllVolumeContext(v.parameters());
        FromRef from = FromRef.parse(v.source());
        switch (from) {
            case FromRef.Snapshot s -> b.setContentSource(VolumeContentSource.newBuilder()
                    .setSnapshot(VolumeContentSource.SnapshotSource.newBuilder().setSnapshotId(s.snapshot().toString())));
            case FromRef.Volume s -> b.setContentSource(VolumeContentSource.newBuilder()
                    .setVolume(VolumeContentSource.VolumeSource.newBuilder().setVolumeId(s.volume().value())));
            default -> { }
        }
        return b.build();
    }

    static ListVolumesResponse.Entry listEntry(VolumeRecord v) {
        var status = ListVolumesResponse.VolumeStatus.newBuilder();
        if (v.owner() != null) status.addPublishedNodeIds(v.owner().node());
        return ListVolumesResponse.Entry.newBuilder().setVolume(volume(v)).setStatus(status).build();
    }

    static Snapshot snapshot(SnapshotRecord s) {
        Instant created = Instant.parse(s.created());
        return Snapshot.newBuilder().setSnapshotId(s.id()).setSourceVolumeId(s.volume()).setSizeBytes(s.sizeBytes())
                .setCreationTime(Timestamp.newBuilder().setSeconds(created.getEpochSecond()).setNanos(created.getNano()))
                .setReadyToUse(true).setGroupSnapshotId(groupOf(s)).build();
    }

    /** The group a member snapshot was cut for ({@code group-<hex>/volume} as its CSI name), or "". */
    private static String groupOf(SnapshotRecord s) {
        var group = dev.strata.volume.GroupSnapshotId.ofMemberName(s.csiName());
        return group == null ? "" : group.value();
    }

    /**
     * The controller capabilities. {@code GET_SNAPSHOT} is a CSI 1.12 alpha value: a sidecar built
     * on an older spec crashed on it (csi-provisioner v5.2.0) and csi-sanity v5.4.0 rejects it, so it
     * is advertised only when asked for ({@code --alpha-get-snapshot}); GetSnapshot answers either way.
     */
    static ControllerGetCapabilitiesResponse controllerCapabilities(boolean getSnapshot) {
        var b = ControllerGetCapabilitiesResponse.newBuilder();
        for (var rpc : new ControllerServiceCapability.RPC.Type[] {
                ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
                ControllerServiceCapability.RPC.Type.PUBLISH_UNPUBLISH_VOLUME,
                ControllerServiceCapability.RPC.Type.LIST_VOLUMES,
                ControllerServiceCapability.RPC.Type.LIST_VOLUMES_PUBLISHED_NODES,
                ControllerServiceCapability.RPC.Type.CREATE_DELETE_SNAPSHOT,
                ControllerServiceCapability.RPC.Type.LIST_SNAPSHOTS,
                ControllerServiceCapability.RPC.Type.CLONE_VOLUME,
                ControllerServiceCapability.RPC.Type.PUBLISH_READONLY,
                ControllerServiceCapability.RPC.Type.EXPAND_VOLUME,
                ControllerServiceCapability.RPC.Type.GET_VOLUME,
                ControllerServiceCapability.RPC.Type.MODIFY_VOLUME}) {
            b.addCapabilities(ControllerServiceCapability.newBuilder()
                    .setRpc(ControllerServiceCapability.RPC.newBuilder().setType(rpc)));
        }
        if (getSnapshot) b.addCapabilities(ControllerServiceCapability.newBuilder()
                .setRpc(ControllerServiceCapability.RPC.newBuilder().setType(ControllerServiceCapability.RPC.Type.GET_SNAPSHOT)));
        return b.build();
    }
}
