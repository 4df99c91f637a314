package dev.strata.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * For a guest test's step that should end soon (a clean-up): if it has not ended after a
 * while, prints what this JVM's threads are doing and the kernel stack of every task in
 * uninterruptible sleep (state D) in the guest, so a hang leaves evidence in the console
 * instead of only a run that never ends.
 */
final class GuestWatchdog implements AutoCloseable {
    private final Thread watcher;

    private GuestWatchdog(String step, Duration after) {
        watcher = Thread.ofPlatform().daemon().name("guest-watchdog").start(() -> {
            try {
                Thread.sleep(after);
            } catch (InterruptedException ended) {
                return;
            }
            System.out.println("watchdog: '" + step + "' still running after " + after.toSeconds() + " s");
            for (Map.Entry<Thread, StackTraceElement[]> t : Thread.getAllStackTraces().entrySet()) {
                System.out.println("watchdog: thread " + t.getKey().getName() + " " + t.getKey().getState());
                for (StackTraceElement e : t.getValue()) System.out.println("watchdog:     at " + e);
            }
            printBlockedTasks();
        });
    }

    /** Watches {@code step}: evidence printed if it runs longer than {@code after}. */
    static GuestWatchdog watch(String step, Duration after) {
        return new GuestWatchdog(step, after);
    }

    private static void printBlockedTasks() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc")).filter(p -> p.getFileName().toString().matches("\\d+"))
                .flatMap(GuestWatchdog::threads)) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                    if (!state.equals("D")) return;
                    System.out.println("watchdog: task " + task + " (" + stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            + ") in D, kernel stack:\n" + Files.readString(task.resolve("stack")));
                } catch (Exception gone) {
                    // the task ended, or no stack file in this kernel
                }
            });
        } catch (Exception e) {
            System.out.println("watchdog: cannot list tasks: " + e);
        }
    }

    private static Stream<Path> threads(Path process) {
        try {
            return Files.list(process.resolve("task")).toList().stream();
        } catch (Exception gone) {
            return Stream.empty();
        }
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
