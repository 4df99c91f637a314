package dev.strata.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.strata.csi.StorageClassParameters;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, linted and rendered by Helm itself (helm-java, no helm binary needed);
 * every rendered object parsed as its Fabric8 type and held to the invariants an operator
 * relies on. Also checks that deploy/manifests is the chart rendered with its defaults:
 * regenerate it with {@code bin/render-manifests}.
 */
class HelmChartTest {
    static final Path CHART = Path.of("deploy/helm/strata");
    static final Path MANIFESTS = Path.of("deploy/manifests/strata.yaml");
    static final String KUBE_VERSION = "1.31.0";

    static Helm chart() {
        return new Helm(CHART);
    }

    static String render(Map<String, Object> values) {
        var t = chart().template().withName("strata").withNamespace("strata").withKubeVersion(KUBE_VERSION);
        for (var e : values.entrySet()) t = t.set(e.getKey(), e.getValue());
        return t.call();
    }

    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) continue;
            Object o = Serialization.unmarshal(doc);
            assertTrue(o instanceof HasMetadata, "every document is a Kubernetes object: " + doc);
            out.add((HasMetadata) o);
        }
        return out;
    }

    static <T> List<T> of(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static Stream<Container> containers(PodSpec spec) {
        return Stream.concat(spec.getInitContainers().stream(), spec.getContainers().stream());
    }

    @Test
    void lintsCleanInStrictMode() {
        LintResult r = chart().lint().strict().call();
        assertFalse(r.isFailed(), String.join("\n", r.getMessages()));
    }

    @Test
    void rendersTypedObjectsWithTheCsiDriverSettings() {
        List<HasMetadata> objects = parse(render(Map.of()));
        Set<String> kinds = objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        assertEquals(Set.of("CSIDriver", "ServiceAccount", "Deployment", "DaemonSet", "ClusterRole", "ClusterRoleBinding", "Role",
                "RoleBinding", "Secret", "StorageClass", "VolumeSnapshotClass"), kinds);
        CSIDriver driver = of(objects, CSIDriver.class).getFirst();
        assertEquals(dev.strata.csi.IdentityService.DRIVER_NAME, driver.getMetadata().getName(), "the name the plugin reports");
        assertTrue(driver.getSpec().getAttachRequired());
        assertFalse(driver.getSpec().getPodInfoOnMount());
        assertEquals("File", driver.getSpec().getFsGroupPolicy());
        assertTrue(driver.getSpec().getSeLinuxMount());
        GenericKubernetesResource vsc = of(objects, GenericKubernetesResource.class).stream()
                .filter(o -> o.getKind().equals("VolumeSnapshotClass")).findFirst().orElseThrow();
        assertEquals(dev.strata.csi.IdentityService.DRIVER_NAME, vsc.getAdditionalProperties().get("driver"));
    }

    @Test
    void theStorageClassParametersAreOnesStrataAccepts() {
        for (StorageClass sc : of(parse(render(Map.of())), StorageClass.class)) {
            assertEquals(dev.strata.csi.IdentityService.DRIVER_NAME, sc.getProvisioner());
            assertTrue(sc.getAllowVolumeExpansion());
            StorageClassParameters.parse(sc.getParameters()); // throws on an unknown key or a bad value
        }
        List<StorageClass> two = of(parse(render(Map.of("storageClasses[0].name", "fast", "storageClasses[0].parameters.durability", "sync",
                "storageClasses[0].parameters.from", "image:ubuntu-24.04", "storageClasses[0].default", true))), StorageClass.class);
        assertEquals("true", two.getFirst().getMetadata().getAnnotations().get("storageclass.kubernetes.io/is-default-class"));
        assertEquals("image:ubuntu-24.04", StorageClassParameters.parse(two.getFirst().getParameters()).from());
    }

    @Test
    void theControllerRunsNonRootWithEverySidecarPinnedAndLeaderElected() {
        List<HasMetadata> objects = parse(render(Map.of()));
        Deployment controller = of(objects, Deployment.class).getFirst();
        PodSpec pod = controller.getSpec().getTemplate().getSpec();
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        Map<String, Container> byName = pod.getContainers().stream().collect(Collectors.toMap(Container::getName, c -> c));
        assertEquals(Set.of("strata", "csi-provisioner", "csi-attacher", "csi-snapshotter", "csi-resizer", "liveness-probe"), byName.keySet());
        for (Container c : pod.getContainers()) {
            assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), c.getName());
            assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), c.getName());
            assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), c.getName());
            assertNotNull(c.getResources().getLimits().get("memory"), c.getName() + " has a memory limit");
            assertNotNull(c.getResources().getRequests().get("cpu"), c.getName() + " requests CPU");
            assertPinned(c.getImage());
        }
        for (String sidecar : List.of("csi-provisioner", "csi-attacher", "csi-snapshotter", "csi-resizer"))
            assertTrue(byName.get(sidecar).getArgs().contains("--leader-election"), sidecar);
        assertTrue(byName.get("csi-provisioner").getArgs().contains("--extra-create-metadata"));
        assertTrue(byName.get("csi-snapshotter").getArgs().contains("--extra-create-metadata"));
        Container strata = byName.get("strata");
        assertEquals("controller", strata.getArgs().getFirst());
        assertNotNull(strata.getLivenessProbe(), "liveness through the livenessprobe sidecar");
        assertNotNull(strata.getReadinessProbe());
        assertTrue(strata.getArgs().contains("--agent-token-file=/etc/strata/agent/token"));
        assertTrue(strata.getEnv().stream().anyMatch(e -> e.getName().equals("POD_NAMESPACE")), "the GC lease namespace");
    }

    @Test
    void theNodePluginIsPrivilegedWithBidirectionalKubeletMountsAndLoadsUblk() {
        List<HasMetadata> objects = parse(render(Map.of()));
        DaemonSet node = of(objects, DaemonSet.class).getFirst();
        PodSpec pod = node.getSpec().getTemplate().getSpec();
        assertFalse(pod.getAutomountServiceAccountToken(), "the node plugin has no API access");
        Container init = pod.getInitContainers().getFirst();
        assertEquals(List.of("modprobe", "ublk_drv"), init.getCommand());
        Container strata = pod.getContainers().stream().filter(c -> c.getName().equals("strata")).findFirst().orElseThrow();
        assertTrue(strata.getSecurityContext().getPrivileged());
        assertEquals("node", strata.getArgs().getFirst());
        assertTrue(strata.getArgs().contains("--node-id=$(NODE_NAME)"));
        assertEquals("spec.nodeName", strata.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst().orElseThrow()
                .getValueFrom().getFieldRef().getFieldPath(), "the node id is the Kubernetes node name");
        assertTrue(strata.getArgs().stream().anyMatch(a -> a.startsWith("--agent-listen=$(POD_IP):")), "the agent binds the pod IP, not 0.0.0.0");
        assertEquals("Bidirectional", strata.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/var/lib/kubelet"))
                .findFirst().orElseThrow().getMountPropagation());
        assertTrue(strata.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/dev")));
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getHostPath() != null && v.getHostPath().getPath().equals("/var/lib/strata")),
                "the local map lives on the host and survives restarts");
        Set<String> names = pod.getContainers().stream().map(Container::getName).collect(Collectors.toSet());
        assertEquals(Set.of("strata", "node-driver-registrar", "liveness-probe"), names);
        containers(pod).forEach(c -> {
            assertPinned(c.getImage());
            assertNotNull(c.getResources().getLimits().get("memory"), c.getName());
        });
        ServiceAccount sa = of(objects, ServiceAccount.class).stream().filter(s -> s.getMetadata().getName().endsWith("-node")).findFirst().orElseThrow();
        assertFalse(sa.getAutomountServiceAccountToken());
    }

    @Test
    void rbacIsMinimalWithNoWildcardsAndNoSecrets() {
        List<HasMetadata> objects = parse(render(Map.of()));
        List<PolicyRule> rules = new ArrayList<>();
        of(objects, ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        of(objects, Role.class).forEach(r -> rules.addAll(r.getRules()));
        for (PolicyRule r : rules) {
            for (List<String> field : List.of(r.getVerbs(), r.getResources(), r.getApiGroups()))
                assertFalse(field.contains("*"), "no wildcard: " + r);
            assertFalse(r.getResources().contains("secrets"), "no secret access: " + r);
            assertFalse(r.getVerbs().contains("escalate") || r.getVerbs().contains("bind") || r.getVerbs().contains("impersonate"), r.toString());
        }
        assertTrue(of(objects, ClusterRole.class).getFirst().getRules().stream().noneMatch(r -> r.getResources().contains("leases")),
                "leases only in the release namespace");
        assertEquals(List.of("leases"), of(objects, Role.class).getFirst().getRules().getFirst().getResources());
    }

    @Test
    void theSchemaRejectsBadValuesWithAMessage() {
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("store.uri", "file:///var/lib/strata/bucket"),
                Map.of("storageClasses[0].parameters.durability", "fast"),
                Map.of("storageClasses[0].parameters.colour", "blue"),
                Map.of("sidecars.provisioner.image", "registry.k8s.io/sig-storage/csi-provisioner:latest"),
                Map.of("image.tag", "latest"),
                Map.of("node.kubeletDir", "relative/path"),
                Map.of("surprise", "yes"))) {
            Exception e = assertThrows(Exception.class, () -> render(bad), bad.toString());
            assertTrue(e.getMessage() != null && e.getMessage().contains("schema"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void optionalPartsRenderWhenAsked() {
        List<HasMetadata> objects = parse(render(Map.of("serviceMonitor.enabled", true, "store.credentials.accessKey", "AKIA",
                "store.credentials.secretKey", "s3cr3t", "agent.token.existingSecret", "my-token", "image.digest",
                "sha256:" + "a".repeat(64))));
        assertEquals(2, of(objects, GenericKubernetesResource.class).stream().filter(o -> o.getKind().equals("ServiceMonitor")).count());
        Deployment controller = of(objects, Deployment.class).getFirst();
        assertTrue(controller.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage().endsWith("@sha256:" + "a".repeat(64)));
        assertTrue(controller.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv().stream()
                .anyMatch(e -> e.getName().equals("STRATA_S3_SECRET_KEY_FILE")), "the secret key is a file, never an argument");
        assertFalse(render(Map.of("store.credentials.accessKey", "AKIA", "store.credentials.secretKey", "s3cr3t"))
                .contains("--s3-secret"), "no secret on a command line");
    }

    @Test
    void theSnapshotMetadataSidecarAndItsServiceObjectRenderWhenAsked() {
        assertFalse(render(Map.of()).contains("SnapshotMetadataService"), "off by default");
        List<HasMetadata> objects = parse(render(Map.of("snapshotMetadata.enabled", true, "snapshotMetadata.tlsSecret", "cbt-tls",
                "snapshotMetadata.caCert", "TFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2c9PQ==")));
        Deployment controller = of(objects, Deployment.class).getFirst();
        Container sidecar = controller.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("csi-snapshot-metadata")).findFirst().orElseThrow();
        assertPinned(sidecar.getImage());
        assertTrue(sidecar.getArgs().containsAll(List.of("--csi-address=/csi/csi.sock", "--tls-cert=/tls/tls.crt",
                "--tls-key=/tls/tls.key", "--audience=strata-snapshot-metadata")), sidecar.getArgs().toString());
        assertTrue(controller.getSpec().getTemplate().getSpec().getVolumes().stream()
                .anyMatch(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("cbt-tls")));
        var service = of(objects, io.fabric8.kubernetes.api.model.Service.class).stream()
                .filter(x -> x.getMetadata().getName().equals("strata-snapshot-metadata")).findFirst().orElseThrow();
        assertEquals("snapshot-meta", service.getSpec().getPorts().getFirst().getTargetPort().getStrVal());
        GenericKubernetesResource sms = of(objects, GenericKubernetesResource.class).stream()
                .filter(o -> o.getKind().equals("SnapshotMetadataService")).findFirst().orElseThrow();
        assertEquals("csi.strata.dev", sms.getMetadata().getName(), "named after the driver, as the sidecar looks it up");
        @SuppressWarnings("unchecked") Map<String, Object> spec = (Map<String, Object>) sms.getAdditionalProperties().get("spec");
        assertEquals("strata-snapshot-metadata.strata:6443", spec.get("address"));
        assertEquals("strata-snapshot-metadata", spec.get("audience"));
        assertTrue(of(objects, ClusterRole.class).stream().flatMap(r -> r.getRules().stream())
                .anyMatch(r -> r.getResources().contains("tokenreviews") && r.getVerbs().equals(List.of("create"))));
        Exception e = assertThrows(Exception.class, () -> render(Map.of("snapshotMetadata.enabled", true)));
        assertTrue(e.getMessage().contains("tlsSecret"), e.getMessage());
    }

    @Test
    void volumeGroupSnapshotsTurnOnTheSnapshotterGateAndAClassWhenAsked() {
        Container off = of(parse(render(Map.of())), Deployment.class).getFirst().getSpec().getTemplate().getSpec().getContainers()
                .stream().filter(c -> c.getName().equals("csi-snapshotter")).findFirst().orElseThrow();
        assertFalse(off.getArgs().stream().anyMatch(a -> a.contains("CSIVolumeGroupSnapshot")), "off by default");
        List<HasMetadata> objects = parse(render(Map.of("volumeGroupSnapshots.enabled", true)));
        Container snapshotter = of(objects, Deployment.class).getFirst().getSpec().getTemplate().getSpec().getContainers()
                .stream().filter(c -> c.getName().equals("csi-snapshotter")).findFirst().orElseThrow();
        assertTrue(snapshotter.getArgs().contains("--feature-gates=CSIVolumeGroupSnapshot=true"), snapshotter.getArgs().toString());
        GenericKubernetesResource cls = of(objects, GenericKubernetesResource.class).stream()
                .filter(o -> o.getKind().equals("VolumeGroupSnapshotClass")).findFirst().orElseThrow();
        assertEquals("groupsnapshot.storage.k8s.io/v1beta1", cls.getApiVersion(), "what the pinned csi-snapshotter v8.2 serves");
        assertEquals("csi.strata.dev", cls.getAdditionalProperties().get("driver"));
        assertTrue(of(objects, ClusterRole.class).stream().flatMap(r -> r.getRules().stream())
                .anyMatch(r -> r.getResources().contains("volumegroupsnapshotcontents/status")));
    }

    static void assertPinned(String image) {
        assertTrue(image.matches(".+:[A-Za-z0-9._-]+$") || image.matches(".+@sha256:[a-f0-9]{64}$"), "pinned: " + image);
        assertFalse(image.endsWith(":latest"), image);
    }

    /** The values deploy/manifests is rendered with (the agent token Secret is the operator's: no random data in git). */
    static final Map<String, Object> MANIFEST_VALUES = Map.of("agent.token.existingSecret", "strata-agent-token");

    @Test
    void renderedManifestsAreUpToDate() throws Exception {
        String rendered = "# Rendered from deploy/helm/strata with its default values by bin/render-manifests; do not edit.\n"
                + "# Before applying: create the namespace \"strata\" and the Secret \"strata-agent-token\" (key: token),\n"
                + "# and set the bucket (store.uri) — see docs/install.md.\n" + render(MANIFEST_VALUES);
        if (Boolean.getBoolean("strata.updateManifests")) {
            Files.createDirectories(MANIFESTS.getParent());
            Files.writeString(MANIFESTS, rendered);
        }
        assertTrue(Files.exists(MANIFESTS), "run bin/render-manifests");
        assertEquals(rendered, Files.readString(MANIFESTS), "deploy/manifests is stale: run bin/render-manifests");
        parse(rendered);
    }
}
