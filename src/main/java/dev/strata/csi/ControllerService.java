package dev.strata.csi;

import csi.v1.ControllerGrpc;
import csi.v1.Csi.*;
import dev.strata.volume.CreateSpec;
import dev.strata.volume.FromRef;
import dev.strata.volume.LiveCut;
import dev.strata.volume.LiveRetune;
import dev.strata.volume.NodeId;
import dev.strata.volume.Registry;
import dev.strata.volume.SnapshotId;
import dev.strata.volume.SnapshotRecord;
import dev.strata.volume.VolumeName;
import dev.strata.node.MkfsOptions;
import dev.strata.volume.VolumeRecord;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** CSI Controller: validate → parse into records → one engine call → response. */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
    /** Where CreateVolume finds a PVC's image annotation (the kube layer provides it). */
    public interface ImageAnnotations {
        /** The {@code strata.dev/from} annotation of the PVC named in the parameters, if any. */
        Optional<String> fromAnnotation(java.util.Map<String, String> kubeMetadata);

        ImageAnnotations NONE = metadata -> Optional.empty();
    }

    /** Where long operations are reported to the cluster (Kubernetes Events; the kube layer provides it). */
    public interface Events {
        void record(java.util.Map<String, String> kubeMetadata, String reason, String message, boolean warning);

        Events NONE = (metadata, reason, message, warning) -> { };
    }

    private final Registry registry;
    private final LiveCut liveCut;
    private final LiveRetune liveRetune;
    private final ImageAnnotations annotations;
    private final Events events;
    private final InFlight inFlight = new InFlight();
    private final boolean advertiseGetSnapshot;

    public ControllerService(Registry registry, LiveCut liveCut, ImageAnnotations annotations) {
        this(registry, liveCut, annotations, Events.NONE);
    }

    public ControllerService(Registry registry, LiveCut liveCut, ImageAnnotations annotations, Events events) {
        this(registry, liveCut, LiveRetune.UNREACHABLE, annotations, events, false);
    }

    /** {@code advertiseGetSnapshot}: also advertise the alpha GET_SNAPSHOT capability (CSI 1.12). */
    public ControllerService(Registry registry, LiveCut liveCut, LiveRetune liveRetune, ImageAnnotations annotations, Events events,
                             boolean advertiseGetSnapshot) {
        this.advertiseGetSnapshot = advertiseGetSnapshot;
        this.registry = registry;
        this.liveCut = liveCut;
        this.liveRetune = liveRetune;
        this.annotations = annotations;
        this.events = events;
    }

    @Override
    public void createVolume(CreateVolumeRequest req, StreamObserver<CreateVolumeResponse> out) {
        Rpc.unary("CreateVolume", out, () -> {
            VolumeName name = VolumeName.forCsiName(Validate.required("name", req.getName()));
            Validate.capabilities("volume_capabilities", req.getVolumeCapabilitiesList());
            StorageClassParameters params = StorageClassParameters.parse(
                    StorageClassParameters.overlay(req.getParametersMap(), req.getModifiableParametersMap()));
            for (VolumeCapability cap : req.getVolumeCapabilitiesList())  // the fs a node will make: options must suit it too
                if (params.mkfsOptions() != null && cap.hasMount() && !cap.getMount().getFsType().isEmpty())
                    MkfsOptions.parse(cap.getMount().getFsType(), params.mkfsOptions());
            FromRef from = source(req, params);
            try (var guard = inFlight.acquire(name.value())) {
                CreateSpec spec = new CreateSpec(name, req.getName(), req.getCapacityRange().getRequiredBytes(),
                        req.getCapacityRange().getLimitBytes(), from, params.stored());
                long start = System.nanoTime();
                VolumeRecord record;
                try {
                    record = registry.create(spec, cutFor(from));
                } catch (RuntimeException e) {
                    if (from.canonical() != null) events.record(params.kubeMetadata(), "ForkFailed",
                            "cannot fork " + from.canonical() + ": " + e.getMessage(), true);
                    throw e;
                }
                if (from.canonical() != null) events.record(params.kubeMetadata(), "Forked", "volume " + record.name() + " forked from "
                        + from.canonical() + " in " + (System.nanoTime() - start) / 1_000_000 + " ms", false);
                return CreateVolumeResponse.newBuilder().setVolume(Responses.volume(record, params, req)).build();
            }
        });
    }

    private FromRef source(CreateVolumeRequest req, StorageClassParameters params) {
        Optional<String> annotated = annotations.fromAnnotation(params.kubeMetadata());
        if (req.hasVolumeContentSource()) {
            if (params.from() != null || annotated.isPresent())
                throw Errors.invalid("volume_content_source and the from parameter/annotation are mutually exclusive");
            VolumeContentSource src = req.getVolumeContentSource();
            return switch (src.getTypeCase()) {
                case SNAPSHOT -> new FromRef.Snapshot(Validate.parsedSnapshotId("volume_content_source.snapshot.snapshot_id",
                        src.getSnapshot().getSnapshotId()).orElseThrow(() -> Errors.notFound(
                        "snapshot " + src.getSnapshot().getSnapshotId() + " does not exist")));
                case VOLUME -> new FromRef.Volume(Validate.volumeId("volume_content_source.volume.volume_id",
                        src.getVolume().getVolumeId()));
                case TYPE_NOT_SET -> throw Errors.invalid("volume_content_source has neither a snapshot nor a volume");
            };
        }
        if (params.from() != null && annotated.isPresent() && !params.from().equals(annotated.get()))
            throw Errors.invalid("the from parameter and the PVC's strata.dev/from annotation disagree");
        return FromRef.parse(params.from() != null ? params.from() : annotated.orElse(null));
    }

    /** For a fork of a volume some node holds, that node's cut (null: the committed manifest). */
    private String cutFor(FromRef from) {
        if (!(from instanceof FromRef.Volume v)) return null;
        return registry.find(v.volume()).filter(r -> r.owner() != null).map(liveCut::cut).orElse(null);
    }

    @Override
    public void deleteVolume(DeleteVolumeRequest req, StreamObserver<DeleteVolumeResponse> out) {
        Rpc.unary("DeleteVolume", out, () -> {
            Optional<VolumeName> name = Validate.parsedVolumeId("volume_id", req.getVolumeId());
            if (name.isPresent()) {
                try (var guard = inFlight.acquire(name.get().value())) {
                    registry.delete(name.get());
                }
            }
            return DeleteVolumeResponse.getDefaultInstance();
        });
    }

    @Override
    public void controllerPublishVolume(ControllerPublishVolumeRequest req,
                                        StreamObserver<ControllerPublishVolumeResponse> out) {
        Rpc.unary("ControllerPublishVolume", out, () -> {
            Validate.required("volume_id", req.getVolumeId());
            Validate.required("node_id", req.getNodeId());
            if (!req.hasVolumeCapability()) throw Errors.invalid("volume_capability is required");
            Validate.capability("volume_capability", req.getVolumeCapability());
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            NodeId node = parsedNode(req.getNodeId());
            try (var guard = inFlight.acquire(name.value())) {
                registry.resolve(name);
                var nodeRecord = registry.findNode(node)
                        .orElseThrow(() -> Errors.notFound("node " + node + " has no Strata node plugin registered"));
                VolumeRecord granted = registry.ownership().grant(name, node, req.getReadonly(), nodeRecord.agent());
                return ControllerPublishVolumeResponse.newBuilder()
                        .putPublishContext(Responses.EPOCH, Long.toString(granted.owner().epoch())).build();
            }
        });
    }

    private static NodeId parsedNode(String nodeId) {
        try {
            return new NodeId(nodeId);
        } catch (dev.strata.volume.VolumeException.InvalidArgument e) {
            throw Errors.notFound("node " + nodeId + " does not exist");
        }
    }

    @Override
    public void controllerUnpublishVolume(ControllerUnpublishVolumeRequest req,
                                          StreamObserver<ControllerUnpublishVolumeResponse> out) {
        Rpc.unary("ControllerUnpublishVolume", out, () -> {
            Optional<VolumeName> name = Validate.parsedVolumeId("volume_id", req.getVolumeId());
            if (name.isPresent()) {
                NodeId node = req.getNodeId().isEmpty() ? null : parsedNodeOrNull(req.getNodeId());
                if (node != null || req.getNodeId().isEmpty()) {
                    try (var guard = inFlight.acquire(name.get().value())) {
                        handOver(name.get(), node);
                        registry.ownership().revoke(name.get(), node);
                    }
                }
            }
            return ControllerUnpublishVolumeResponse.getDefaultInstance();
        });
    }

    /**
     * Before the epoch is revoked, the holder stops acknowledging writes and uploads what it
     * acknowledged (docs/architecture.md, "Ownership and fencing"). A holder that cannot be
     * reached, or cannot upload, keeps the volume: the unpublish fails and is retried.
     */
    private void handOver(VolumeName name, NodeId node) {
        Optional<VolumeRecord> record = registry.find(name);
        if (record.isEmpty() || record.get().owner() == null) return;
        if (node != null && !record.get().owner().node().equals(node.value())) return;
        try {
            liveCut.release(record.get());
        } catch (dev.strata.volume.VolumeException.Unavailable e) {
            throw new dev.strata.volume.VolumeException.Unavailable(e.getMessage() + "; the volume stays published on node "
                    + record.get().owner().node() + " so nothing it acknowledged is lost — retry, or force the unpublish"
                    + " (strata volumes unpublish --force, docs/operations.md) to give those writes up", e);
        }
    }

    private static NodeId parsedNodeOrNull(String nodeId) {
        try {
            return new NodeId(nodeId);
        } catch (dev.strata.volume.VolumeException.InvalidArgument e) {
            return null;
        }
    }

    @Override
    public void validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest req,
                                           StreamObserver<ValidateVolumeCapabilitiesResponse> out) {
        Rpc.unary("ValidateVolumeCapabilities", out, () -> {
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            if (req.getVolumeCapabilitiesCount() == 0) throw Errors.invalid("volume_capabilities is required");
            VolumeRecord record = registry.resolve(name);
            StorageClassParameters.parse(req.getParametersMap());
            var response = ValidateVolumeCapabilitiesResponse.newBuilder();
            for (VolumeCapability c : req.getVolumeCapabilitiesList()) {
                Optional<String> why = Validate.unsupportedReason(c);
                if (why.isPresent()) return response.setMessage(why.get()).build();
            }
            return response.setConfirmed(ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
                    .addAllVolumeCapabilities(req.getVolumeCapabilitiesList())
                    .putAllVolumeContext(req.getVolumeContextMap())
                    .putAllParameters(req.getParametersMap())).build();
        });
    }

    @Override
    public void listVolumes(ListVolumesRequest req, StreamObserver<ListVolumesResponse> out) {
        Rpc.unary("ListVolumes", out, () -> {
            if (req.getMaxEntries() < 0) throw Errors.invalid("max_entries must not be negative");
            VolumeName after = Tokens.volume(req.getStartingToken());
            var page = registry.list(after, req.getMaxEntries() == 0 ? 1000 : req.getMaxEntries());
            var response = ListVolumesResponse.newBuilder();
            for (VolumeRecord v : page.items()) response.addEntries(Responses.listEntry(v));
            if (page.next() != null) response.setNextToken(Tokens.of(page.next()));
            return response.build();
        });
    }

    @Override
    public void controllerGetVolume(ControllerGetVolumeRequest req, StreamObserver<ControllerGetVolumeResponse> out) {
        Rpc.unary("ControllerGetVolume", out, () -> {
            VolumeRecord v = registry.resolve(Validate.volumeId("volume_id", req.getVolumeId()));
            var entry = Responses.listEntry(v);
            return ControllerGetVolumeResponse.newBuilder().setVolume(entry.getVolume())
                    .setStatus(ControllerGetVolumeResponse.VolumeStatus.newBuilder()
                            .addAllPublishedNodeIds(entry.getStatus().getPublishedNodeIdsList())).build();
        });
    }

    @Override
    public void controllerExpandVolume(ControllerExpandVolumeRequest req,
                                       StreamObserver<ControllerExpandVolumeResponse> out) {
        Rpc.unary("ControllerExpandVolume", out, () -> {
            Validate.required("volume_id", req.getVolumeId());
            if (!req.hasCapacityRange()) throw Errors.invalid("capacity_range is required");
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            long required = req.getCapacityRange().getRequiredBytes();
            long limit = req.getCapacityRange().getLimitBytes();
            if (limit > 0 && required > limit) throw Errors.invalid("required_bytes exceeds limit_bytes");
            try (var guard = inFlight.acquire(name.value())) {
                VolumeRecord grown = registry.expand(name, required);
                if (limit > 0 && grown.sizeBytes() > limit)
                    throw Status.OUT_OF_RANGE.withDescription("volume " + name + " is already " + grown.sizeBytes()
                            + " bytes, above limit_bytes " + limit).asRuntimeException();
                return ControllerExpandVolumeResponse.newBuilder().setCapacityBytes(grown.sizeBytes())
                        .setNodeExpansionRequired(true).build();
            }
        });
    }

    /**
     * Changes {@code rpo}/{@code durability} (a VolumeAttributesClass): the record first, then
     * the holder's engine through its node agent, without a detach. Any other key →
     * INVALID_ARGUMENT with nothing modified. A holder that cannot be reached → UNAVAILABLE
     * (the record already holds the change; the retry re-applies it).
     */
    @Override
    public void controllerModifyVolume(ControllerModifyVolumeRequest req, StreamObserver<ControllerModifyVolumeResponse> out) {
        Rpc.unary("ControllerModifyVolume", out, () -> {
            VolumeName name = Validate.volumeId("volume_id", req.getVolumeId());
            if (req.getMutableParametersCount() == 0) throw Errors.invalid("mutable_parameters is required");
            try (var guard = inFlight.acquire(name.value())) {
                liveRetune.retune(registry.modify(name, StorageClassParameters.mutableOnly(req.getMutableParametersMap())));
                return ControllerModifyVolumeResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void controllerGetCapabilities(ControllerGetCapabilitiesRequest req,
                                          StreamObserver<ControllerGetCapabilitiesResponse> out) {
        Rpc.unary("ControllerGetCapabilities", out, () -> Responses.controllerCapabilities(advertiseGetSnapshot));
    }

    @Override
    public void createSnapshot(CreateSnapshotRequest req, StreamObserver<CreateSnapshotResponse> out) {
        Rpc.unary("CreateSnapshot", out, () -> {
            String csiName = Validate.required("name", req.getName());
            VolumeName.forCsiName(csiName);
            VolumeName source = Validate.volumeId("source_volume_id", req.getSourceVolumeId());
            java.util.Map<String, String> kube = new java.util.TreeMap<>();
            for (var e : req.getParametersMap().entrySet()) {
                if (e.getKey().startsWith(StorageClassParameters.KUBE_PREFIX)) kube.put(e.getKey(), e.getValue());
                else throw Errors.invalid("CreateSnapshot takes no parameters; got '" + e.getKey() + "'");
            }
            try (var guard = inFlight.acquire("snapshot/" + csiName)) {
                long start = System.nanoTime();
                String cut;
                try {
                    cut = registry.find(source).filter(r -> r.owner() != null).map(liveCut::cut).orElse(null);
                } catch (RuntimeException e) {
                    events.record(kube, "CutFailed", "cannot cut volume " + source + " at a point in time: " + e.getMessage(), true);
                    throw e;
                }
                SnapshotRecord snap = registry.snapshots().create(source, csiName, cut);
                events.record(kube, "SnapshotTaken", "snapshot " + snap.id() + " of volume " + source
                        + (cut != null ? " (cut on its node)" : "") + " in " + (System.nanoTime() - start) / 1_000_000 + " ms", false);
                return CreateSnapshotResponse.newBuilder().setSnapshot(Responses.snapshot(snap)).build();
            }
        });
    }

    @Override
    public void deleteSnapshot(DeleteSnapshotRequest req, StreamObserver<DeleteSnapshotResponse> out) {
        Rpc.unary("DeleteSnapshot", out, () -> {
            Validate.parsedSnapshotId("snapshot_id", req.getSnapshotId()).ifPresent(id -> {
                try (var guard = inFlight.acquire("snapshot-id/" + id)) {
                    registry.snapshots().delete(id);
                }
            });
            return DeleteSnapshotResponse.getDefaultInstance();
        });
    }

    @Override
    public void listSnapshots(ListSnapshotsRequest req, StreamObserver<ListSnapshotsResponse> out) {
        Rpc.unary("ListSnapshots", out, () -> Listings.snapshots(registry, req));
    }

    @Override
    public void getSnapshot(GetSnapshotRequest req, StreamObserver<GetSnapshotResponse> out) {
        Rpc.unary("GetSnapshot", out, () -> {
            SnapshotId id = Validate.parsedSnapshotId("snapshot_id", req.getSnapshotId())
                    .orElseThrow(() -> Errors.notFound("snapshot " + req.getSnapshotId() + " does not exist"));
            return GetSnapshotResponse.newBuilder()
                    .setSnapshot(Responses.snapshot(registry.snapshots().resolve(id))).build();
        });
    }
}
