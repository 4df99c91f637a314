package dev.strata.csi;

import csi.v1.Csi.ListSnapshotsRequest;
import csi.v1.Csi.ListSnapshotsResponse;
import dev.strata.volume.Page;
import dev.strata.volume.Registry;
import dev.strata.volume.SnapshotId;
import dev.strata.volume.SnapshotRecord;
import dev.strata.volume.VolumeName;
import java.util.List;
import java.util.Optional;

/** ListSnapshots: by id, by source volume, or all, with pagination. */
final class Listings {
    private Listings() {}

    static ListSnapshotsResponse snapshots(Registry registry, ListSnapshotsRequest req) {
        if (req.getMaxEntries() < 0) throw Errors.invalid("max_entries must not be negative");
        SnapshotId after = Tokens.snapshot(req.getStartingToken());
        int max = req.getMaxEntries() == 0 ? 1000 : req.getMaxEntries();
        Optional<VolumeName> source = Optional.empty();
        if (!req.getSourceVolumeId().isEmpty()) {
            source = Validate.parsedVolumeId("source_volume_id", req.getSourceVolumeId());
            if (source.isEmpty()) return ListSnapshotsResponse.getDefaultInstance();
        }
        Page<SnapshotRecord> page;
        if (!req.getSnapshotId().isEmpty()) {
            Optional<SnapshotId> id = Validate.parsedSnapshotId("snapshot_id", req.getSnapshotId());
            Optional<VolumeName> filter = source;
            List<SnapshotRecord> found = id.flatMap(registry.snapshots()::find)
                    .filter(s -> filter.isEmpty() || s.volume().equals(filter.get().value()))
                    .map(List::of).orElse(List.of());
            page = new Page<>(found, null);
        } else {
            page = registry.snapshots().list(source.orElse(null), after, max);
        }
        var response = ListSnapshotsResponse.newBuilder();
        for (SnapshotRecord s : page.items())
            response.addEntries(ListSnapshotsResponse.Entry.newBuilder().setSnapshot(Responses.snapshot(s)));
        if (page.next() != null) response.setNextToken(Tokens.of(page.next()));
        return response.build();
    }
}
