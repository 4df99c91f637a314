package dev.strata.volume;

/**
 * A volume group snapshot's stable id: {@code group-} and 32 hex digits of a hash of the CSI
 * name it was created under. The same name always gives the same id (CreateVolumeGroupSnapshot
 * is idempotent on the name), and the id resolves on any node.
 */
public record GroupSnapshotId(String value) {
    public GroupSnapshotId {
        if (value == null || !value.matches("group-[0-9a-f]{32}"))
            throw new VolumeException.InvalidArgument("group snapshot id '" + Names.printable(String.valueOf(value))
                    + "' is not of the form group-<32 hex digits>");
    }

    public static GroupSnapshotId forCsiName(String csiName) {
        Names.check("name", csiName, VolumeName.MAX_CSI_NAME_BYTES);
        return new GroupSnapshotId("group-" + Names.sha256Hex(csiName).substring(0, 32));
    }

    /** The CSI name its member snapshot of {@code volume} is claimed under (idempotent retries). */
    String memberName(VolumeName volume) {
        return value + "/" + volume.value();
    }

    /** The group a member snapshot's CSI name points at, or null when it is no member's name. */
    public static GroupSnapshotId ofMemberName(String csiName) {
        if (csiName == null || !csiName.startsWith("group-") || csiName.indexOf('/') != 38) return null;
        try {
            return new GroupSnapshotId(csiName.substring(0, 38));
        } catch (VolumeException.InvalidArgument e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
