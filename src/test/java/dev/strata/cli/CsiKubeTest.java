package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import csi.v1.Csi.*;
import dev.strata.store.ObjectStore;
import dev.strata.volume.FromRef;
import dev.strata.volume.ImageName;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeName;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller as the Kubernetes sidecars drive it, with the API server played by Fabric8's
 * CRUD mock: the PVC annotation picks the image, Events land on PVCs and VolumeSnapshots, and
 * the snapshotter's extra metadata is accepted.
 */
@EnableKubernetesMockClient(crud = true)
class CsiKubeTest {
    KubernetesClient client;
    @TempDir Path stateDir;
    ServerRoot server;
    CsiClient csi;
    ObjectStore sideStore;
    Registry side;

    @BeforeEach
    void start() {
        StoreOptions store = new StoreOptions();
        store.stateDir = stateDir;
        ServerOptions options = new ServerOptions();
        options.nodeId = "node-1";
        KubeOptions kube = new KubeOptions();
        kube.gcIntervalMinutes = 0;
        server = ServerRoot.start(store, options, new ServerRoot.Parts(true, true, null, null, new NodeOptions.Token(), false)
                .withKube(kube, client));
        csi = new CsiClient(server.server().socket());
        sideStore = store.open();
        side = new Registry(sideStore, Clock.systemUTC());
    }

    @AfterEach
    void stop() throws InterruptedException {
        csi.close();
        server.close();
        sideStore.close();
    }

    static VolumeCapability mount() {
        return VolumeCapability.newBuilder().setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4"))
                .setAccessMode(VolumeCapability.AccessMode.newBuilder().setMode(VolumeCapability.AccessMode.Mode.SINGLE_NODE_WRITER)).build();
    }

    CreateVolumeRequest.Builder request(String name, String pvc) {
        return CreateVolumeRequest.newBuilder().setName(name).addVolumeCapabilities(mount())
                .putParameters("csi.storage.k8s.io/pvc/name", pvc).putParameters("csi.storage.k8s.io/pvc/namespace", "apps")
                .putParameters("csi.storage.k8s.io/pv/name", name);
    }

    void pvc(String name, String from) {
        client.persistentVolumeClaims().inNamespace("apps").resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withNamespace("apps").withAnnotations(Map.of("strata.dev/from", from)).endMetadata()
                .build()).create();
    }

    List<Event> events(String reason) {
        return client.v1().events().inNamespace("apps").list().getItems().stream().filter(e -> e.getReason().equals(reason)).toList();
    }

    @Test
    void thePvcAnnotationForksTheImageAndTheForkIsReportedOnThePvc() {
        String golden = csi.controller().createVolume(CreateVolumeRequest.newBuilder().setName("golden").addVolumeCapabilities(mount())
                .setCapacityRange(CapacityRange.newBuilder().setRequiredBytes(3L << 30)).build()).getVolume().getVolumeId();
        side.images().bless(new ImageName("ubuntu"), FromRef.parse("volume:" + golden));
        pvc("vm-disk", "image:ubuntu");
        Volume v = csi.controller().createVolume(request("pvc-1234", "vm-disk").build()).getVolume();
        assertEquals(3L << 30, v.getCapacityBytes(), "an image fork takes the image's size");
        assertEquals("image:ubuntu", side.resolve(new VolumeName(v.getVolumeId())).source());
        Event forked = events("Forked").getFirst();
        assertEquals("vm-disk", forked.getInvolvedObject().getName());
        assertTrue(forked.getMessage().contains("image:ubuntu"), forked.getMessage());

        pvc("bad", "image:not-there");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> csi.controller().createVolume(request("pvc-5678", "bad").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertEquals("Warning", events("ForkFailed").getFirst().getType());

        pvc("conflict", "image:ubuntu");
        e = assertThrows(StatusRuntimeException.class, () -> csi.controller().createVolume(request("pvc-9", "conflict")
                .putParameters("from", "image:other").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("disagree"), e.getStatus().getDescription());
    }

    @Test
    void snapshotsAcceptTheSnapshottersMetadataAndAreReportedOnTheVolumeSnapshot() {
        String vol = csi.controller().createVolume(request("pvc-snap", "data").build()).getVolume().getVolumeId();
        Snapshot s = csi.controller().createSnapshot(CreateSnapshotRequest.newBuilder().setName("snapshot-abc").setSourceVolumeId(vol)
                .putParameters("csi.storage.k8s.io/volumesnapshot/name", "nightly")
                .putParameters("csi.storage.k8s.io/volumesnapshot/namespace", "apps")
                .putParameters("csi.storage.k8s.io/volumesnapshotcontent/name", "snapcontent-abc").build()).getSnapshot();
        assertTrue(s.getSnapshotId().startsWith(vol + "@"), s.getSnapshotId());
        Event taken = events("SnapshotTaken").getFirst();
        assertEquals("VolumeSnapshot", taken.getInvolvedObject().getKind());
        assertEquals("nightly", taken.getInvolvedObject().getName());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> csi.controller().createSnapshot(
                CreateSnapshotRequest.newBuilder().setName("snapshot-x").setSourceVolumeId(vol).putParameters("colour", "blue").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    }
}
