package dev.strata.volume;

/**
 * Where a new volume's contents come from. Grammar: absent or empty (or blank) means a blank
 * volume; otherwise {@code kind:target} split at the first colon, with kind one of
 * {@code image}, {@code volume}, {@code snapshot} and a non-empty, valid target.
 * {@link #canonical()} is what is stored as the new volume's lineage.
 */
public sealed interface FromRef {
    /** The canonical string, or null for a blank volume. */
    String canonical();

    record Blank() implements FromRef {
        @Override public String canonical() { return null; }
    }

    record Image(ImageName image) implements FromRef {
        @Override public String canonical() { return "image:" + image.value(); }
    }

    record Volume(VolumeName volume) implements FromRef {
        @Override public String canonical() { return "volume:" + volume.value(); }
    }

    record Snapshot(SnapshotId snapshot) implements FromRef {
        @Override public String canonical() { return "snapshot:" + snapshot; }
    }

    FromRef BLANK = new Blank();

    static FromRef parse(String ref) {
        if (ref == null || ref.isBlank()) return BLANK;
        int colon = ref.indexOf(':');
        if (colon < 0)
            throw new VolumeException.InvalidArgument("from '" + Names.printable(ref)
                    + "' must be kind:target with kind one of image, volume, snapshot");
        String kind = ref.substring(0, colon);
        String target = ref.substring(colon + 1);
        if (target.isEmpty())
            throw new VolumeException.InvalidArgument("from '" + Names.printable(ref) + "' has an empty target after '" + kind + ":'");
        return switch (kind) {
            case "image" -> new Image(new ImageName(target));
            case "volume" -> new Volume(new VolumeName(target));
            case "snapshot" -> new Snapshot(SnapshotId.parse(target));
            default -> throw new VolumeException.InvalidArgument("from '" + Names.printable(ref)
                    + "' has unknown kind '" + Names.printable(kind) + "'; expected image, volume or snapshot");
        };
    }
}
