package dev.strata.volume;

/**
 * A snapshot's stable id {@code volume@seq}: the volume's name and a sequence number that
 * is allocated durably and never reused for that name. Resolves on any node.
 */
public record SnapshotId(VolumeName volume, long seq) implements Comparable<SnapshotId> {
    public SnapshotId {
        if (volume == null) throw new VolumeException.InvalidArgument("snapshot id needs a volume");
        if (seq < 1) throw new VolumeException.InvalidArgument("snapshot sequence must be at least 1, got " + seq);
    }

    /** Parses {@code volume@seq}; anything else is InvalidArgument naming the problem. */
    public static SnapshotId parse(String id) {
        if (id == null || id.isEmpty()) throw new VolumeException.InvalidArgument("snapshot id must not be empty");
        int at = id.lastIndexOf('@');
        if (at <= 0 || at == id.length() - 1)
            throw new VolumeException.InvalidArgument("snapshot id '" + Names.printable(id) + "' is not of the form volume@sequence");
        String digits = id.substring(at + 1);
        if (digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9') || digits.startsWith("0"))
            throw new VolumeException.InvalidArgument("snapshot id '" + Names.printable(id) + "' has an invalid sequence '" + Names.printable(digits) + "'");
        return new SnapshotId(new VolumeName(id.substring(0, at)), Long.parseLong(digits));
    }

    @Override
    public int compareTo(SnapshotId o) {
        int c = volume.compareTo(o.volume);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
        return volume.value() + "@" + seq;
    }
}
