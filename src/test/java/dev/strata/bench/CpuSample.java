package dev.strata.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used, from {@code /proc/PID/stat}, and the part of it its io_uring
 * ring threads ({@code strata-ring-N}, named in {@code dev.strata.uring.WorkerPool}) and its
 * JIT compiler threads used, from {@code /proc/PID/task/TID/stat}. Clock ticks of 10 ms
 * (USER_HZ 100), given in nanoseconds. Subtract two samples to get what one run used.
 */
public record CpuSample(long processNanos, long ringNanos, long compilerNanos) {
    static final long TICK_NANOS = 10_000_000L;
    public static final CpuSample NONE = new CpuSample(0, 0, 0);

    /** Now, for {@code pid}; {@link #NONE} for a pid of 0 or less (a device with no server process). */
    public static CpuSample of(long pid) throws IOException {
        if (pid <= 0) return NONE;
        long process = ticks(Files.readString(Path.of("/proc/" + pid + "/stat")));
        long ring = 0, compiler = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    // the thread ended between the listing and the read: ENOENT, or ESRCH ("No such
                    // process") once the entry is listed but the task is gone (a device's idle target
                    // threads end after a minute)
                    continue;
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                if (comm.startsWith("strata-ring")) ring += ticks(stat);
                else if (comm.contains("CompilerThre")) compiler += ticks(stat);
            }
        }
        return new CpuSample(process * TICK_NANOS, ring * TICK_NANOS, compiler * TICK_NANOS);
    }

    /** utime + stime (fields 14 and 15; counted after the parenthesised command name, which may hold spaces). */
    static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    public CpuSample minus(CpuSample before) {
        return new CpuSample(processNanos - before.processNanos, ringNanos - before.ringNanos, compilerNanos - before.compilerNanos);
    }

    public CpuSample plus(CpuSample other) {
        return new CpuSample(processNanos + other.processNanos, ringNanos + other.ringNanos, compilerNanos + other.compilerNanos);
    }
}
