package dev.strata.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One page of a {@link FileObjectStore} listing, in key order. Each directory's entries are
 * visited sorted by the key text they stand for (a file {@code n~} is key {@code n}, a
 * directory {@code n} covers keys starting {@code n/}), which is the keys' global order;
 * subtrees wholly before {@code startAfter} or outside the prefix are skipped.
 */
final class FileListing {
    private final FileObjectStore store;
    private final Path objects;
    private final String prefix;
    private final String startAfter;
    private final int max;
    private final List<ObjectInfo> found = new ArrayList<>();
    private boolean truncated;

    FileListing(FileObjectStore store, Path objects, String prefix, String startAfter, int max) {
        this.store = store;
        this.objects = objects;
        this.prefix = prefix;
        this.startAfter = startAfter;
        this.max = max;
    }

    ObjectListing run() {
        int slash = prefix.lastIndexOf('/');
        String dirKey = slash < 0 ? "" : prefix.substring(0, slash + 1);
        try {
            walk(dirKey.isEmpty() ? objects : objects.resolve(dirKey), dirKey);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot list " + prefix + " in " + store.describe() + ": " + e, e);
        }
        return new ObjectListing(found, truncated);
    }

    /** Visits the directory whose keys start with {@code keyPrefix}; false once the page is full. */
    private boolean walk(Path dir, String keyPrefix) throws IOException {
        TreeMap<String, Path> entries = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                String name = p.getFileName().toString();
                if (name.endsWith(FileObjectStore.SUFFIX)) entries.put(keyPrefix + name.substring(0, name.length() - 1), p);
                else if (Files.isDirectory(p)) entries.put(keyPrefix + name + "/", p);
            }
        } catch (NoSuchFileException e) {
            return true;
        }
        for (var e : entries.entrySet()) {
            String key = e.getKey();
            boolean isDir = key.endsWith("/");
            if (!overlapsPrefix(key, isDir)) continue;
            if (isDir) {
                if (startAfter != null && !startAfter.startsWith(key) && key.compareTo(startAfter) < 0) continue;
                if (!walk(e.getValue(), key)) return false;
            } else {
                if (startAfter != null && key.compareTo(startAfter) <= 0) continue;
                if (found.size() == max) {
                    truncated = true;
                    return false;
                }
                try (FileChannel ch = FileChannel.open(e.getValue(), StandardOpenOption.READ)) {
                    found.add(store.info(key, ch));
                } catch (NoSuchFileException gone) {
                    // deleted while listing: not part of this page
                }
            }
        }
        return true;
    }

    private boolean overlapsPrefix(String key, boolean isDir) {
        if (key.startsWith(prefix)) return true;
        return isDir && prefix.startsWith(key);
    }
}
