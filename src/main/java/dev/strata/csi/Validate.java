package dev.strata.csi;

import csi.v1.Csi.VolumeCapability;
import dev.strata.volume.SnapshotId;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Request checks shared by the CSI services. Required fields missing, too long or holding
 * NUL are INVALID_ARGUMENT naming the field; an id that is well-formed for CSI but could
 * never have been issued by Strata is NOT_FOUND (it names nothing that exists).
 */
final class Validate {
    static final int MAX_ID_BYTES = 128;

    private Validate() {}

    static String required(String field, String value) {
        if (value == null || value.isEmpty()) throw Errors.invalid(field + " is required");
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES)
            throw Errors.invalid(field + " is longer than " + MAX_ID_BYTES + " bytes");
        if (value.indexOf('\0') >= 0) throw Errors.invalid(field + " must not contain NUL");
        return value;
    }

    /** A volume id that must name an existing volume: malformed ones are NOT_FOUND. */
    static VolumeName volumeId(String field, String value) {
        return parsedVolumeId(field, value).orElseThrow(() -> Errors.notFound("volume " + value + " does not exist"));
    }

    static Optional<VolumeName> parsedVolumeId(String field, String value) {
        required(field, value);
        try {
            return Optional.of(new VolumeName(value));
        } catch (VolumeException.InvalidArgument e) {
            return Optional.empty();
        }
    }

    static Optional<SnapshotId> parsedSnapshotId(String field, String value) {
        required(field, value);
        try {
            return Optional.of(SnapshotId.parse(value));
        } catch (VolumeException.InvalidArgument e) {
            return Optional.empty();
        }
    }

    /** Every capability must be one Strata serves: single-node access, block or mount. */
    static void capabilities(String field, List<VolumeCapability> caps) {
        if (caps.isEmpty()) throw Errors.invalid(field + " is required");
        for (VolumeCapability c : caps) capability(field, c);
    }

    static void capability(String field, VolumeCapability c) {
        unsupportedReason(c).ifPresent(why -> {
            throw Errors.invalid(field + ": " + why);
        });
    }

    /** Why Strata cannot serve this capability, or empty if it can. */
    static Optional<String> unsupportedReason(VolumeCapability c) {
        if (c.getAccessTypeCase() == VolumeCapability.AccessTypeCase.ACCESSTYPE_NOT_SET)
            return Optional.of("access type (block or mount) is required");
        if (!c.hasAccessMode()) return Optional.of("access mode is required");
        VolumeCapability.AccessMode.Mode mode = c.getAccessMode().getMode();
        switch (mode) {
            case SINGLE_NODE_WRITER, SINGLE_NODE_READER_ONLY, SINGLE_NODE_SINGLE_WRITER, SINGLE_NODE_MULTI_WRITER -> { }
            default -> {
                return Optional.of("access mode " + mode + " is not supported: a Strata volume is attached to one node at a time");
            }
        }
        if (c.hasMount()) {
            String fs = c.getMount().getFsType();
            if (!fs.isEmpty() && !fs.equals("ext4") && !fs.equals("xfs"))
                return Optional.of("fs_type " + fs + " is not supported; use ext4 or xfs");
        }
        return Optional.empty();
    }
}
