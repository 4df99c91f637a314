package dev.strata.csi;

import csi.v1.Csi.NodeExpandVolumeRequest;
import csi.v1.Csi.NodeExpandVolumeResponse;
import csi.v1.Csi.NodeGetCapabilitiesRequest;
import csi.v1.Csi.NodeGetCapabilitiesResponse;
import csi.v1.Csi.NodeGetInfoRequest;
import csi.v1.Csi.NodeGetInfoResponse;
import csi.v1.Csi.NodeGetVolumeStatsRequest;
import csi.v1.Csi.NodeGetVolumeStatsResponse;
import csi.v1.Csi.NodePublishVolumeRequest;
import csi.v1.Csi.NodePublishVolumeResponse;
import csi.v1.Csi.NodeServiceCapability;
import csi.v1.Csi.NodeStageVolumeRequest;
import csi.v1.Csi.NodeStageVolumeResponse;
import csi.v1.Csi.NodeUnpublishVolumeRequest;
import csi.v1.Csi.NodeUnpublishVolumeResponse;
import csi.v1.Csi.NodeUnstageVolumeRequest;
import csi.v1.Csi.NodeUnstageVolumeResponse;
import csi.v1.Csi.VolumeCapability;
import csi.v1.Csi.VolumeCondition;
import csi.v1.Csi.VolumeUsage;
import csi.v1.NodeGrpc;
import dev.strata.node.LocalMap;
import dev.strata.node.NodeVolumes;
import dev.strata.volume.VolumeName;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;

/**
 * CSI Node: stage (attach + format + mount), publish (bind), stats, expand. Paths must be
 * absolute, free of {@code ..} and NUL, and inside the kubelet directory the node was
 * started with (or the directory {@code strata attach} stages in); the volume must have been published to this node (the epoch in the
 * publish context).
 */
public final class NodeService extends NodeGrpc.NodeImplBase {
    private static final int MAX_PATH_BYTES = 4096;

    private final NodeVolumes volumes;
    private final List<Path> roots;

    /** {@code roots}: the kubelet directory, and where {@code strata attach} stages volumes. */
    public NodeService(NodeVolumes volumes, List<Path> roots) {
        this.volumes = volumes;
        this.roots = roots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    }

    @Override
    public void nodeGetCapabilities(NodeGetCapabilitiesRequest req, StreamObserver<NodeGetCapabilitiesResponse> out) {
        Rpc.unary("NodeGetCapabilities", out, () -> {
            var b = NodeGetCapabilitiesResponse.newBuilder();
            for (NodeServiceCapability.RPC.Type t : List.of(NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
                    NodeServiceCapability.RPC.Type.GET_VOLUME_STATS, NodeServiceCapability.RPC.Type.EXPAND_VOLUME,
                    NodeServiceCapability.RPC.Type.VOLUME_CONDITION, NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER))
                b.addCapabilities(NodeServiceCapability.newBuilder().setRpc(NodeServiceCapability.RPC.newBuilder().setType(t)));
            return b.build();
        });
    }

    @Override
    public void nodeGetInfo(NodeGetInfoRequest req, StreamObserver<NodeGetInfoResponse> out) {
        // no topology: any node can attach any volume
        Rpc.unary("NodeGetInfo", out, () -> NodeGetInfoResponse.newBuilder().setNodeId(volumes.node().value())
                .setMaxVolumesPerNode(volumes.maxVolumes()).build());
    }

    @Override
    public void nodeStageVolume(NodeStageVolumeRequest req, StreamObserver<NodeStageVolumeResponse> out) {
        Rpc.unary("NodeStageVolume", out, () -> {
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            Path staging = path("staging_target_path", req.getStagingTargetPath());
            if (!req.hasVolumeCapability()) throw Errors.invalid("volume_capability is required");
            VolumeCapability cap = req.getVolumeCapability();
            Validate.capability("volume_capability", cap);
            String epochText = req.getPublishContextMap().get(Responses.EPOCH);
            if (epochText == null)
                throw Errors.invalid("publish_context has no " + Responses.EPOCH + ": ControllerPublishVolume provides it");
            long epoch;
            try {
                epoch = Long.parseLong(epochText);
            } catch (NumberFormatException e) {
                throw Errors.invalid("publish_context " + Responses.EPOCH + " must be a number, got '" + epochText + "'");
            }
            boolean block = cap.hasBlock();
            volumes.stage(new NodeVolumes.StageRequest(name, epoch, staging, block ? LocalMap.Access.BLOCK : LocalMap.Access.MOUNT,
                    block ? null : cap.getMount().getFsType(), block ? List.of() : cap.getMount().getMountFlagsList(),
                    readerOnly(cap)));
            return NodeStageVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeUnstageVolume(NodeUnstageVolumeRequest req, StreamObserver<NodeUnstageVolumeResponse> out) {
        Rpc.unary("NodeUnstageVolume", out, () -> {
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            volumes.unstage(name, path("staging_target_path", req.getStagingTargetPath()));
            return NodeUnstageVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodePublishVolume(NodePublishVolumeRequest req, StreamObserver<NodePublishVolumeResponse> out) {
        Rpc.unary("NodePublishVolume", out, () -> {
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            Path staging = path("staging_target_path", req.getStagingTargetPath());
            Path target = path("target_path", req.getTargetPath());
            if (!req.hasVolumeCapability()) throw Errors.invalid("volume_capability is required");
            VolumeCapability cap = req.getVolumeCapability();
            Validate.capability("volume_capability", cap);
            boolean readonly = req.getReadonly() || readerOnly(cap);
            volumes.publish(name, staging, target, readonly, cap.hasMount() ? cap.getMount().getMountFlagsList() : List.of());
            return NodePublishVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeUnpublishVolume(NodeUnpublishVolumeRequest req, StreamObserver<NodeUnpublishVolumeResponse> out) {
        Rpc.unary("NodeUnpublishVolume", out, () -> {
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            volumes.unpublish(name, path("target_path", req.getTargetPath()));
            return NodeUnpublishVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void nodeGetVolumeStats(NodeGetVolumeStatsRequest req, StreamObserver<NodeGetVolumeStatsResponse> out) {
        Rpc.unary("NodeGetVolumeStats", out, () -> {
            VolumeName name = staged(req.getVolumeId(), req.getVolumePath());
            Path path = where(name, req.getVolumePath());
            NodeVolumes.Stats s = volumes.stats(name, path);
            var b = NodeGetVolumeStatsResponse.newBuilder();
            if (s.block()) {
                b.addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.BYTES).setTotal(s.sizeBytes()));
            } else {
                b.addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.BYTES).setTotal(s.usage().totalBytes())
                        .setAvailable(s.usage().availableBytes()).setUsed(s.usage().usedBytes()));
                b.addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.INODES).setTotal(s.usage().totalInodes())
                        .setAvailable(s.usage().freeInodes()).setUsed(s.usage().usedInodes()));
            }
            String abnormal = s.abnormal();
            b.setVolumeCondition(VolumeCondition.newBuilder().setAbnormal(abnormal != null)
                    .setMessage(abnormal != null ? abnormal : "healthy"));
            return b.build();
        });
    }

    @Override
    public void nodeExpandVolume(NodeExpandVolumeRequest req, StreamObserver<NodeExpandVolumeResponse> out) {
        Rpc.unary("NodeExpandVolume", out, () -> {
            VolumeName name = staged(req.getVolumeId(), req.getVolumePath());
            where(name, req.getVolumePath());
            if (req.hasVolumeCapability()) Validate.capability("volume_capability", req.getVolumeCapability());
            long required = req.hasCapacityRange() ? req.getCapacityRange().getRequiredBytes() : 0;
            if (required < 0) throw Errors.invalid("capacity_range.required_bytes must not be negative");
            long size = volumes.expand(name, required);
            return NodeExpandVolumeResponse.newBuilder().setCapacityBytes(size).build();
        });
    }

    /**
     * A volume this node holds, for a call about it at {@code volumePath}. In csi-sanity's
     * order: a missing volume_id or volume_path is INVALID_ARGUMENT, then an unknown volume
     * NOT_FOUND whatever the path says (it sends "some/path").
     */
    private VolumeName staged(String volumeId, String volumePath) {
        VolumeName name = Validate.volumeId("volume_id", volumeId);
        Validate.required("volume_path", volumePath);
        if (!volumes.holds(name)) throw Errors.notFound("volume " + volumeId + " is not staged on this node");
        return name;
    }

    /** The volume's path: a relative one cannot be where the volume is (NOT_FOUND, the spec's "not found on volume_path"). */
    private Path where(VolumeName name, String volumePath) {
        if (!volumePath.startsWith("/"))
            throw Errors.notFound("volume " + name.value() + " is not at '" + volumePath + "' (not an absolute path)");
        return path("volume_path", volumePath);
    }

    private static boolean readerOnly(VolumeCapability cap) {
        return cap.getAccessMode().getMode() == VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY;
    }

    /** A required path: absolute, no {@code ..}, no NUL, at most 4096 bytes, inside the kubelet directory. */
    private Path path(String field, String value) {
        if (value == null || value.isEmpty()) throw Errors.invalid(field + " is required");
        if (value.indexOf('\0') >= 0) throw Errors.invalid(field + " must not contain NUL");
        if (value.length() > MAX_PATH_BYTES) throw Errors.invalid(field + " is longer than " + MAX_PATH_BYTES + " bytes");
        if (!value.startsWith("/")) throw Errors.invalid(field + " must be an absolute path, got '" + value + "'");
        for (String part : value.split("/"))
            if (part.equals("..")) throw Errors.invalid(field + " must not contain '..', got '" + value + "'");
        Path p = Path.of(value).normalize();
        if (roots.stream().noneMatch(r -> p.startsWith(r) && !p.equals(r)))
            throw Errors.invalid(field + " " + value + " is outside the kubelet directory " + roots.getFirst());
        return p;
    }
}
