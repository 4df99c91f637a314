package dev.strata.cli;

import dev.strata.cli.DeviceBench.FirstRound;
import dev.strata.cli.DeviceBench.Run;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The markdown {@link DeviceBench} writes into docs/BENCHMARKS.md. */
final class DeviceBenchReport {
    private DeviceBenchReport() {}

    static final int ENGINE = 0, FILE = 1, LOOP = 2;

    static String markdown(int rounds, int seconds, Run[][][] runs, List<FirstRound> firsts, String cacheNote) {
        StringBuilder md = new StringBuilder("""
                ### Block devices in the QEMU guest: the engine-backed device, Strata's file target, the loop device (issue 15)

                Rerun: `bench/ublk.sh` (about 25 minutes). One boot of a **1-vCPU TCG guest** (software
                emulation: absolute numbers are far below a real machine's and the JVM's JIT runs emulated
                too — **compare the ratios only**). Three devices of 256 MiB, each written once with `dd`
                before measuring (so the engine's local cache holds every block): the **engine-backed
                device** (a volume attached by `bin/strata serve` + `strata attach`, embedded store on the
                guest's tmpfs, default options: 2 ring workers, 1 queue, depth 64), **Strata's file target**
                (`FileTargetServer`: the test tree's FileTarget behind the same ublk queue, a process of its
                own, 1 queue, depth 64) and the **kernel loop device** (losetup, buffered) on tmpfs files.
                fio, O_DIRECT, %d s per job; per job the three devices run back to back (interleaved), each
                after its servers are idle again (the engine uploads what a write job left). **Round 1 is a
                warm-up and is not counted**; the table holds the medians of the %d rounds after it.
                CPU per I/O: CPU time the server process used during the job (from `/proc/PID/stat`)
                divided by the I/Os fio completed; "ring" is the part its `strata-ring-N` threads used
                (`/proc/PID/task/*/stat`), the threads the ublk queues run on. The loop device has no
                server process.

                | job | engine IOPS | file target IOPS | loop IOPS | engine / file | file / loop | ring CPU µs/I/O (engine · file) | process CPU µs/I/O (engine · file) |
                |---|---:|---:|---:|---:|---:|---:|---:|
                """.formatted(seconds, rounds));
        for (int j = 0; j < DeviceBench.JOBS.size(); j++) {
            double e = median(runs, j, ENGINE, Run::iops), f = median(runs, j, FILE, Run::iops), l = median(runs, j, LOOP, Run::iops);
            md.append(String.format("| %s | %.0f | %.0f | %.0f | %.2f× | %.2f× | %.0f · %.0f | %.0f · %.0f |%n", DeviceBench.JOBS.get(j).name(),
                    e, f, l, e / f, f / l, median(runs, j, ENGINE, Run::ringMicrosPerIo), median(runs, j, FILE, Run::ringMicrosPerIo),
                    median(runs, j, ENGINE, Run::processMicrosPerIo), median(runs, j, FILE, Run::processMicrosPerIo)));
        }
        md.append('\n').append(cacheNote).append('\n');
        md.append("\nEvery round's IOPS (engine / file / loop; round 1 = the uncounted warm-up):\n\n");
        for (int j = 0; j < DeviceBench.JOBS.size(); j++) {
            md.append("- ").append(DeviceBench.JOBS.get(j).name()).append(":");
            for (Run[][] round : runs)
                md.append(String.format(" %.0f / %.0f / %.0f;", round[j][ENGINE].iops(), round[j][FILE].iops(), round[j][LOOP].iops()));
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        return md.append(warmUp(runs, firsts)).toString();
    }

    /** First rounds of fresh engine servers beside the steady medians. */
    static String warmUp(Run[][][] runs, List<FirstRound> firsts) {
        StringBuilder md = new StringBuilder("""

                #### Warm-up: the first round after a server starts

                The same jobs on the engine-backed device right after `strata serve` started and the
                volume was attached and written once, beside the steady medians above (IOPS, and the
                fraction of the steady median). The JIT compiles the hot path while a cold server's first
                round runs; "JIT CPU" is what the server's compiler threads used during that round,
                "ready" the time from launching `bin/strata serve` until its CSI socket answered. A fresh
                server for each row, same volume. "default options" is the server of the table above: on
                code with the self-warm (`--warm-up-ios 20000`, off by default: a scratch volume's ublk device
                driven before the socket opens) it has warmed itself; "self-warm off" sets
                `STRATA_WARM_UP_IOS=0` (code without the self-warm ignores it: the two rows are then the
                same configuration). The AOT rows use JDK 25's AOT cache (`-XX:AOTCacheOutput=` on one run
                of this workload, then `-XX:AOTCache=`, through `STRATA_JAVA_OPTS`), self-warm off.

                """);
        md.append("| server | ready s | JIT CPU s in round |");
        for (var j : DeviceBench.JOBS) md.append(' ').append(j.name()).append(" |");
        md.append("\n|---|---:|---:|").append("---:|".repeat(DeviceBench.JOBS.size())).append('\n');
        md.append("| steady (median of the counted rounds, IOPS) | | ").append(String.format("%.1f", steadyJit(runs))).append(" |");
        for (int j = 0; j < DeviceBench.JOBS.size(); j++) md.append(String.format(" %.0f |", median(runs, j, ENGINE, Run::iops)));
        md.append('\n');
        for (FirstRound f : firsts) {
            double jit = Arrays.stream(f.runs()).mapToDouble(r -> r.cpu().compilerNanos() / 1e9).sum();
            md.append(String.format("| %s | %.0f | %.1f |", f.what(), f.readySeconds(), jit));
            for (int j = 0; j < f.runs().length; j++) {
                double steady = median(runs, j, ENGINE, Run::iops);
                md.append(String.format(" %.0f (%.2f×) |", f.runs()[j].iops(), f.runs()[j].iops() / steady));
            }
            md.append('\n');
        }
        md.append(String.format("%nThe file target's first round, for comparison (IOPS, fraction of its steady median):"));
        for (int j = 0; j < DeviceBench.JOBS.size(); j++)
            md.append(String.format(" %s %.0f (%.2f×);", DeviceBench.JOBS.get(j).name(), runs[0][j][FILE].iops(),
                    runs[0][j][FILE].iops() / median(runs, j, FILE, Run::iops)));
        md.setLength(md.length() - 1);
        return md.append(".\n").toString();
    }

    /** The engine's JIT CPU in a counted round (median over the counted rounds, summed over jobs). */
    static double steadyJit(Run[][][] runs) {
        double[] perRound = new double[runs.length - 1];
        for (int r = 1; r < runs.length; r++)
            for (Run[] job : runs[r]) perRound[r - 1] += job[ENGINE].cpu().compilerNanos() / 1e9;
        return median(perRound);
    }

    /** Median over the counted rounds (1..n; round 0 is the warm-up). */
    static double median(Run[][][] runs, int job, int device, ToDoubleFunction<Run> value) {
        double[] v = new double[runs.length - 1];
        for (int r = 1; r < runs.length; r++) v[r - 1] = value.applyAsDouble(runs[r][job][device]);
        return median(v);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
