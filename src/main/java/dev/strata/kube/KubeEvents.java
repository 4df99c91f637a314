package dev.strata.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on the PVC or VolumeSnapshot a CSI call works for (named in the
 * provisioner's/snapshotter's extra metadata), so {@code kubectl describe} shows what a long
 * operation did. Written the way client-go's recorder writes them: the involved object carries
 * its uid, resourceVersion and apiVersion (describe finds Events by uid), and a repeat of the same
 * Event (object, type, reason, message) patches the first one's count and lastTimestamp instead
 * of adding another. Best effort: an Event that cannot be written is logged, never fails the call.
 */
public final class KubeEvents {
    private static final Logger log = LoggerFactory.getLogger(KubeEvents.class);
    static final String SNAPSHOT_NAME = "csi.storage.k8s.io/volumesnapshot/name",
            SNAPSHOT_NAMESPACE = "csi.storage.k8s.io/volumesnapshot/namespace";
    static final String SNAPSHOT_API_VERSION = "snapshot.storage.k8s.io/v1";
    static final ResourceDefinitionContext VOLUME_SNAPSHOTS = new ResourceDefinitionContext.Builder()
            .withGroup("snapshot.storage.k8s.io").withVersion("v1").withKind("VolumeSnapshot").withPlural("volumesnapshots")
            .withNamespaced(true).build();
    /** Distinct Events remembered for aggregation (client-go's cache holds 4096). */
    static final int REMEMBERED = 4096;

    private final KubernetesClient client;
    private final Clock clock;
    private final String component;
    /** Aggregation key → the Event written for it and its count; least recently used first. */
    private final Map<String, Written> written = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Written> eldest) {
            return size() > REMEMBERED;
        }
    };

    private record Written(String name, int count) {}

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
            apiVersion = SNAPSHOT_API_VERSION;
            name = kubeMetadata.get(SNAPSHOT_NAME);
            namespace = kubeMetadata.get(SNAPSHOT_NAMESPACE);
        } else {
            return;
        }
        if (name == null || namespace == null) return;
        String type = warning ? "Warning" : "Normal";
        try {
            ObjectReference involved = reference(kind, apiVersion, namespace, name);
            write(involved, type, reason, message);
        } catch (KubernetesClientException e) {
            log.atWarn().setMessage("cannot record a Kubernetes event").addKeyValue("object", kind.toLowerCase(Locale.ROOT) + "/" + namespace + "/" + name)
                    .addKeyValue("reason", reason).addKeyValue("error", e.getMessage()).log();
        }
    }

    /** The involved object as the API server has it now (uid, resourceVersion); without them if it cannot be read. */
    private ObjectReference reference(String kind, String apiVersion, String namespace, String name) {
        HasMetadata object = kind.equals("VolumeSnapshot")
                ? client.genericKubernetesResources(VOLUME_SNAPSHOTS).inNamespace(namespace).withName(name).get()
                : client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        var ref = new ObjectReferenceBuilder().withKind(kind).withApiVersion(apiVersion).withNamespace(namespace).withName(name);
        if (object != null) ref.withUid(object.getMetadata().getUid()).withResourceVersion(object.getMetadata().getResourceVersion());
        return ref.build();
    }

    private synchronized void write(ObjectReference involved, String type, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        String key = String.join("\u0000", involved.getKind(), involved.getNamespace(), involved.getName(),
                String.valueOf(involved.getUid()), type, reason, message);
        Written seen = written.get(key);
        if (seen != null) {
            try {
                client.v1().events().inNamespace(involved.getNamespace()).withName(seen.name())
                        .patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"count\":" + (seen.count() + 1) + ",\"lastTimestamp\":\"" + now + "\"}");
                written.put(key, new Written(seen.name(), seen.count() + 1));
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) throw e;
                written.remove(key); // the Event expired (TTL): write it anew
            }
        }
        String eventName = involved.getName() + "." + Long.toHexString(clock.instant().toEpochMilli() * 1_000_000 + System.nanoTime() % 1_000_000);
        client.v1().events().inNamespace(involved.getNamespace()).resource(new EventBuilder()
                .withNewMetadata().withName(eventName).withNamespace(involved.getNamespace()).endMetadata()
                .withInvolvedObject(involved)
                .withReason(reason).withMessage(message).withType(type)
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                .build()).create();
        written.put(key, new Written(eventName, 1));
    }
}
