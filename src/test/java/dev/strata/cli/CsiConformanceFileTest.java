package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.ProbeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The conformance suite against the embedded file-backed store (the default). */
class CsiConformanceFileTest extends CsiConformanceContract implements ModifyVolumeConformance, SnapshotMetadataConformance, GroupSnapshotConformance {
    @Override
    StoreOptions storeOptions(Path stateDir) {
        StoreOptions o = new StoreOptions();
        o.stateDir = stateDir;
        return o;
    }

    @Test
    void probeFailsWhileTheStoreIsUnreachable() throws IOException {
        Path bucket = stateDir.resolve("bucket");
        try (Stream<Path> all = Files.walk(bucket)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.writeString(bucket, "not a directory any more");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> csi.identity.probe(ProbeRequest.getDefaultInstance()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("unreachable"), e.getStatus().getDescription());
    }
}
