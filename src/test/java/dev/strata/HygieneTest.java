package dev.strata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The test suite leaves the work tree as it found it, and root-only tests skip for others. */
class HygieneTest {
    static final Path TESTS = Path.of("src/test/java/dev/strata");

    @Test
    void noFioStateFilesInTheCheckout() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("."))) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".state")).toList(),
                    "fio verify state files belong nowhere in the checkout");
        }
    }

    @Test
    void everyFioVerifyRunSavesNoState() throws IOException {
        Pattern call = Pattern.compile("\"fio\",(.*?)\\)", Pattern.DOTALL);
        List<String> offenders = new ArrayList<>();
        for (Path file : javaFiles()) {
            Matcher m = call.matcher(Files.readString(file));
            while (m.find())
                if (m.group(1).contains("--verify=") && !m.group(1).contains("--verify_state_save=0"))
                    offenders.add(file.getFileName() + ": fio " + m.group(1).strip().lines().findFirst().orElse(""));
        }
        assertEquals(List.of(), offenders, "fio with --verify writes *-verify.state into its working directory "
                + "(the checkout, in the QEMU guest) unless --verify_state_save=0");
    }

    @Test
    void testsOnLoopDevicesSkipWithoutRoot() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : javaFiles()) {
            String text = Files.readString(file);
            boolean needsRoot = (text.contains("new LoopDevices(") || text.contains("\"losetup\""))
                    && (text.contains("@Test") || text.contains("@ParameterizedTest"))
                    && !text.contains("@Tag(\"vm");
            if (needsRoot && !text.contains("Privileged.assumeRootWithLoopDevices()")) offenders.add(file.getFileName().toString());
        }
        assertEquals(List.of(), offenders, "these tests need root and must skip with a reason for a developer without it");
    }

    @Test
    void binTestChecksTheWorkTreeIsCleanAfterTheSuite() throws IOException {
        String script = Files.readString(Path.of("bin/test"));
        assertTrue(script.contains("git status --porcelain"), "bin/test must fail when the tests leave files behind");
        assertTrue(script.contains("./mvnw -B verify\ncheck_clean_tree"), "the check runs right after the suite");
    }

    static List<Path> javaFiles() throws IOException {
        try (Stream<Path> files = Files.walk(TESTS)) {
            return files.filter(p -> p.toString().endsWith(".java") && !p.getFileName().toString().equals("HygieneTest.java")).toList();
        }
    }
}
