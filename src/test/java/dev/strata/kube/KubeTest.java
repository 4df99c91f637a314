package dev.strata.kube;

import dev.strata.testing.DrivenClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.volume.VolumeException;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kube layer against Fabric8's mock API server in CRUD mode (no API server runs here). */
@EnableKubernetesMockClient(crud = true)
class KubeTest {
    KubernetesClient client;

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
        pvc("apps", "db", Map.of());
        client.genericKubernetesResources(new ResourceDefinitionContext.Builder().withGroup("snapshot.storage.k8s.io")
                        .withVersion("v1").withKind("VolumeSnapshot").withPlural("volumesnapshots").withNamespaced(true).build()).inNamespace("apps")
                .resource(new GenericKubernetesResourceBuilder().withApiVersion("snapshot.storage.k8s.io/v1").withKind("VolumeSnapshot")
                        .withNewMetadata().withName("nightly").withNamespace("apps").endMetadata().build()).create();
        KubeEvents events = new KubeEvents(client, Clock.systemUTC(), "strata-controller");
        events.record(meta("apps", "db"), "Forked", "forked from image:postgres-16 in 4 ms", false);
        events.record(Map.of(KubeEvents.SNAPSHOT_NAME, "nightly", KubeEvents.SNAPSHOT_NAMESPACE, "apps"), "Cut",
                "cut on node-a in 120 ms", false);
        events.record(Map.of(), "Ignored", "no object named", false);
        List<Event> list = client.v1().events().inNamespace("apps").list().getItems();
        assertEquals(2, list.size());
        Event pvc = list.stream().filter(e -> e.getReason().equals("Forked")).findFirst().orElseThrow();
        var claim = client.persistentVolumeClaims().inNamespace("apps").withName("db").get();
        ObjectReference involved = pvc.getInvolvedObject();
        assertEquals("PersistentVolumeClaim", involved.getKind());
        assertEquals("v1", involved.getApiVersion());
        assertEquals("db", involved.getName());
        assertEquals("apps", involved.getNamespace());
        assertNotNull(claim.getMetadata().getUid());
        assertEquals(claim.getMetadata().getUid(), involved.getUid(), "kubectl describe finds Events by the object's uid");
        assertEquals(claim.getMetadata().getResourceVersion(), involved.getResourceVersion());
        assertEquals("Normal", pvc.getType());
        assertEquals("strata-controller", pvc.getSource().getComponent());
        assertEquals(1, pvc.getCount());
        Event snap = list.stream().filter(e -> e.getReason().equals("Cut")).findFirst().orElseThrow();
        assertEquals("VolumeSnapshot", snap.getInvolvedObject().getKind());
        assertEquals("snapshot.storage.k8s.io/v1", snap.getInvolvedObject().getApiVersion());
        String snapshotUid = client.genericKubernetesResources(new ResourceDefinitionContext.Builder().withGroup("snapshot.storage.k8s.io")
                .withVersion("v1").withKind("VolumeSnapshot").withPlural("volumesnapshots").withNamespaced(true).build())
                .inNamespace("apps").withName("nightly").get().getMetadata().getUid();
        assertNotNull(snapshotUid);
        assertEquals(snapshotUid, snap.getInvolvedObject().getUid());
    }

    @Test
    void aRepeatedEventRaisesTheCountOfTheFirstInsteadOfAddingOne() {
        pvc("apps", "vm", Map.of());
        DrivenClock clock = new DrivenClock(Instant.parse("2026-01-01T10:00:00Z"));
        KubeEvents events = new KubeEvents(client, clock, "strata-controller");
        for (int retry = 0; retry < 5; retry++) {
            events.record(meta("apps", "vm"), "ForkFailed", "cannot fork image:missing: image missing does not exist", true);
            clock.advance(Duration.ofSeconds(10));
        }
        events.record(meta("apps", "vm"), "ForkFailed", "cannot fork image:other: image other does not exist", true);
        List<Event> list = client.v1().events().inNamespace("apps").list().getItems();
        assertEquals(2, list.size(), "one Event per distinct message");
        Event repeated = list.stream().filter(e -> e.getMessage().contains("image:missing")).findFirst().orElseThrow();
        assertEquals(5, repeated.getCount());
        assertEquals("2026-01-01T10:00:00Z", repeated.getFirstTimestamp());
        assertEquals("2026-01-01T10:00:40Z", repeated.getLastTimestamp());
        assertEquals("Warning", repeated.getType());

        client.v1().events().inNamespace("apps").withName(repeated.getMetadata().getName()).delete();
        events.record(meta("apps", "vm"), "ForkFailed", "cannot fork image:missing: image missing does not exist", true);
        assertEquals(1, client.v1().events().inNamespace("apps").list().getItems().stream()
                .filter(e -> e.getMessage().contains("image:missing")).count(), "an expired Event is written anew");
    }
}
