package dev.strata.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.store.FileObjectStore;
import dev.strata.volume.GarbageCollector;
import dev.strata.volume.Registry;
import dev.strata.volume.VolumeException;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kube layer against Fabric8's mock API server in CRUD mode (no API server runs here). */
@EnableKubernetesMockClient(crud = true)
class KubeTest {
    KubernetesClient client;
    @TempDir Path bucket;

    void pvc(String ns, String name, Map<String, String> annotations) {
        client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).withAnnotations(annotations).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").endSpec().build()).create();
    }

    static Map<String, String> meta(String ns, String name) {
        return Map.of(PvcAnnotations.PVC_NAME, name, PvcAnnotations.PVC_NAMESPACE, ns);
    }

    @Test
    void theFromAnnotationIsReadFromTheNamedPvc() {
        pvc("apps", "db", Map.of(PvcAnnotations.FROM, " image:postgres-16 ", "other", "x"));
        pvc("apps", "plain", Map.of());
        PvcAnnotations a = new PvcAnnotations(client);
        assertEquals("image:postgres-16", a.fromAnnotation(meta("apps", "db")).orElseThrow());
        assertTrue(a.fromAnnotation(meta("apps", "plain")).isEmpty());
        assertTrue(a.fromAnnotation(meta("apps", "missing")).isEmpty());
        assertTrue(a.fromAnnotation(meta("other-ns", "db")).isEmpty(), "annotations are per namespace");
        assertTrue(a.fromAnnotation(Map.of()).isEmpty(), "no extra metadata: no lookup");
    }

    @Test
    void anUnreachableApiServerIsUnavailableNotMissing() {
        try (KubernetesClient dead = new KubernetesClientBuilder().withConfig(new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl("https://127.0.0.1:1").withRequestTimeout(2000).withConnectionTimeout(2000)
                .withRequestRetryBackoffLimit(0).build()).build()) {
            VolumeException.Unavailable e = assertThrows(VolumeException.Unavailable.class,
                    () -> new PvcAnnotations(dead).fromAnnotation(meta("apps", "db")));
            assertTrue(e.getMessage().contains("apps/db"), e.getMessage());
        }
    }

    @Test
    void eventsLandOnThePvcOrTheVolumeSnapshot() {
        KubeEvents events = new KubeEvents(client, Clock.systemUTC(), "strata-controller");
        events.record(meta("apps", "db"), "Forked", "forked from image:postgres-16 in 4 ms", false);
        events.record(Map.of(KubeEvents.SNAPSHOT_NAME, "nightly", KubeEvents.SNAPSHOT_NAMESPACE, "apps"), "Cut",
                "cut on node-a in 120 ms", false);
        events.record(Map.of(), "Ignored", "no object named", false);
        List<Event> list = client.v1().events().inNamespace("apps").list().getItems();
        assertEquals(2, list.size());
        Event pvc = list.stream().filter(e -> e.getReason().equals("Forked")).findFirst().orElseThrow();
        assertEquals("PersistentVolumeClaim", pvc.getInvolvedObject().getKind());
        assertEquals("db", pvc.getInvolvedObject().getName());
        assertEquals("Normal", pvc.getType());
        assertEquals("strata-controller", pvc.getSource().getComponent());
        Event snap = list.stream().filter(e -> e.getReason().equals("Cut")).findFirst().orElseThrow();
        assertEquals("VolumeSnapshot", snap.getInvolvedObject().getKind());
        assertEquals("snapshot.storage.k8s.io/v1", snap.getInvolvedObject().getApiVersion());
    }

    @Test
    void garbageCollectionRunsInExactlyOneReplicaAndMovesWhenTheLeaderGoes() throws Exception {
        try (FileObjectStore store = new FileObjectStore(bucket)) {
            GarbageCollector gc = new GarbageCollector(new Registry(store, Clock.systemUTC()), Clock.systemUTC(), Duration.ofHours(1));
            GcLoop a = GcLoop.start(client, "strata", "controller-a", gc, Duration.ofMillis(100), Duration.ofSeconds(3));
            Thread.sleep(300);
            GcLoop b = GcLoop.start(client, "strata", "controller-b", gc, Duration.ofMillis(100), Duration.ofSeconds(3));
            try {
                long deadline = System.currentTimeMillis() + 20_000;
                while (a.passes() < 3 && System.currentTimeMillis() < deadline) Thread.sleep(50);
                assertTrue(a.passes() >= 3, "the first replica leads and collects");
                assertEquals(0, b.passes(), "the other replica waits");
                Lease lease = client.leases().inNamespace("strata").withName(GcLoop.LEASE).get();
                assertEquals("controller-a", lease.getSpec().getHolderIdentity());

                a.close();
                int atHandOver = a.passes();
                while (b.passes() < 2 && System.currentTimeMillis() < deadline + 20_000) Thread.sleep(50);
                assertTrue(b.passes() >= 2, "the lease moved to the other replica");
                Thread.sleep(300);
                assertEquals(atHandOver, a.passes(), "the old leader stopped collecting");
                assertEquals("controller-b", client.leases().inNamespace("strata").withName(GcLoop.LEASE).get().getSpec().getHolderIdentity());
            } finally {
                a.close();
                b.close();
            }
        }
    }
}
