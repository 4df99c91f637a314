package dev.strata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** DESIGN.md §2: packages are layers and imports point down only. */
class LayeringTest {
    /** Highest first; a package may import only packages after it in this list. */
    static final List<String> LAYERS =
            List.of("cli", "csi", "kube", "agent", "node", "ublk", "uring", "volume", "store", "sys");

    /** Libraries a layer must not touch, beyond the layer order. */
    static final Map<String, List<String>> FORBIDDEN_LIBRARIES = Map.of(
            "volume", List.of("io.grpc", "csi.v1", "io.fabric8", "picocli"),
            "store", List.of("io.grpc", "csi.v1", "io.fabric8", "picocli"),
            "uring", List.of("io.grpc", "csi.v1", "io.fabric8", "software.amazon"),
            "ublk", List.of("io.grpc", "csi.v1", "io.fabric8", "software.amazon"),
            // the libc linkage only: no libraries, no policy
            "sys", List.of("io.grpc", "csi.v1", "io.fabric8", "software.amazon", "picocli", "org.slf4j", "com.fasterxml"));

    static final Pattern STRATA_IMPORT = Pattern.compile("(?m)^import (?:static )?dev\\.strata\\.(\\w+)\\.");
    static final Pattern ANY_IMPORT = Pattern.compile("(?m)^import (?:static )?([\\w.]+)");
    static final Path MAIN = Path.of("src/main/java/dev/strata");

    @Test
    void importsPointDownOnly() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String layer = MAIN.relativize(file).getName(0).toString();
                if (!LAYERS.contains(layer)) {
                    violations.add(file + ": package " + layer + " is not a layer of DESIGN.md §2");
                    continue;
                }
                String source = Files.readString(file);
                Matcher m = STRATA_IMPORT.matcher(source);
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(layer) && LAYERS.indexOf(target) <= LAYERS.indexOf(layer)) {
                        violations.add(file + ": " + layer + " imports higher layer " + target);
                    }
                }
                Matcher any = ANY_IMPORT.matcher(source);
                while (any.find()) {
                    for (String lib : FORBIDDEN_LIBRARIES.getOrDefault(layer, List.of())) {
                        if (any.group(1).startsWith(lib)) violations.add(file + ": " + layer + " imports " + lib);
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    /**
     * Inside {@code volume}, the engine's two halves and the seam between them (see
     * docs/architecture.md): the local cache never sees the committer or the bucket, and the
     * committer sees the local cache only through {@code CutSource} and {@code Freeze} — so the
     * lock order (committer's monitor, then the cache's locks) cannot be inverted by a call.
     * Checked on the sources with comments removed.
     */
    static final Map<String, List<String>> MUST_NOT_NAME = Map.of(
            "volume/LocalCache.java", List.of("Uploader", "AttachedVolume", "Registry", "PackCache", "Bucket", "Commit"),
            "volume/Freeze.java", List.of("Uploader", "AttachedVolume", "LocalCache"),
            "volume/CutSource.java", List.of("Uploader", "AttachedVolume", "LocalCache"),
            "volume/CommittedBlocks.java", List.of("Uploader", "AttachedVolume", "LocalCache"),
            "volume/Uploader.java", List.of("LocalCache", "AttachedVolume", "MetaLog", "BlockStates", "Holes", "DiskSpace"));

    static final Pattern COMMENT = Pattern.compile("(?s)/\\*.*?\\*/|//[^\\n]*");

    @Test
    void theLocalCacheAndTheCommitterMeetOnlyAtTheirSeam() throws IOException {
        List<String> violations = new ArrayList<>();
        for (Map.Entry<String, List<String>> rule : MUST_NOT_NAME.entrySet()) {
            Path file = MAIN.resolve(rule.getKey());
            assertTrue(Files.isRegularFile(file), file + " exists");
            String code = COMMENT.matcher(Files.readString(file)).replaceAll(" ");
            for (String name : rule.getValue())
                if (Pattern.compile("\\b" + name + "\\b").matcher(code).find()) violations.add(file + " names " + name);
        }
        assertEquals(List.of(), violations);
    }

    /** The registry's services get what they need (bucket, clock, records) — never the registry itself to call back. */
    @Test
    void theRegistrysServicesHoldNoReferenceBackToIt() throws IOException {
        List<String> violations = new ArrayList<>();
        Pattern registry = Pattern.compile("\\bRegistry\\b(?!\\.Generation)");
        for (String service : List.of("Snapshots", "Images", "Ownership", "GroupSnapshots", "VolumeRecords", "Sources")) {
            Path file = MAIN.resolve("volume/" + service + ".java");
            String code = COMMENT.matcher(Files.readString(file)).replaceAll(" ");
            if (registry.matcher(code).find()) violations.add(file + " names Registry");
        }
        assertEquals(List.of(), violations);
    }

    /** StorageClass parsing lives in csi (and the filesystem keys in node): the engine never sees them. */
    @Test
    void theEngineDoesNotParseStorageClasses() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("volume"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String code = COMMENT.matcher(Files.readString(file)).replaceAll(" ");
                for (String word : List.of("csi.storage.k8s.io", "fsType", "mkfsOptions", "MkfsOptions"))
                    if (code.contains(word)) violations.add(file + " mentions " + word);
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void seesTheSources() {
        assertTrue(Files.isDirectory(MAIN.resolve("store")), "run from the project root");
    }
}
