package dev.strata.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Small helpers shared by the engine tests and benchmarks. */
final class EngineTestSupport {
    private EngineTestSupport() {}

    /** Bytes the file occupies on disk ({@code st_blocks} × 512), as stat(1) reports them. */
    static long allocatedBytes(Path file) throws IOException, InterruptedException {
        return Long.parseLong(run("stat", "-c", "%b", file.toString()).strip()) * 512;
    }

    /** Runs a command; returns its output, or throws with it when it fails. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + out.strip());
        return out;
    }

    /** A small ext4 filesystem on a loop device, mounted at {@code mnt} until closed (needs root). */
    static AutoCloseable smallDisk(Path img, Path mnt, long bytes) throws IOException, InterruptedException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(bytes);
        }
        run("mkfs.ext4", "-q", "-F", "-m", "0", img.toString());
        Files.createDirectories(mnt);
        run("mount", "-o", "loop", img.toString(), mnt.toString());
        return () -> run("umount", mnt.toString());
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
