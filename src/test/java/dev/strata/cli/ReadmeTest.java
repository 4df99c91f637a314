package dev.strata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README a newcomer follows: what it says is true, and its walk-through runs as written. */
class ReadmeTest {
    @TempDir Path state;

    static String readme() throws IOException {
        return Files.readString(Path.of("README.md"));
    }

    @Test
    void saysWhereTheBucketIsWhatTheFirstBuildNeedsAndThatAttachNeedsUblk() throws IOException {
        String readme = readme();
        assertTrue(readme.contains("`/var/lib/strata/bucket`"), "as root the bucket is /var/lib/strata/bucket");
        assertTrue(readme.contains("Maven Central"), "the first build needs Maven Central");
        String walk = walkThrough(readme);
        for (String verb : List.of("volumes delete", "volumes expand", "strata gc", "strata attach"))
            assertTrue(walk.contains(verb), "the walk-through shows " + verb);
        assertTrue(walk.contains("ublk"), "the walk-through says attach needs ublk");
        String script = Files.readString(Path.of("bin/strata"));
        assertFalse(script.contains("mvnw -B -q"), "the first build is not silent for minutes");
        assertTrue(script.contains("strata: build: "), "bin/strata shows the build's progress");
    }

    @Test
    void theWalkThroughRunsAsWritten() throws IOException {
        List<String[]> commands = new ArrayList<>();
        for (String line : walkThrough(readme()).lines().toList()) {
            if (!line.startsWith("bin/strata ")) continue;
            String command = line.substring("bin/strata ".length()).replaceAll("\\s+#.*$", "").strip();
            if (command.startsWith("attach") || command.startsWith("detach")) continue;   // need ublk: AttachCommandTest
            commands.add(command.split("\\s+"));
        }
        assertTrue(commands.size() >= 10, "the walk-through has its commands");
        for (String[] args : commands) {
            List<String> full = new ArrayList<>(List.of(args));
            full.addAll(List.of("--state-dir", state.toString()));
            assertEquals(0, Main.run(full.toArray(String[]::new)), "bin/strata " + String.join(" ", args));
        }
    }

    static String walkThrough(String readme) {
        int start = readme.indexOf("## A short walk-through");
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }
}
