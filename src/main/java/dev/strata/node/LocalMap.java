package dev.strata.node;

import dev.strata.store.PrivateFiles;
import dev.strata.volume.Json;
import dev.strata.volume.VolumeException;
import dev.strata.volume.VolumeName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code {stateDir}/local-map.json}: the volumes this node holds, and the only thing boot
 * recovery looks at (DESIGN §7). Every change rewrites the file atomically (temp, fsync,
 * rename, fsync of the directory), so a crash leaves the old map or the new one, never a
 * torn one. Reads ignore unknown fields (a newer minor writer); a newer format or a
 * malformed file is refused with a message naming the file — the node does not start and
 * guess, because a map read wrong would recover the wrong volumes or none.
 */
public final class LocalMap {
    public static final int FORMAT = 1;
    public static final String FILE = "local-map.json";

    /** How the volume is staged. */
    public enum Access { MOUNT, BLOCK }

    /**
     * One held volume.
     *
     * @param volume      the volume name (= CSI volume id)
     * @param devId       its ublk device id, -1 before the device exists
     * @param epoch       the ownership epoch it was attached under
     * @param stagingPath the CSI staging path
     * @param access      mount or raw block
     * @param fsType      ext4 or xfs for mount volumes, else null
     * @param readonly    staged read-only
     */
    public record Entry(String volume, int devId, long epoch, String stagingPath, Access access, String fsType,
                        boolean readonly) {
        public Entry {
            new VolumeName(volume);
            if (epoch < 1) throw new VolumeException.InvalidArgument("local map entry " + volume + ": epoch must be >= 1");
            if (devId < -1) throw new VolumeException.InvalidArgument("local map entry " + volume + ": bad device id " + devId);
            if (stagingPath == null || !stagingPath.startsWith("/") || stagingPath.indexOf('\0') >= 0)
                throw new VolumeException.InvalidArgument("local map entry " + volume + ": staging path must be absolute");
            if (access == null) throw new VolumeException.InvalidArgument("local map entry " + volume + ": access is required");
        }

        public VolumeName volumeName() {
            return new VolumeName(volume);
        }

        public Entry withDevId(int newDevId) {
            return new Entry(volume, newDevId, epoch, stagingPath, access, fsType, readonly);
        }
    }

    /** The file's shape. */
    record Document(int formatVersion, List<Entry> volumes) {}

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private LocalMap(Path file) {
        this.file = file;
    }

    /** Opens (or starts) the map in {@code stateDir}; a malformed or newer file is a clear error. */
    public static LocalMap open(Path stateDir) {
        LocalMap map = new LocalMap(stateDir.resolve(FILE));
        byte[] bytes;
        try {
            PrivateFiles.directories(stateDir);
            bytes = Files.readAllBytes(map.file);
        } catch (NoSuchFileException e) {
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the local map " + map.file, e);
        }
        Document doc;
        try {
            doc = Json.read(bytes, Document.class, "local map " + map.file);
        } catch (VolumeException.Corrupt e) {
            throw new VolumeException.Corrupt(e.getMessage() + "; the node will not guess which volumes it holds:"
                    + " repair the file or move it away (its volumes then stay detached in the bucket)", e);
        }
        if (doc.formatVersion() < 1 || doc.formatVersion() > FORMAT)
            throw new VolumeException.Corrupt("local map " + map.file + " has format " + doc.formatVersion()
                    + "; this version reads format " + FORMAT, null);
        for (Entry e : doc.volumes() == null ? List.<Entry>of() : doc.volumes()) {
            if (e == null) throw new VolumeException.Corrupt("local map " + map.file + " holds a null entry", null);
            if (map.entries.put(e.volume(), e) != null)
                throw new VolumeException.Corrupt("local map " + map.file + " lists " + e.volume() + " twice", null);
        }
        return map;
    }

    public Path file() {
        return file;
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public synchronized Optional<Entry> get(VolumeName volume) {
        return Optional.ofNullable(entries.get(volume.value()));
    }

    /** Adds or replaces the entry, durably, before returning. */
    public synchronized void put(Entry entry) {
        Entry old = entries.put(entry.volume(), entry);
        try {
            write();
        } catch (RuntimeException e) {
            if (old == null) entries.remove(entry.volume());
            else entries.put(old.volume(), old);
            throw e;
        }
    }

    /** Drops the entry, durably; absent is fine. */
    public synchronized void remove(VolumeName volume) {
        Entry old = entries.remove(volume.value());
        if (old == null) return;
        try {
            write();
        } catch (RuntimeException e) {
            entries.put(old.volume(), old);
            throw e;
        }
    }

    private void write() {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparing(Entry::volume));
        byte[] bytes = Json.write(new Document(FORMAT, sorted));
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try {
            try (FileChannel ch = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new UncheckedIOException("the state dir " + file.getParent() + " cannot rename atomically", e);
            }
            try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the local map " + file + ": " + e.getMessage(), e);
        }
    }
}
