package dev.strata.cli;

import static dev.strata.cli.CsiConformanceContract.assertCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import io.grpc.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ControllerModifyVolume cases of the conformance suite (csi-sanity's ModifyVolume specs and more), over both stores. */
interface ModifyVolumeConformance {
    CsiClient csi();

    Registry side();

    private Map<String, String> stored(String id) {
        return side().resolve(new VolumeName(id)).parameters();
    }

    private void modify(String id, Map<String, String> mutable) {
        csi().controller().controllerModifyVolume(ControllerModifyVolumeRequest.newBuilder().setVolumeId(id)
                .putAllMutableParameters(mutable).build());
    }

    private void create(String id, Map<String, String> parameters, Map<String, String> mutable) {
        csi().controller().createVolume(CsiConformanceContract.createRequest(id, 1L << 30).putAllParameters(parameters)
                .putAllModifiableParameters(mutable).build());
    }

    @Test
    default void modifyVolumeIsAdvertised() {
        var caps = csi().controller().controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance());
        assertTrue(caps.getCapabilitiesList().stream().anyMatch(c -> c.getRpc().getType()
                == ControllerServiceCapability.RPC.Type.MODIFY_VOLUME));
    }

    @Test
    default void modifyVolumeChangesRpoAndDurabilityInTheRecordIdempotently() {
        create("mod-1", Map.of("rpo", "10"), Map.of());
        modify("mod-1", Map.of("rpo", "120s", "durability", "sync"));
        modify("mod-1", Map.of("rpo", "120s", "durability", "sync"));
        assertEquals("120", stored("mod-1").get("rpo"));
        assertEquals("sync", stored("mod-1").get("durability"));
        assertEquals("ext4", stored("mod-1").get("fsType"), "what was not named stays");
    }

    @Test
    default void modifyVolumeRefusesImmutableOrUnknownKeysAndBadValuesModifyingNothing() {
        create("mod-2", Map.of(), Map.of());
        Map<String, String> before = stored("mod-2");
        for (Map<String, String> bad : java.util.List.of(Map.of("fsType", "xfs"), Map.of("rpo", "5", "from", "image:x"),
                Map.of("iops", "3000"), Map.of("rpo", "0"), Map.of("rpo", "soon"), Map.of("durability", "eventual"))) {
            assertCode(Status.Code.INVALID_ARGUMENT, () -> modify("mod-2", bad));
        }
        assertEquals(before, stored("mod-2"), "INVALID_ARGUMENT means nothing was modified");
    }

    @Test
    default void modifyVolumeNamesItsErrors() {
        assertCode(Status.Code.INVALID_ARGUMENT, () -> modify("", Map.of("rpo", "5")));
        assertCode(Status.Code.NOT_FOUND, () -> modify("no-such-volume", Map.of("rpo", "5")));
        create("mod-3", Map.of(), Map.of());
        assertCode(Status.Code.INVALID_ARGUMENT, () -> modify("mod-3", Map.of()));
    }

    @Test
    default void createVolumeTakesMutableParametersOverParametersAndStaysIdempotentAfterAModify() {
        create("mod-4", Map.of("rpo", "10"), Map.of("rpo", "60"));
        assertEquals("60", stored("mod-4").get("rpo"), "mutable_parameters take precedence");
        assertCode(Status.Code.INVALID_ARGUMENT, () -> create("mod-5", Map.of(), Map.of("fsType", "xfs")));
        modify("mod-4", Map.of("rpo", "300"));
        create("mod-4", Map.of("rpo", "10"), Map.of("rpo", "60")); // the provisioner's retry: still the same volume
        assertEquals("300", stored("mod-4").get("rpo"), "a retried CreateVolume does not undo the modification");
        assertCode(Status.Code.ALREADY_EXISTS, () -> create("mod-4", Map.of("fsType", "xfs"), Map.of()));
    }
}
