package dev.strata.cli;

import csi.v1.Csi.ProbeRequest;
import dev.strata.bench.CpuSample;
import dev.strata.bench.Shell;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The block devices {@link DeviceBench} measures, each behind the interface a user has: the
 * engine-backed device through {@code bin/strata serve} and {@code strata attach}, Strata's
 * file target as a ublk server process of its own, the kernel loop device through losetup.
 */
final class BenchServers {
    private BenchServers() {}

    /** A device under test; {@code pid} is its server process (0: none, the kernel serves it). */
    interface Device extends AutoCloseable {
        String label();

        String path();

        long pid();

        @Override
        void close() throws Exception;
    }

    static final String NODE = "devbench";

    static Path log(String name) throws IOException {
        return Files.createDirectories(Path.of("target/vm-logs")).resolve(name + "-" + System.currentTimeMillis() + ".log");
    }

    /** {@code bin/strata serve} (the launcher users run) with extra environment, a volume attached with {@code strata attach}. */
    static final class Engine implements Device {
        final Process serve;
        final Path state;
        final String volume;
        final String device;
        final double readySeconds;
        private final Path log;

        /** How many times the server's local cache evicted blocks to make room so far (a warm-cache benchmark needs none). */
        long evictions() throws java.io.IOException {
            return Files.readAllLines(log).stream().filter(l -> l.contains("local cache short of space")).count();
        }

        Engine(Path state, String volume, boolean create, long sizeBytes, Map<String, String> env, String logName) throws Exception {
            this.state = state;
            this.volume = volume;
            this.log = log(logName);
            Files.createDirectories(state);
            ProcessBuilder pb = new ProcessBuilder("bin/strata", "serve", "--state-dir", state.toString(), "--node-id", NODE,
                    "--kubelet-dir", state.resolve("kubelet").toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            long t0 = System.nanoTime();
            serve = pb.start();
            awaitReady(state.resolve("csi.sock"));
            readySeconds = (System.nanoTime() - t0) / 1e9;
            if (create) strata("volumes", "create", volume, "--size", Long.toString(sizeBytes), "--state-dir", state.toString());
            String out = strata("attach", volume, "--state-dir", state.toString(), "--node-id", NODE);
            device = out.strip().lines().reduce((a, b) -> b).orElseThrow();
            if (!device.startsWith("/dev/ublkb")) throw new IllegalStateException("strata attach printed " + out);
        }

        private void awaitReady(Path socket) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15); // a JVM starts in minutes under TCG
            while (true) {
                if (!serve.isAlive()) throw new IllegalStateException("strata serve exited:\n" + Files.readString(log));
                if (Files.exists(socket)) {
                    try (CsiClient probe = new CsiClient(socket)) {
                        if (probe.identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue()) return;
                    } catch (StatusRuntimeException e) {
                        // not yet
                    }
                }
                if (System.nanoTime() > deadline) throw new IllegalStateException("strata serve not ready; log " + log);
                Thread.sleep(200);
            }
        }

        @Override public String label() { return "engine"; }

        @Override public String path() { return device; }

        @Override public long pid() { return serve.pid(); }

        /** Detaches the volume, stops the server with SIGTERM and waits for it (an AOT cache is written at its exit). */
        @Override
        public void close() throws Exception {
            try {
                strata("detach", volume, "--state-dir", state.toString(), "--node-id", NODE);
            } finally {
                serve.destroy();
                if (!serve.waitFor(10, TimeUnit.MINUTES)) serve.destroyForcibly().waitFor();
            }
        }
    }

    /** Runs a strata command in this JVM (the CLI as a user types it); its standard output. */
    static String strata(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        synchronized (BenchServers.class) {
            System.setOut(new PrintStream(buf, true));
            try {
                code = Main.run(args);
            } finally {
                System.setOut(out);
            }
        }
        String text = buf.toString();
        if (code != 0) throw new IllegalStateException("strata " + String.join(" ", args) + " exited " + code + ": " + text);
        return text;
    }

    /** Strata's file target (the test tree's FileTarget) served by a process of its own: {@code dev.strata.ublk.FileTargetServer}. */
    static final class FileServer implements Device {
        final Process server;
        final String device;

        FileServer(Path backing, long sizeBytes, int queues, int depth, int workers) throws Exception {
            String java = ProcessHandle.current().info().command().orElse("java");
            Path runtime = Path.of("target/runtime-classpath.txt");
            String cp = "target/test-classes:target/classes:" + (Files.exists(runtime) ? Files.readString(runtime).strip()
                    : System.getProperty("java.class.path"));
            List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                    "dev.strata.ublk.FileTargetServer", backing.toString(), Long.toString(sizeBytes),
                    Integer.toString(queues), Integer.toString(depth), Integer.toString(workers)));
            server = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log("file-target").toFile())).start();
            // one line: readLine, not readNBytes (which waits for its count or the end of the stream)
            String line = server.inputReader().readLine();
            if (line == null) line = "";
            if (!line.startsWith("serving /dev/ublkb")) throw new IllegalStateException("file target server said: " + line);
            device = line.substring("serving ".length()).strip();
        }

        @Override public String label() { return "file"; }

        @Override public String path() { return device; }

        @Override public long pid() { return server.pid(); }

        @Override
        public void close() throws Exception {
            server.getOutputStream().close();
            if (!server.waitFor(2, TimeUnit.MINUTES)) server.destroyForcibly().waitFor();
        }
    }

    /** The kernel loop device on a file (buffered, as losetup makes it by default). */
    static final class Loop implements Device {
        final String device;

        Loop(Path backing, long sizeBytes) throws Exception {
            Shell.run("truncate", "-s", Long.toString(sizeBytes), backing.toString());
            device = Shell.run("losetup", "-f", "--show", "--direct-io=off", backing.toString()).strip();
        }

        @Override public String label() { return "loop"; }

        @Override public String path() { return device; }

        @Override public long pid() { return 0; }

        @Override
        public void close() throws Exception {
            Shell.run("losetup", "-d", device);
        }
    }

    /** Waits (at most {@code maxMillis}) until the servers use under 10% of a CPU over 500 ms: background work (uploads) of the last run is done. */
    static void awaitIdle(List<? extends Device> devices, long maxMillis) throws Exception {
        long deadline = System.currentTimeMillis() + maxMillis;
        while (System.currentTimeMillis() < deadline) {
            long before = 0, after = 0;
            for (Device d : devices) before += CpuSample.of(d.pid()).processNanos();
            Thread.sleep(500);
            for (Device d : devices) after += CpuSample.of(d.pid()).processNanos();
            if (after - before < 50_000_000L) return;
        }
    }
}
