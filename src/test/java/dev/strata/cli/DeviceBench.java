package dev.strata.cli;

import dev.strata.bench.BenchReport;
import dev.strata.bench.CpuSample;
import dev.strata.bench.Fio;
import dev.strata.bench.Shell;
import dev.strata.cli.BenchServers.Device;
import dev.strata.cli.BenchServers.Engine;
import dev.strata.cli.BenchServers.FileServer;
import dev.strata.cli.BenchServers.Loop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The device-level benchmark (issue 15), in one QEMU guest boot ({@code bench/ublk.sh}): the
 * engine-backed device (a volume attached by {@code bin/strata serve} + {@code strata attach},
 * embedded store on the guest's tmpfs, its region written once so the local cache is warm),
 * Strata's file target on a file of the same size, and the kernel loop device on a file of the
 * same size. fio jobs interleaved device by device, one uncounted warm-up round then
 * {@code bench.rounds} (3) counted rounds, medians; CPU per I/O of each server process and of
 * its ring threads from /proc. Then warm-up: the first round of a fresh server with its
 * self-warm off, and (bench.aot) with a JVM AOT cache trained by one run of the same workload.
 * Writes the "ublk" section of docs/BENCHMARKS.md.
 */
public final class DeviceBench {
    static final long REGION = 256L << 20;
    static final List<Fio.Job> JOBS = Fio.DEVICE_JOBS;
    /** Turns the server's self-warm off (strata serve --warm-up-ios); code without it ignores the variable. */
    static final String NO_SELF_WARM = "STRATA_WARM_UP_IOS";

    /** One fio run on one device: its IOPS, I/Os, and the CPU its server used meanwhile. */
    record Run(double iops, double ios, CpuSample cpu) {
        double ringMicrosPerIo() {
            return cpu.ringNanos() / ios / 1000;
        }

        double processMicrosPerIo() {
            return cpu.processNanos() / ios / 1000;
        }
    }

    /** A warm-up experiment: one fresh server's first round on the engine device, and how long the server took to be ready. */
    record FirstRound(String what, double readySeconds, Run[] runs) {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 3), seconds = Integer.getInteger("bench.seconds", 5);
        boolean aot = Boolean.parseBoolean(System.getProperty("bench.aot", "true"));
        Path work = Files.createDirectories(Path.of(System.getProperty("bench.dir", "/tmp/devbench")));
        Path state = work.resolve("state");
        Run[][][] runs = new Run[rounds + 1][JOBS.size()][];
        List<FirstRound> firsts = new ArrayList<>();
        String cache;
        try (Engine engine = new Engine(state, "bench", true, REGION, Map.of(NO_SELF_WARM, "20000"), "devbench-serve");
             FileServer file = new FileServer(work.resolve("file.img"), REGION, 1, 64, 2);
             Loop loop = new Loop(work.resolve("loop.img"), REGION)) {
            List<Device> devices = List.of(engine, file, loop);
            for (Device d : devices) fill(d);
            for (int r = 0; r <= rounds; r++) {
                for (int j = 0; j < JOBS.size(); j++) {
                    runs[r][j] = new Run[devices.size()];
                    for (int d = 0; d < devices.size(); d++) runs[r][j][d] = measure(devices, d, JOBS.get(j), seconds, r);
                }
            }
            firsts.add(new FirstRound("fresh server, default options (the warm-up round above)", engine.readySeconds, column(runs[0], 0)));
            long evicted = engine.evictions();
            cache = evicted == 0 ? "The engine's local cache evicted nothing during the rounds: every read above was a local hit."
                    : "**The engine's local cache evicted blocks " + evicted + " time(s) during the rounds (the guest's tmpfs, which "
                    + "also holds the embedded bucket, ran short): reads after that went to the bucket, so the engine rows are not "
                    + "a warm-cache measurement. Rerun with more guest memory (STRATA_VM_MEM).**";
            System.out.println("devbench: " + cache);
        }
        BenchReport.write("ublk", DeviceBenchReport.markdown(rounds, seconds, runs, firsts, cache)); // kept if a warm-up run fails
        try (Engine cold = new Engine(state, "bench", false, REGION, Map.of(NO_SELF_WARM, "0"), "devbench-serve-cold")) {
            fill(cold);
            firsts.add(new FirstRound("fresh server, self-warm off (" + NO_SELF_WARM + "=0)", cold.readySeconds, round(cold, seconds)));
        }
        BenchReport.write("ublk", DeviceBenchReport.markdown(rounds, seconds, runs, firsts, cache));
        if (!aot) return;
        firsts.addAll(aotRounds(work, state, seconds));
        BenchReport.write("ublk", DeviceBenchReport.markdown(rounds, seconds, runs, firsts, cache));
    }

    /** A server trained into an AOT cache by one round, then a fresh server using that cache: each one's first round. */
    static List<FirstRound> aotRounds(Path work, Path state, int seconds) throws Exception {
        Path cache = work.resolve("strata.aot");
        List<FirstRound> out = new ArrayList<>();
        try (Engine training = new Engine(state, "bench", false, REGION,
                Map.of(NO_SELF_WARM, "0", "STRATA_JAVA_OPTS", "-XX:AOTCacheOutput=" + cache), "devbench-serve-aot-training")) {
            fill(training);
            out.add(new FirstRound("fresh server recording an AOT cache (training run; self-warm off)", training.readySeconds, round(training, seconds)));
        }
        if (!Files.exists(cache)) {
            System.out.println("devbench: no AOT cache was written at " + cache + "; see target/vm-logs/devbench-serve-aot-training-*.log");
            return out;
        }
        try (Engine cached = new Engine(state, "bench", false, REGION,
                Map.of(NO_SELF_WARM, "0", "STRATA_JAVA_OPTS", "-XX:AOTCache=" + cache), "devbench-serve-aot")) {
            fill(cached);
            out.add(new FirstRound("fresh server using the AOT cache (self-warm off)", cached.readySeconds, round(cached, seconds)));
        }
        return out;
    }

    static Run[] round(Engine engine, int seconds) throws Exception {
        Run[] out = new Run[JOBS.size()];
        for (int j = 0; j < JOBS.size(); j++) out[j] = measure(List.of(engine), 0, JOBS.get(j), seconds, 0);
        return out;
    }

    /** Writes the whole region once (the engine's local cache then holds every block), then waits for its uploads. */
    static void fill(Device d) throws Exception {
        long t0 = System.nanoTime();
        Shell.run("dd", "if=/dev/urandom", "of=" + d.path(), "bs=1M", "count=" + (REGION >> 20), "oflag=direct");
        BenchServers.awaitIdle(List.of(d), 120_000);
        System.out.printf("devbench: filled %s (%s) in %.1f s%n", d.label(), d.path(), (System.nanoTime() - t0) / 1e9);
    }

    static Run measure(List<Device> devices, int index, Fio.Job job, int seconds, int round) throws Exception {
        Device d = devices.get(index);
        BenchServers.awaitIdle(devices, 30_000);
        CpuSample before = CpuSample.of(d.pid());
        Fio.Result r = Fio.run(d.path(), job, REGION, seconds);
        Run run = new Run(r.iops(), r.ios(), CpuSample.of(d.pid()).minus(before));
        System.out.printf("devbench: round %d %-30s %-6s %9.0f IOPS  ring %7.1f us/IO  process %7.1f us/IO  jit %.1f s%n", round,
                job.name(), d.label(), run.iops(), run.ringMicrosPerIo(), run.processMicrosPerIo(), run.cpu().compilerNanos() / 1e9);
        return run;
    }

    static Run[] column(Run[][] round, int device) {
        Run[] out = new Run[round.length];
        for (int j = 0; j < round.length; j++) out[j] = round[j][device];
        return out;
    }
}
