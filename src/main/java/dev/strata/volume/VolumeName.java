package dev.strata.volume;

/**
 * A volume's stable name, which is also its CSI volume id: letters, digits, '.', '_', '-',
 * at most {@value #MAX_BYTES} bytes, so that a snapshot id {@code name@seq} always fits the
 * CSI limit of 128 bytes.
 */
public record VolumeName(String value) implements Comparable<VolumeName> {
    public static final int MAX_BYTES = 100;
    /** CSI names and ids are at most 128 bytes. */
    public static final int MAX_CSI_NAME_BYTES = 128;

    public VolumeName {
        Names.check("volume name", value, MAX_BYTES);
    }

    /**
     * The volume name for a CSI CreateVolume name: the name itself when it fits, otherwise a
     * stable short form (a prefix and a hash of the whole name). The same CSI name always
     * gives the same volume name.
     */
    public static VolumeName forCsiName(String csiName) {
        Names.check("name", csiName, MAX_CSI_NAME_BYTES);
        if (csiName.length() <= MAX_BYTES) return new VolumeName(csiName);
        String hash = Names.sha256Hex(csiName).substring(0, 32);
        String prefix = csiName.substring(0, MAX_BYTES - hash.length() - 2);
        return new VolumeName(prefix + "-h" + hash);
    }

    @Override
    public int compareTo(VolumeName o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
