package dev.strata.node;

import dev.strata.uring.Syscalls;
import dev.strata.volume.VolumeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Filesystems on block devices: detect what a device holds (format only a blank one), make
 * ext4 or xfs, grow them online, and read their usage with statvfs.
 */
public final class Filesystems {
    public static final Set<String> SUPPORTED = Set.of("ext4", "xfs");

    /** What a device holds: nothing, a filesystem of a type, or something else Strata will not touch. */
    public record Probe(String fsType, String other) {
        public boolean blank() {
            return fsType == null && other == null;
        }
    }

    /** Usage of a mounted filesystem. */
    public record Usage(long totalBytes, long availableBytes, long usedBytes, long totalInodes, long freeInodes, long usedInodes) {}

    private final ProcessRunner runner;

    public Filesystems(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Reads the device's signatures with {@code blkid -p} (low-level probe, no cache). */
    public Probe probe(String device) {
        ProcessRunner.Result r = runner.run(List.of("blkid", "-p", "-o", "export", "--", device));
        if (r.exitCode() == 2) return new Probe(null, null);
        if (!r.ok()) throw new VolumeException.FailedPrecondition("cannot probe " + device + ": " + r.describe());
        String type = null, other = null;
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith("TYPE=")) type = line.substring(5).strip();
            else if (line.startsWith("PTTYPE=")) other = "a " + line.substring(7).strip() + " partition table";
        }
        if (type == null && other == null) other = "an unrecognised signature";
        return new Probe(type, type != null ? null : other);
    }

    /** Checks mkfs options from a StorageClass against the allow-list for {@code fsType} (see {@link MkfsOptions}). */
    public static List<String> mkfsArgs(String fsType, String mkfsOptions) {
        return MkfsOptions.parse(fsType, mkfsOptions);
    }

    /** Makes a filesystem; no discard pass (the device is sparse in the bucket already). */
    public void format(String device, String fsType, String mkfsOptions) {
        List<String> cmd = new ArrayList<>();
        switch (fsType) {
            case "ext4" -> cmd.addAll(List.of("mkfs.ext4", "-F", "-q", "-E", "nodiscard"));
            case "xfs" -> cmd.addAll(List.of("mkfs.xfs", "-f", "-q", "-K"));
            default -> throw new VolumeException.InvalidArgument("fs type " + fsType + " is not supported; use ext4 or xfs");
        }
        cmd.addAll(mkfsArgs(fsType, mkfsOptions));
        cmd.add(device);
        runner.check(cmd);
    }

    /** Grows the filesystem to fill its (already grown) device. */
    public void grow(String device, Path mountPath, String fsType) {
        List<String> cmd = switch (fsType) {
            case "ext4" -> List.of("resize2fs", device);
            case "xfs" -> List.of("xfs_growfs", "-d", mountPath.toString());
            default -> throw new VolumeException.InvalidArgument("fs type " + fsType + " cannot be grown");
        };
        ProcessRunner.Result r = runner.run(cmd);
        if (r.ok()) return;
        String hint = fsType.equals("ext4") && r.describe().contains("Permission denied")
                ? " (growing a mounted ext4 needs CAP_SYS_RESOURCE; give the node plugin that capability)" : "";
        throw new VolumeException.FailedPrecondition(r.describe() + hint);
    }

    /** Options always added: an xfs fork shares its source's UUID, so {@code nouuid} lets both mount on one node. */
    public static List<String> defaultMountOptions(String fsType) {
        return fsType.equals("xfs") ? List.of("nouuid") : List.of();
    }

    /** statvfs of a mounted path. */
    public static Usage usage(Path path) {
        try (Arena arena = Arena.ofConfined()) {
            Syscalls sys = new Syscalls(arena);
            MemorySegment out = arena.allocate(Syscalls.STATVFS_SIZE, 8);
            sys.statvfs(arena.allocateFrom(path.toString()), out);
            long frsize = out.get(JAVA_LONG, 8), blocks = out.get(JAVA_LONG, 16), bfree = out.get(JAVA_LONG, 24);
            long bavail = out.get(JAVA_LONG, 32), files = out.get(JAVA_LONG, 40), ffree = out.get(JAVA_LONG, 48);
            return new Usage(blocks * frsize, bavail * frsize, (blocks - bfree) * frsize, files, ffree, files - ffree);
        }
    }
}
