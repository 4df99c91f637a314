package dev.strata.kube;

import dev.strata.testing.DrivenClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * The chart's RBAC for Strata itself, derived from what the code does: every Kubernetes
 * interaction of the kube layer runs against Fabric8's CRUD mock through a client that records
 * each request as (verb, group, resource, name), and the rules the chart labels
 * {@code strata.dev/rbac-for: strata} must grant exactly those — no missing verb (a 403 in a
 * real cluster, as the lease renewal was) and no unused grant.
 */
@EnableKubernetesMockClient(crud = true)
class RbacFromRequestsTest {
    KubernetesClient client;

    /** One API request as RBAC sees it. */
    record Request(String verb, String group, String resource, String name) {
        String grant() {
            return verb + " " + (group.isEmpty() ? "core" : group) + "/" + resource;
        }
    }

    /** Maps an HTTP request on the API to its RBAC verb and resource (the API server's rules). */
    static Request request(String method, String path, String query) {
        List<String> p = new ArrayList<>(List.of(path.replaceFirst("^/", "").split("/")));
        String group;
        if (p.getFirst().equals("api")) {
            group = "";
            p = p.subList(2, p.size());
        } else {
            group = p.get(1);
            p = p.subList(3, p.size());
        }
        if (p.size() >= 3 && p.getFirst().equals("namespaces")) p = p.subList(2, p.size());
        String resource = p.getFirst() + (p.size() > 2 ? "/" + p.get(2) : "");
        String name = p.size() > 1 ? p.get(1) : null;
        boolean watch = query != null && query.contains("watch=true");
        String verb = switch (method) {
            case "GET" -> name != null ? "get" : watch ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method);
        };
        return new Request(verb, group, resource, name);
    }

    final ConcurrentLinkedQueue<Request> recorded = new ConcurrentLinkedQueue<>();

    KubernetesClient recordingClient() {
        return new KubernetesClientBuilder().withConfig(client.getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("rbac-recorder", new Interceptor() {
                    @Override
                    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
                        recorded.add(request(request.method(), request.uri().getPath(), request.uri().getQuery()));
                    }
                })).build();
    }

    /** Every interaction the kube layer has: annotation reads, Events (new, repeated, expired), the GC election. */
    void driveEveryKubeInteraction(KubernetesClient strata) {
        client.persistentVolumeClaims().inNamespace("apps").resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("db").withNamespace("apps").withAnnotations(Map.of(PvcAnnotations.FROM, "image:x")).endMetadata()
                .build()).create();
        client.genericKubernetesResources(KubeEvents.VOLUME_SNAPSHOTS).inNamespace("apps").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(KubeEvents.SNAPSHOT_API_VERSION).withKind("VolumeSnapshot")
                .withNewMetadata().withName("nightly").withNamespace("apps").endMetadata().build()).create();
        Map<String, String> pvc = Map.of(PvcAnnotations.PVC_NAME, "db", PvcAnnotations.PVC_NAMESPACE, "apps");

        new PvcAnnotations(strata).fromAnnotation(pvc);

        DrivenClock clock = new DrivenClock(Instant.parse("2026-01-01T00:00:00Z"));
        KubeEvents events = new KubeEvents(strata, clock, "strata-controller");
        events.record(pvc, "Forked", "forked", false);
        events.record(pvc, "Forked", "forked", false);
        events.record(Map.of(KubeEvents.SNAPSHOT_NAME, "nightly", KubeEvents.SNAPSHOT_NAMESPACE, "apps"), "SnapshotTaken", "cut", false);
        client.v1().events().inNamespace("apps").delete();
        events.record(pvc, "Forked", "forked", false); // expired: the patch misses, a new Event is created

        LeaseElection.Timing timing = new LeaseElection.Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
        LeaseElection a = new LeaseElection(strata, "strata", GcLoop.LEASE, "controller-a", timing, clock);
        LeaseElection b = new LeaseElection(strata, "strata", GcLoop.LEASE, "controller-b", timing, clock);
        assertTrue(a.tryAcquireOrRenew(), "create");
        assertFalse(b.tryAcquireOrRenew(), "get, held by a");
        clock.advance(timing.retryPeriod());
        assertTrue(a.tryAcquireOrRenew(), "renew");
        clock.advance(timing.leaseDuration());
        assertFalse(b.tryAcquireOrRenew(), "b sees the renewed record only now: it waits a lease from here");
        clock.advance(timing.leaseDuration());
        assertTrue(b.tryAcquireOrRenew(), "take over an expired lease");
        b.release();
    }

    static Set<String> grantsFor(String who, List<HasMetadata> objects) {
        List<PolicyRule> rules = new ArrayList<>();
        for (HasMetadata o : objects) {
            if (!who.equals(o.getMetadata().getLabels().get("strata.dev/rbac-for"))) continue;
            if (o instanceof ClusterRole r) rules.addAll(r.getRules());
            if (o instanceof Role r) rules.addAll(r.getRules());
        }
        Set<String> out = new TreeSet<>();
        for (PolicyRule r : rules)
            for (String g : r.getApiGroups())
                for (String res : r.getResources())
                    for (String v : r.getVerbs()) out.add(v + " " + (g.isEmpty() ? "core" : g) + "/" + res);
        return out;
    }

    static List<HasMetadata> chart() {
        String yaml = new Helm(Path.of("deploy/helm/strata")).template().withName("strata").withNamespace("strata")
                .withKubeVersion("1.31.0").call();
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) continue;
            out.add(Serialization.unmarshal(doc));
        }
        return out;
    }

    @Test
    void theChartGrantsStrataExactlyTheRequestsItsCodeMakes() {
        try (KubernetesClient strata = recordingClient()) {
            driveEveryKubeInteraction(strata);
        }
        Set<String> used = new TreeSet<>();
        recorded.forEach(r -> used.add(r.grant()));
        assertTrue(used.contains("patch core/events") && used.contains("update coordination.k8s.io/leases"), used.toString());
        List<HasMetadata> chart = chart();
        assertEquals(used, grantsFor("strata", chart), "the chart's grants for Strata (label strata.dev/rbac-for: strata)");
        for (HasMetadata o : chart) {
            if (!(o instanceof Role r) || !"strata".equals(o.getMetadata().getLabels().get("strata.dev/rbac-for"))) continue;
            for (PolicyRule rule : r.getRules()) {
                if (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()) continue;
                for (Request q : recorded)
                    if (rule.getResources().contains(q.resource()) && rule.getVerbs().contains(q.verb()))
                        assertTrue(rule.getResourceNames().contains(q.name()), q + " is outside " + rule.getResourceNames());
            }
        }
    }

    @Test
    void requestsMapToVerbsAsTheApiServerSeesThem() {
        assertEquals(new Request("patch", "", "events", "x"), request("PATCH", "/api/v1/namespaces/apps/events/x", null));
        assertEquals(new Request("list", "", "events", null), request("GET", "/api/v1/namespaces/apps/events", null));
        assertEquals(new Request("watch", "", "events", null), request("GET", "/api/v1/namespaces/apps/events", "watch=true"));
        assertEquals(new Request("update", "coordination.k8s.io", "leases", "strata-gc"),
                request("PUT", "/apis/coordination.k8s.io/v1/namespaces/strata/leases/strata-gc", null));
        assertEquals(new Request("patch", "", "persistentvolumeclaims/status", "db"),
                request("PATCH", "/api/v1/namespaces/apps/persistentvolumeclaims/db/status", null));
        assertEquals(new Request("get", "", "nodes", "n1"), request("GET", "/api/v1/nodes/n1", null));
    }
}
