package dev.strata.kube;

import dev.strata.volume.VolumeException;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Optional;

/**
 * The PVC annotation {@code strata.dev/from: image:NAME}: an alternative to the StorageClass
 * parameter {@code from}, so one StorageClass serves every image. The external-provisioner
 * (with {@code --extra-create-metadata}) passes the PVC's name and namespace to CreateVolume;
 * this reads the PVC's annotations from the API server.
 */
public final class PvcAnnotations {
    public static final String FROM = "strata.dev/from";
    public static final String PVC_NAME = "csi.storage.k8s.io/pvc/name", PVC_NAMESPACE = "csi.storage.k8s.io/pvc/namespace";

    private final KubernetesClient client;

    public PvcAnnotations(KubernetesClient client) {
        this.client = client;
    }

    /** The annotation of the PVC named in {@code kubeMetadata}, if the metadata names one and it is set. */
    public Optional<String> fromAnnotation(Map<String, String> kubeMetadata) {
        String name = kubeMetadata.get(PVC_NAME), namespace = kubeMetadata.get(PVC_NAMESPACE);
        if (name == null || namespace == null) return Optional.empty();
        PersistentVolumeClaim pvc;
        try {
            pvc = client.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new VolumeException.Unavailable("cannot read PVC " + namespace + "/" + name + " for its " + FROM
                    + " annotation: " + e.getMessage(), e);
        }
        if (pvc == null || pvc.getMetadata().getAnnotations() == null) return Optional.empty();
        return Optional.ofNullable(pvc.getMetadata().getAnnotations().get(FROM)).map(String::strip).filter(s -> !s.isEmpty());
    }
}
