package dev.strata.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the PVC or VolumeSnapshot a CSI call works for (named in the
 * provisioner's/snapshotter's extra metadata), so {@code kubectl describe} shows what a long
 * operation did. Best effort: an Event that cannot be written is logged, never fails the call.
 */
public final class KubeEvents {
    private static final Logger log = LoggerFactory.getLogger(KubeEvents.class);
    static final String SNAPSHOT_NAME = "csi.storage.k8s.io/volumesnapshot/name",
            SNAPSHOT_NAMESPACE = "csi.storage.k8s.io/volumesnapshot/namespace";

    private final KubernetesClient client;
    private final Clock clock;
    private final String component;

    public KubeEvents(KubernetesClient client, Clock clock, String component) {
        this.client = client;
        this.clock = clock;
        this.component = component;
    }

    /** An Event on the object the metadata names (PVC or VolumeSnapshot); nothing when it names none. */
    public void record(Map<String, String> kubeMetadata, String reason, String message, boolean warning) {
        String kind, apiVersion, name, namespace;
        if (kubeMetadata.containsKey(PvcAnnotations.PVC_NAME)) {
            kind = "PersistentVolumeClaim";
            apiVersion = "v1";
            name = kubeMetadata.get(PvcAnnotations.PVC_NAME);
            namespace = kubeMetadata.get(PvcAnnotations.PVC_NAMESPACE);
        } else if (kubeMetadata.containsKey(SNAPSHOT_NAME)) {
            kind = "VolumeSnapshot";
            apiVersion = "snapshot.storage.k8s.io/v1";
            name = kubeMetadata.get(SNAPSHOT_NAME);
            namespace = kubeMetadata.get(SNAPSHOT_NAMESPACE);
        } else {
            return;
        }
        if (name == null || namespace == null) return;
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withName(name + "." + UUID.randomUUID().toString().substring(0, 8)).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind(kind).withApiVersion(apiVersion).withName(name)
                            .withNamespace(namespace).build())
                    .withReason(reason).withMessage(message).withType(warning ? "Warning" : "Normal")
                    .withNewSource().withComponent(component).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            log.atWarn().setMessage("cannot record a Kubernetes event").addKeyValue("object", kind.toLowerCase(Locale.ROOT) + "/" + namespace + "/" + name)
                    .addKeyValue("reason", reason).addKeyValue("error", e.getMessage()).log();
        }
    }
}
