package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import csi.v1.Csi.ControllerGetCapabilitiesRequest;
import csi.v1.Csi.ControllerServiceCapability;
import csi.v1.Csi.GetPluginCapabilitiesRequest;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's sidecar pins against what Strata advertises, through the facts table
 * {@code sidecars.yaml} (per sidecar release: the CSI spec it is built on and whether it survives
 * an enum value it does not know). A sidecar that reads ControllerGetCapabilities must know every
 * value Strata advertises: csi-provisioner v5.2.0 crashed on GET_SNAPSHOT (CSI 1.12 alpha).
 */
class SidecarCompatibilityTest {
    @TempDir Path stateDir;

    /** One row of the facts table. */
    record Release(String sidecar, String version, String csiSpec, boolean toleratesUnknownEnums) {}

    /** What Strata advertises: the highest controller and plugin-service enum values. */
    record Advertised(List<Integer> controller, List<Integer> pluginService) {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> facts() throws IOException {
        try (InputStream in = SidecarCompatibilityTest.class.getResourceAsStream("/dev/strata/deploy/sidecars.yaml")) {
            return Serialization.unmarshal(new String(in.readAllBytes(), StandardCharsets.UTF_8), Map.class);
        }
    }

    @SuppressWarnings("unchecked")
    static Release release(Map<String, Object> facts, String sidecar, String version) {
        Map<String, Object> versions = (Map<String, Object>) ((Map<String, Object>) facts.get("sidecars")).get(sidecar);
        assertNotNull(versions, sidecar + " is not in sidecars.yaml: add its release facts");
        Map<String, Object> row = (Map<String, Object>) versions.get(version);
        assertNotNull(row, sidecar + " " + version + " is not in sidecars.yaml: add its release facts before pinning it");
        return new Release(sidecar, version, String.valueOf(row.get("csiSpec")), Boolean.TRUE.equals(row.get("toleratesUnknownEnums")));
    }

    /** Why {@code r} cannot run in front of a plugin advertising {@code a}; empty when it can. */
    @SuppressWarnings("unchecked")
    static List<String> problems(Map<String, Object> facts, Release r, Advertised a) {
        List<String> out = new ArrayList<>();
        if (!((List<String>) facts.get("readsControllerCapabilities")).contains(r.sidecar())) return out;
        Map<String, Object> spec = (Map<String, Object>) ((Map<String, Object>) facts.get("csiSpec")).get(r.csiSpec());
        assertNotNull(spec, "CSI spec " + r.csiSpec() + " is not in sidecars.yaml");
        int controller = (Integer) spec.get("controller"), plugin = (Integer) spec.get("pluginService");
        for (int v : a.controller())
            if (v > controller) out.add(r.sidecar() + " " + r.version() + " is built on CSI " + r.csiSpec()
                    + " and does not know controller capability " + ControllerServiceCapability.RPC.Type.forNumber(v)
                    + (r.toleratesUnknownEnums() ? "" : " (and crashes logging it)"));
        for (int v : a.pluginService())
            if (v > plugin) out.add(r.sidecar() + " " + r.version() + " does not know plugin capability " + v);
        return out;
    }

    static List<HasMetadata> rendered(Map<String, Object> values) {
        var t = new Helm(Path.of("deploy/helm/strata")).template().withName("strata").withNamespace("strata").withKubeVersion("1.31.0");
        for (var e : values.entrySet()) t = t.set(e.getKey(), e.getValue());
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : t.call().split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) continue;
            out.add(Serialization.unmarshal(doc));
        }
        return out;
    }

    static List<Container> sidecars(Map<String, Object> values) {
        List<Container> out = new ArrayList<>();
        for (HasMetadata o : rendered(values)) {
            if (o instanceof Deployment d) out.addAll(d.getSpec().getTemplate().getSpec().getContainers());
            if (o instanceof DaemonSet d) out.addAll(d.getSpec().getTemplate().getSpec().getContainers());
        }
        return out.stream().filter(c -> c.getImage().contains("/sig-storage/")).toList();
    }

    static Release pinned(Map<String, Object> facts, Container c) {
        String image = c.getImage();
        String nameTag = image.substring(image.lastIndexOf('/') + 1);
        String[] parts = nameTag.split(":", 2);
        return release(facts, parts[0], parts[1]);
    }

    Advertised advertised(boolean alphaGetSnapshot) throws InterruptedException {
        StoreOptions store = new StoreOptions();
        store.stateDir = stateDir.resolve(alphaGetSnapshot ? "alpha" : "default");
        ServerOptions options = new ServerOptions();
        options.nodeId = "node-1";
        options.alphaGetSnapshot = alphaGetSnapshot;
        ServerRoot server = ServerRoot.start(store, options, true);
        try (CsiClient csi = new CsiClient(server.server().socket())) {
            List<Integer> controller = csi.controller().controllerGetCapabilities(ControllerGetCapabilitiesRequest.getDefaultInstance())
                    .getCapabilitiesList().stream().map(c -> c.getRpc().getTypeValue()).toList();
            List<Integer> plugin = csi.identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
                    .getCapabilitiesList().stream().filter(c -> c.hasService()).map(c -> c.getService().getTypeValue()).toList();
            return new Advertised(controller, plugin);
        } finally {
            server.close();
        }
    }

    @Test
    void everyPinnedSidecarKnowsEveryCapabilityStrataAdvertises() throws Exception {
        Map<String, Object> facts = facts();
        Advertised byDefault = advertised(false);
        assertFalse(byDefault.controller().contains(ControllerServiceCapability.RPC.Type.GET_SNAPSHOT_VALUE),
                "GET_SNAPSHOT is a CSI 1.12 alpha value: only behind --alpha-get-snapshot");
        List<String> problems = new ArrayList<>();
        for (Container c : sidecars(Map.of())) problems.addAll(problems(facts, pinned(facts, c), byDefault));
        assertEquals(List.of(), problems);
    }

    @Test
    void theAlphaFlagAdvertisesGetSnapshotAndThePinnedSidecarsKnowIt() throws Exception {
        Map<String, Object> facts = facts();
        Advertised alpha = advertised(true);
        assertTrue(alpha.controller().contains(ControllerServiceCapability.RPC.Type.GET_SNAPSHOT_VALUE));
        List<String> problems = new ArrayList<>();
        for (Container c : sidecars(Map.of())) {
            Release r = pinned(facts, c);
            problems.addAll(problems(facts, r, alpha));
            assertTrue(r.toleratesUnknownEnums(), r + ": a sidecar that crashes on an enum value it does not know");
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theCheckCatchesTheProvisionerThatCrashed() throws Exception {
        Map<String, Object> facts = facts();
        Release crashed = release(facts, "csi-provisioner", "v5.2.0");
        List<String> p = problems(facts, crashed, new Advertised(List.of(1, 2, ControllerServiceCapability.RPC.Type.GET_SNAPSHOT_VALUE), List.of(1)));
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.getFirst().contains("GET_SNAPSHOT") && p.getFirst().contains("crashes"), p.getFirst());
        assertEquals(List.of(), problems(facts, release(facts, "csi-provisioner", "v6.3.0"),
                new Advertised(List.of(ControllerServiceCapability.RPC.Type.GET_SNAPSHOT_VALUE), List.of(1))));
    }

    /** "Pin every sidecar to its newest release": the pin is the newest row recorded for that sidecar. */
    @Test
    @SuppressWarnings("unchecked")
    void eachSidecarIsPinnedToItsNewestRecordedReleaseAndInstallMdSaysSo() throws Exception {
        Map<String, Object> facts = facts();
        String install = Files.readString(Path.of("docs/install.md"));
        Map<String, Object> sidecars = (Map<String, Object>) facts.get("sidecars");
        for (Container c : sidecars(Map.of())) {
            Release r = pinned(facts, c);
            String newest = ((Map<String, Object>) sidecars.get(r.sidecar())).keySet().stream()
                    .max(Comparator.comparing(SidecarCompatibilityTest::versionKey)).orElseThrow();
            assertEquals(newest, r.version(), r.sidecar() + " is not pinned to its newest recorded release");
            assertTrue(install.contains(r.sidecar() + ":" + r.version()) || install.contains(r.sidecar() + "` | `" + r.version()),
                    "docs/install.md names " + r.sidecar() + " " + r.version());
        }
        assertTrue(Stream.of("Kubernetes 1.28", "1.34").allMatch(install::contains), "docs/install.md states the supported Kubernetes versions");
    }

    /** The chart's sidecar rules (label strata.dev/rbac-for: sidecars) are the union of the pinned releases' upstream RBAC. */
    @Test
    @SuppressWarnings("unchecked")
    void theSidecarRbacIsWhatThePinnedReleasesAskFor() throws Exception {
        Map<String, Object> facts = facts();
        Map<String, Object> sidecars = (Map<String, Object>) facts.get("sidecars");
        java.util.Set<String> wanted = new java.util.TreeSet<>();
        for (Container c : sidecars(Map.of())) {
            Release r = pinned(facts, c);
            Map<String, Object> row = (Map<String, Object>) ((Map<String, Object>) sidecars.get(r.sidecar())).get(r.version());
            for (String rule : (List<String>) row.getOrDefault("rbac", List.of())) {
                String[] parts = rule.split(":\\s*", 2);
                for (String verb : parts[1].split("\\s+")) wanted.add(verb + " " + parts[0]);
            }
        }
        java.util.Set<String> granted = new java.util.TreeSet<>();
        for (HasMetadata o : rendered(Map.of())) {
            if (!"sidecars".equals(o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get("strata.dev/rbac-for"))) continue;
            List<io.fabric8.kubernetes.api.model.rbac.PolicyRule> rules = o instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole cr
                    ? cr.getRules() : ((io.fabric8.kubernetes.api.model.rbac.Role) o).getRules();
            for (var rule : rules)
                for (String g : rule.getApiGroups())
                    for (String res : rule.getResources())
                        for (String v : rule.getVerbs()) granted.add(v + " " + (g.isEmpty() ? "core" : g) + "/" + res);
        }
        assertEquals(wanted, granted);
    }

    static String versionKey(String v) {
        StringBuilder b = new StringBuilder();
        for (String part : v.replaceFirst("^v", "").split("\\.")) b.append(String.format("%06d", Integer.parseInt(part)));
        return b.toString();
    }
}
