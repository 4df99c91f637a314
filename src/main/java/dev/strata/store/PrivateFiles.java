package dev.strata.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Everything Strata keeps on a node's disk (state dir, embedded bucket, caches holding raw
 * volume bytes, maps, tokens) is private to the user running it: directories 0700, files
 * 0600 (docs/SECURITY.md). The modes are given at creation, so no umask can widen them (a
 * umask only ever removes bits), and there is no window where a file is readable by others.
 */
public final class PrivateFiles {
    public static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> DIR = PosixFilePermissions.asFileAttribute(DIR_MODE);
    private static final FileAttribute<Set<PosixFilePermission>> FILE = PosixFilePermissions.asFileAttribute(FILE_MODE);

    private PrivateFiles() {}

    /** Creates {@code dir} and any missing parents, each created one 0700; returns it. */
    public static Path directories(Path dir) throws IOException {
        return Files.createDirectories(dir, DIR);
    }

    /** Opens {@code file}; if this creates it, it is created 0600. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, Set.of(options), FILE);
    }

    /** Creates {@code file} 0600 with {@code data}; fails if it exists. */
    public static Path create(Path file, byte[] data) throws IOException {
        Files.write(Files.createFile(file, FILE), data);
        return file;
    }

    /** Sets an existing path to 0700 (a directory) or 0600 (anything else), e.g. a state dir made by an older version. */
    public static void restrict(Path path) throws IOException {
        Files.setPosixFilePermissions(path, Files.isDirectory(path) ? DIR_MODE : FILE_MODE);
    }
}
