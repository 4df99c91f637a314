package dev.strata.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that need root: loop devices, mkfs, mount. A developer without root sees
 * them skipped with the reason; where {@code STRATA_REQUIRE_ROOT_TESTS=1} (bin/test sets it
 * when run as root, as CI does) a missing privilege fails the test instead, so CI can never
 * skip them silently.
 */
public final class Privileged {
    private Privileged() {}

    /** Skips (or, where required, fails) unless this process is root with a loop driver. */
    public static void assumeRootWithLoopDevices() {
        String missing = missing();
        if (missing == null) return;
        String reason = "needs root with loop devices, mkfs and mount (" + missing
                + "): run as root, as CI does, to run it";
        if ("1".equals(System.getenv("STRATA_REQUIRE_ROOT_TESTS"))) throw new AssertionError(reason);
        Assumptions.assumeTrue(false, reason);
    }

    /** Null when every privilege is there, else what is missing. */
    static String missing() {
        if (!"0".equals(uid())) return "this is not root";
        if (!Files.exists(Path.of("/dev/loop-control"))) return "no /dev/loop-control";
        return null;
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("Uid:")) return line.substring(4).strip().split("\\s+")[1];
        } catch (java.io.IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
