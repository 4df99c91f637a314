package dev.strata.csi;

import dev.strata.node.FsParameters;
import dev.strata.volume.FromRef;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeParameters;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * StorageClass parameters (docs/parameters.md). Unknown keys are rejected, except the
 * {@code csi.storage.k8s.io/} keys that Kubernetes sidecars add, which are passed on as
 * {@code kubeMetadata} and never stored. Composed of what each layer acts on: the engine's
 * {@link VolumeParameters} (durability, rpo), the node's {@link FsParameters} (fsType,
 * mkfsOptions), and {@code from}, which only CreateVolume reads.
 *
 * @param from   an image ref ({@code image:NAME}) every volume of the class is forked from, or null
 * @param fs     the filesystem a node makes (filesystem volumes)
 * @param engine how FLUSH is made durable and the RPO
 */
public record StorageClassParameters(String from, FsParameters fs, VolumeParameters engine, Map<String, String> kubeMetadata) {
    public static final String FROM = "from";
    public static final Set<String> KEYS = Set.of(FROM, FsParameters.FS_TYPE, FsParameters.MKFS_OPTIONS,
            VolumeParameters.DURABILITY, VolumeParameters.RPO);
    public static final String KUBE_PREFIX = "csi.storage.k8s.io/";

    public StorageClassParameters {
        if (from != null && !(FromRef.parse(from) instanceof FromRef.Image))
            throw new VolumeException.InvalidArgument("parameter from must be image:NAME, got '" + printable(from) + "'");
        kubeMetadata = kubeMetadata == null ? Map.of() : Map.copyOf(kubeMetadata);
    }

    public static StorageClassParameters parse(Map<String, String> raw) {
        Map<String, String> kube = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (e.getKey().startsWith(KUBE_PREFIX)) kube.put(e.getKey(), e.getValue());
            else if (!KEYS.contains(e.getKey()))
                throw new VolumeException.InvalidArgument("unknown parameter '" + printable(e.getKey())
                        + "'; known parameters are " + new java.util.TreeSet<>(KEYS));
        }
        String from = raw.get(FROM);
        return new StorageClassParameters(from == null || from.isBlank() ? null : from.trim(), FsParameters.of(raw),
                VolumeParameters.of(raw), kube);
    }

    public String fsType() {
        return fs.fsType();
    }

    public String mkfsOptions() {
        return fs.mkfsOptions();
    }

    /** The parameters that define the volume (stored for idempotency; no Kubernetes metadata). */
    public Map<String, String> stored() {
        Map<String, String> m = new TreeMap<>();
        if (from != null) m.put(FROM, from);
        m.putAll(fs.stored());
        m.putAll(engine.stored());
        return m;
    }

    /**
     * {@code raw} with {@code mutable} laid over it (CSI: mutable parameters take precedence).
     * A key outside {@link VolumeParameters#MUTABLE} → InvalidArgument; the
     * {@code csi.storage.k8s.io/} keys sidecars add are passed on. Values are checked by {@link #parse}.
     */
    public static Map<String, String> overlay(Map<String, String> raw, Map<String, String> mutable) {
        Map<String, String> merged = new TreeMap<>(raw);
        merged.putAll(mutableOnly(mutable));
        mutable.forEach((k, v) -> {
            if (k.startsWith(KUBE_PREFIX)) merged.put(k, v);
        });
        return merged;
    }

    /** The engine keys of ControllerModifyVolume's mutable parameters, the sidecars' keys dropped; any other key → InvalidArgument. */
    public static Map<String, String> mutableOnly(Map<String, String> mutable) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, String> e : mutable.entrySet()) {
            if (e.getKey().startsWith(KUBE_PREFIX)) continue;
            if (!VolumeParameters.MUTABLE.contains(e.getKey()))
                throw new VolumeException.InvalidArgument("parameter '" + printable(e.getKey())
                        + "' cannot be changed on an existing volume; the mutable parameters are "
                        + new java.util.TreeSet<>(VolumeParameters.MUTABLE));
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    private static String printable(String value) {
        return dev.strata.volume.Names.printable(value);
    }
}
