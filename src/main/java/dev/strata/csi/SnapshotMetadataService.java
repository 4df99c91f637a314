package dev.strata.csi;

import csi.v1.Csi.BlockMetadata;
import csi.v1.Csi.BlockMetadataType;
import csi.v1.Csi.GetMetadataAllocatedRequest;
import csi.v1.Csi.GetMetadataAllocatedResponse;
import csi.v1.Csi.GetMetadataDeltaRequest;
import csi.v1.Csi.GetMetadataDeltaResponse;
import csi.v1.SnapshotMetadataGrpc;
import dev.strata.volume.ManifestDiff;
import dev.strata.volume.SnapshotId;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CSI SnapshotMetadata (changed-block tracking): allocated blocks of a snapshot and the blocks
 * that differ between two, computed from manifests ({@link ManifestDiff}), streamed as
 * FIXED_LENGTH blocks of the volume's block size, at most {@code max_results} per message.
 * The external-snapshot-metadata sidecar reaches it on the controller's CSI socket and serves
 * it to backup applications over its own TLS endpoint.
 */
public final class SnapshotMetadataService extends SnapshotMetadataGrpc.SnapshotMetadataImplBase {
    private static final Logger log = LoggerFactory.getLogger(SnapshotMetadataService.class);
    /** Blocks per message when the caller leaves max_results 0, and the most any message carries. */
    static final int DEFAULT_RESULTS = 1024, MAX_RESULTS = 16384;

    private final ManifestDiff diff;

    public SnapshotMetadataService(ManifestDiff diff) {
        this.diff = diff;
    }

    @Override
    public void getMetadataAllocated(GetMetadataAllocatedRequest req, StreamObserver<GetMetadataAllocatedResponse> out) {
        stream("GetMetadataAllocated", out, req.getMaxResults(), () -> diff.allocated(
                snapshot("snapshot_id", req.getSnapshotId()), req.getStartingOffset()),
                (page) -> GetMetadataAllocatedResponse.newBuilder().setBlockMetadataType(BlockMetadataType.FIXED_LENGTH)
                        .setVolumeCapacityBytes(page.capacity).addAllBlockMetadata(page.blocks).build());
    }

    @Override
    public void getMetadataDelta(GetMetadataDeltaRequest req, StreamObserver<GetMetadataDeltaResponse> out) {
        stream("GetMetadataDelta", out, req.getMaxResults(), () -> diff.delta(
                snapshot("base_snapshot_id", req.getBaseSnapshotId()), snapshot("target_snapshot_id", req.getTargetSnapshotId()),
                req.getStartingOffset()),
                (page) -> GetMetadataDeltaResponse.newBuilder().setBlockMetadataType(BlockMetadataType.FIXED_LENGTH)
                        .setVolumeCapacityBytes(page.capacity).addAllBlockMetadata(page.blocks).build());
    }

    private static SnapshotId snapshot(String field, String id) {
        return Validate.parsedSnapshotId(field, id).orElseThrow(() -> Errors.notFound("snapshot " + id + " does not exist"));
    }

    /** One response message's worth of blocks. */
    private record Page(long capacity, List<BlockMetadata> blocks) {}

    /**
     * Computes the blocks (failures mapped by {@link Errors} before anything is sent), then
     * streams them in pages of {@code maxResults}; stops early when the caller cancels.
     */
    private static <T> void stream(String method, StreamObserver<T> out, int maxResults, Supplier<ManifestDiff.Blocks> compute,
                                   Function<Page, T> message) {
        ManifestDiff.Blocks blocks;
        try {
            if (maxResults < 0) throw Errors.invalid("max_results must not be negative");
            blocks = compute.get();
        } catch (RuntimeException e) {
            Status status = Errors.toStatus(e);
            if (status.getCode() == Status.Code.INTERNAL) log.atError().setMessage("rpc failed").addKeyValue("rpc", method).setCause(e).log();
            out.onError(status.asRuntimeException());
            return;
        }
        int per = maxResults == 0 ? DEFAULT_RESULTS : Math.min(maxResults, MAX_RESULTS);
        long[] b = blocks.blocks();
        for (int from = 0; from < b.length; from += per) {
            if (out instanceof ServerCallStreamObserver<T> s && s.isCancelled()) return;
            List<BlockMetadata> page = new ArrayList<>(Math.min(per, b.length - from));
            for (int i = from; i < Math.min(b.length, from + per); i++)
                page.add(BlockMetadata.newBuilder().setByteOffset(b[i] * blocks.blockSize()).setSizeBytes(blocks.blockSize()).build());
            out.onNext(message.apply(new Page(blocks.capacityBytes(), page)));
        }
        out.onCompleted();
    }
}
