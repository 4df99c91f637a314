package dev.strata.volume;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The parameters the engine acts on, read from a volume's stored parameters: how a FLUSH is
 * made durable and the RPO. The other stored keys (the StorageClass's {@code from}, the node's
 * {@code fsType} and {@code mkfsOptions}) belong to the layers above — {@code csi} parses a
 * StorageClass, {@code node} reads its filesystem keys — and pass through here untouched.
 *
 * @param durability async (FLUSH = local fsync, upload within rpo) or sync (FLUSH waits for the bucket)
 * @param rpoSeconds the most seconds acknowledged writes may stay local only (async); 1..3600
 */
public record VolumeParameters(Durability durability, int rpoSeconds) {
    public enum Durability { ASYNC, SYNC }

    public static final String DURABILITY = "durability", RPO = "rpo";
    /** The keys ControllerModifyVolume (a VolumeAttributesClass) may change on an existing volume. */
    public static final Set<String> MUTABLE = Set.of(DURABILITY, RPO);
    public static final int DEFAULT_RPO_SECONDS = 10;
    public static final VolumeParameters DEFAULTS = new VolumeParameters(Durability.ASYNC, DEFAULT_RPO_SECONDS);

    public VolumeParameters {
        if (durability == null) throw new VolumeException.InvalidArgument("parameter durability is required");
        if (rpoSeconds < 1 || rpoSeconds > 3600)
            throw new VolumeException.InvalidArgument("parameter rpo must be 1..3600 seconds, got " + rpoSeconds);
    }

    /** The engine's parameters among {@code parameters} (defaults for absent keys; other keys ignored); bad values → InvalidArgument. */
    public static VolumeParameters of(Map<String, String> parameters) {
        String durability = parameters.getOrDefault(DURABILITY, "async");
        Durability d = switch (durability) {
            case "async" -> Durability.ASYNC;
            case "sync" -> Durability.SYNC;
            default -> throw new VolumeException.InvalidArgument("parameter durability must be async or sync, got '"
                    + Names.printable(durability) + "'");
        };
        return new VolumeParameters(d, parseRpo(parameters.get(RPO)));
    }

    private static int parseRpo(String rpo) {
        if (rpo == null) return DEFAULT_RPO_SECONDS;
        try {
            return Integer.parseInt(rpo.endsWith("s") ? rpo.substring(0, rpo.length() - 1) : rpo);
        } catch (NumberFormatException e) {
            throw new VolumeException.InvalidArgument("parameter rpo must be a whole number of seconds, got '" + Names.printable(rpo) + "'");
        }
    }

    /** As stored with the volume (normalised). */
    public Map<String, String> stored() {
        Map<String, String> m = new TreeMap<>();
        m.put(DURABILITY, durability.name().toLowerCase(java.util.Locale.ROOT));
        m.put(RPO, Integer.toString(rpoSeconds));
        return m;
    }

    /**
     * A volume's stored parameters after ControllerModifyVolume applies {@code mutable}: a key
     * outside {@link #MUTABLE} or a bad value → InvalidArgument; the other stored keys unchanged.
     */
    public static Map<String, String> modified(Map<String, String> stored, Map<String, String> mutable) {
        for (String key : mutable.keySet())
            if (!MUTABLE.contains(key))
                throw new VolumeException.InvalidArgument("parameter '" + Names.printable(key)
                        + "' cannot be changed on an existing volume; the mutable parameters are " + new java.util.TreeSet<>(MUTABLE));
        Map<String, String> merged = new TreeMap<>(stored);
        merged.putAll(mutable);
        merged.putAll(of(merged).stored());
        return merged;
    }

    /** The stored parameters that can never change (what CreateVolume idempotency compares). */
    public static Map<String, String> immutable(Map<String, String> stored) {
        Map<String, String> m = new TreeMap<>(stored);
        m.keySet().removeAll(MUTABLE);
        return m;
    }
}
