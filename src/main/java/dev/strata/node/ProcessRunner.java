package dev.strata.node;

import dev.strata.volume.VolumeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the node's helpers (mkfs, mount, blkid, resize2fs, ...) from argument lists — never
 * through a shell — with a timeout, and reports a failure with the command's stderr.
 */
public final class ProcessRunner {
    private static final Logger log = LoggerFactory.getLogger(ProcessRunner.class);
    private static final int MAX_OUTPUT = 64 * 1024;

    /** What a command printed and how it exited. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The failure as a message: the command, its exit code and what it said. */
        public String describe() {
            String said = (stderr.strip() + " " + stdout.strip()).strip().replaceAll("\\s+", " ");
            return String.join(" ", command) + " exited with " + exitCode + (said.isEmpty() ? "" : ": " + said);
        }
    }

    private final Duration timeout;

    public ProcessRunner(Duration timeout) {
        this.timeout = timeout;
    }

    /** Runs the command and returns its result, whatever the exit code. */
    public Result run(List<String> command) {
        for (String arg : command)
            if (arg.indexOf('\0') >= 0) throw new VolumeException.InvalidArgument("argument holds NUL: " + command);
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("LC_ALL", "C");
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new VolumeException.FailedPrecondition("cannot run " + command.getFirst() + ": " + e.getMessage()
                    + " (is it installed on the node?)");
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new VolumeException.Unavailable(String.join(" ", command) + " did not finish within " + timeout, null);
            }
            Result r = new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
            log.atDebug().setMessage("ran").addKeyValue("command", String.join(" ", command)).addKeyValue("exit", r.exitCode())
                    .addKeyValue("millis", (System.nanoTime() - start) / 1_000_000).log();
            return r;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new VolumeException.Aborted(String.join(" ", command) + " was interrupted");
        }
    }

    /** Runs the command; a non-zero exit is an error carrying its stderr. */
    public Result check(List<String> command) {
        Result r = run(command);
        if (!r.ok()) throw new VolumeException.FailedPrecondition(r.describe());
        return r;
    }

    private static String drain(InputStream in) {
        try (in) {
            byte[] all = in.readAllBytes();
            int n = Math.min(all.length, MAX_OUTPUT);
            return new String(all, 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
