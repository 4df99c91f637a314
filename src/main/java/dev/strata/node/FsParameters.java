package dev.strata.node;

import dev.strata.volume.VolumeException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The filesystem a node makes on a filesystem volume, as stored with the volume: its type and
 * the extra mkfs arguments, checked against {@link MkfsOptions}' allow-list for that type.
 *
 * @param fsType      ext4 or xfs (default ext4)
 * @param mkfsOptions extra mkfs arguments, split at spaces, or null
 */
public record FsParameters(String fsType, String mkfsOptions) {
    public static final String FS_TYPE = "fsType", MKFS_OPTIONS = "mkfsOptions";
    private static final Pattern MKFS_SAFE = Pattern.compile("[A-Za-z0-9 _=,.:^+-]*");

    public FsParameters {
        if (!"ext4".equals(fsType) && !"xfs".equals(fsType))
            throw new VolumeException.InvalidArgument("parameter fsType must be ext4 or xfs, got '" + dev.strata.volume.Names.printable(String.valueOf(fsType)) + "'");
        if (mkfsOptions != null && (mkfsOptions.length() > 512 || !MKFS_SAFE.matcher(mkfsOptions).matches()))
            throw new VolumeException.InvalidArgument("parameter mkfsOptions may hold only letters, digits, spaces and -_=,.:^+ (at most 512; no paths: mkfs must not read the node's files)");
        MkfsOptions.parse(fsType, mkfsOptions);
    }

    /** The filesystem keys among a volume's stored (or a StorageClass's) parameters; other keys are ignored. */
    public static FsParameters of(Map<String, String> parameters) {
        String mkfs = parameters.get(MKFS_OPTIONS);
        return new FsParameters(parameters.getOrDefault(FS_TYPE, "ext4"), mkfs == null || mkfs.isBlank() ? null : mkfs.trim());
    }

    /** As stored with the volume. */
    public Map<String, String> stored() {
        Map<String, String> m = new TreeMap<>();
        m.put(FS_TYPE, fsType);
        if (mkfsOptions != null) m.put(MKFS_OPTIONS, mkfsOptions);
        return m;
    }
}
