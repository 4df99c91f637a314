package dev.strata.volume;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * StorageClass parameters (docs/parameters.md). Unknown keys are rejected, except the
 * {@code csi.storage.k8s.io/} keys that Kubernetes sidecars add, which are passed on as
 * {@code kubeMetadata} and never stored.
 *
 * @param from        an image ref ({@code image:NAME}) every volume of the class is forked from, or null
 * @param fsType      ext4 or xfs (default ext4), for filesystem volumes
 * @param mkfsOptions extra mkfs arguments, split at spaces; only options on {@link MkfsOptions}' allow-list for the fsType
 * @param durability  async (FLUSH = local fsync, upload within rpo) or sync (FLUSH waits for the bucket)
 * @param rpoSeconds  the most seconds acknowledged writes may stay local only (async); 1..3600
 */
public record VolumeParameters(String from, String fsType, String mkfsOptions, Durability durability, int rpoSeconds,
                               Map<String, String> kubeMetadata) {
    public enum Durability { ASYNC, SYNC }

    public static final String FROM = "from", FS_TYPE = "fsType", MKFS_OPTIONS = "mkfsOptions",
            DURABILITY = "durability", RPO = "rpo";
    public static final Set<String> KEYS = Set.of(FROM, FS_TYPE, MKFS_OPTIONS, DURABILITY, RPO);
    /** The keys ControllerModifyVolume (a VolumeAttributesClass) may change on an existing volume. */
    public static final Set<String> MUTABLE = Set.of(DURABILITY, RPO);
    public static final String KUBE_PREFIX = "csi.storage.k8s.io/";
    public static final int DEFAULT_RPO_SECONDS = 10;
    private static final Pattern MKFS_SAFE = Pattern.compile("[A-Za-z0-9 _=,.:^+-]*");

    public VolumeParameters {
        if (from != null) {
            if (!(FromRef.parse(from) instanceof FromRef.Image))
                throw new VolumeException.InvalidArgument("parameter from must be image:NAME, got '" + Names.printable(from) + "'");
        }
        if (!fsType.equals("ext4") && !fsType.equals("xfs"))
            throw new VolumeException.InvalidArgument("parameter fsType must be ext4 or xfs, got '" + Names.printable(fsType) + "'");
        if (mkfsOptions != null && (mkfsOptions.length() > 512 || !MKFS_SAFE.matcher(mkfsOptions).matches()))
            throw new VolumeException.InvalidArgument("parameter mkfsOptions may hold only letters, digits, spaces and -_=,.:^+ (at most 512; no paths: mkfs must not read the node's files)");
        MkfsOptions.parse(fsType, mkfsOptions);
        if (rpoSeconds < 1 || rpoSeconds > 3600)
            throw new VolumeException.InvalidArgument("parameter rpo must be 1..3600 seconds, got " + rpoSeconds);
        kubeMetadata = kubeMetadata == null ? Map.of() : Map.copyOf(kubeMetadata);
    }

    public static VolumeParameters parse(Map<String, String> raw) {
        Map<String, String> kube = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            if (e.getKey().startsWith(KUBE_PREFIX)) kube.put(e.getKey(), e.getValue());
            else if (!KEYS.contains(e.getKey()))
                throw new VolumeException.InvalidArgument("unknown parameter '" + Names.printable(e.getKey())
                        + "'; known parameters are " + new TreeMap<>(Map.of(FROM, 1, FS_TYPE, 1, MKFS_OPTIONS, 1, DURABILITY, 1, RPO, 1)).keySet());
        }
        String from = blankToNull(raw.get(FROM));
        String fsType = raw.getOrDefault(FS_TYPE, "ext4");
        String durability = raw.getOrDefault(DURABILITY, "async");
        Durability d = switch (durability) {
            case "async" -> Durability.ASYNC;
            case "sync" -> Durability.SYNC;
            default -> throw new VolumeException.InvalidArgument("parameter durability must be async or sync, got '"
                    + Names.printable(durability) + "'");
        };
        return new VolumeParameters(from, fsType, blankToNull(raw.get(MKFS_OPTIONS)), d, parseRpo(raw.get(RPO)), kube);
    }

    private static int parseRpo(String rpo) {
        if (rpo == null) return DEFAULT_RPO_SECONDS;
        try {
            return Integer.parseInt(rpo.endsWith("s") ? rpo.substring(0, rpo.length() - 1) : rpo);
        } catch (NumberFormatException e) {
            throw new VolumeException.InvalidArgument("parameter rpo must be a whole number of seconds, got '" + Names.printable(rpo) + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** The parameters that define the volume (stored for idempotency; no Kubernetes metadata). */
    public Map<String, String> stored() {
        Map<String, String> m = new TreeMap<>();
        if (from != null) m.put(FROM, from);
        m.put(FS_TYPE, fsType);
        if (mkfsOptions != null) m.put(MKFS_OPTIONS, mkfsOptions);
        m.put(DURABILITY, durability.name().toLowerCase(java.util.Locale.ROOT));
        m.put(RPO, Integer.toString(rpoSeconds));
        return m;
    }

    /**
     * {@code raw} with {@code mutable} laid over it (CSI: mutable parameters take precedence).
     * A key outside {@link #MUTABLE} → InvalidArgument; the {@code csi.storage.k8s.io/} keys
     * sidecars add are passed on. Values are checked by {@link #parse}.
     */
    public static Map<String, String> overlay(Map<String, String> raw, Map<String, String> mutable) {
        Map<String, String> merged = new TreeMap<>(raw);
        for (Map.Entry<String, String> e : mutable.entrySet()) {
            if (!MUTABLE.contains(e.getKey()) && !e.getKey().startsWith(KUBE_PREFIX))
                throw new VolumeException.InvalidArgument("parameter '" + Names.printable(e.getKey())
                        + "' cannot be changed on an existing volume; the mutable parameters are " + new java.util.TreeSet<>(MUTABLE));
            merged.put(e.getKey(), e.getValue());
        }
        return merged;
    }

    /** A volume's stored parameters after ControllerModifyVolume applies {@code mutable}; bad keys or values → InvalidArgument. */
    public static Map<String, String> modified(Map<String, String> stored, Map<String, String> mutable) {
        return parse(overlay(stored, mutable)).stored();
    }

    /** The stored parameters that can never change (what CreateVolume idempotency compares). */
    public static Map<String, String> immutable(Map<String, String> stored) {
        Map<String, String> m = new TreeMap<>(stored);
        m.keySet().removeAll(MUTABLE);
        return m;
    }
}
