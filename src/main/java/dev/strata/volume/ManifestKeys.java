package dev.strata.volume;

import java.util.regex.Pattern;

/** Checks of pool-relative manifest keys stored inside manifests and records. */
final class ManifestKeys {
    /** manifests/{name}/{uid}/{gen}, snapshots/{name}/{seq}, images/{image}/{uid}. */
    private static final Pattern POOL_RELATIVE = Pattern.compile(
            "(manifests/[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[0-9a-f]{16}/[0-9]{20}"
                    + "|snapshots/[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[0-9]{20}"
                    + "|images/[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[0-9a-f]{16})");

    private ManifestKeys() {}

    static String checkPoolRelative(String key) {
        if (key == null || !POOL_RELATIVE.matcher(key).matches() || key.contains(".."))
            throw new VolumeException.InvalidArgument("not a manifest key: '" + Names.printable(key == null ? "" : key) + "'");
        return key;
    }
}
