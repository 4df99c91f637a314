package dev.strata.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile's invariants, checked without a Docker engine (none runs on these machines;
 * hadolint is not in Debian): multi-stage, pinned bases, a jlinked runtime, the node's tools,
 * a non-root default user, exec-form entrypoint, labels, and a .dockerignore that keeps the
 * build context small and free of local state.
 */
class DockerfileTest {
    static final List<String> LINES = read("Dockerfile");

    static List<String> read(String file) {
        try {
            return Files.readAllLines(Path.of(file)).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<String> instructions(String keyword) {
        return LINES.stream().filter(l -> l.toUpperCase().startsWith(keyword + " ")).toList();
    }

    @Test
    void multiStageWithPinnedBases() {
        List<String> from = instructions("FROM");
        assertEquals(2, from.size(), from.toString());
        for (String f : from) {
            String image = f.split("\\s+")[1];
            assertTrue(image.contains(":") || image.contains("@sha256:"), "pinned: " + f);
            assertFalse(image.endsWith(":latest"), f);
        }
        assertTrue(from.getFirst().contains(" AS build"), "the build stage is named");
    }

    @Test
    void theRuntimeIsJlinkedAndCarriesTheNodeTools() {
        String all = String.join("\n", LINES);
        assertTrue(all.contains("jlink ") && all.contains("--add-modules"), "a jlinked runtime, not a full JDK");
        assertTrue(all.contains("COPY --from=build /opt/java /opt/java"));
        for (String pkg : List.of("e2fsprogs", "xfsprogs", "util-linux", "kmod"))
            assertTrue(all.contains(pkg), "runtime installs " + pkg);
        assertTrue(all.contains("--no-install-recommends") && all.contains("rm -rf /var/lib/apt/lists/*"), "lean apt layer");
    }

    @Test
    void runsAsNonRootByDefaultWithAnExecFormEntrypoint() {
        List<String> users = instructions("USER");
        assertFalse(users.isEmpty(), "a USER instruction");
        String last = users.getLast().substring(5).strip();
        assertFalse(last.equals("root") || last.startsWith("0"), "default user is not root: " + last);
        List<String> entry = instructions("ENTRYPOINT");
        assertEquals(1, entry.size());
        assertTrue(entry.getFirst().matches("ENTRYPOINT \\[\".*\"]"), "exec form: " + entry);
        assertTrue(entry.getFirst().contains("--enable-native-access=ALL-UNNAMED"), "FFM needs native access");
    }

    @Test
    void labelsAndDockerignore() {
        String all = String.join("\n", LINES);
        for (String label : List.of("org.opencontainers.image.source", "org.opencontainers.image.version", "org.opencontainers.image.title"))
            assertTrue(all.contains(label), label);
        List<String> ignore = read(".dockerignore");
        for (String entry : List.of(".git", ".vm", "target")) assertTrue(ignore.contains(entry), ".dockerignore has " + entry);
        for (String copied : instructions("COPY").stream().filter(c -> !c.contains("--from")).toList()) {
            String[] args = copied.substring(5).strip().split("\\s+");
            for (int i = 0; i < args.length - 1; i++) {
                assertTrue(Files.exists(Path.of(args[i])), "COPY source exists: " + args[i]);
                assertFalse(ignore.contains(args[i]), "COPY source is not dockerignored: " + args[i]);
            }
        }
    }
}
