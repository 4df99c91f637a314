package dev.strata.bench;

import java.io.IOException;
import java.util.List;

/** Runs a command to completion; its output, or an exception carrying it when it fails. */
public final class Shell {
    private Shell() {}

    public static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        return out;
    }
}
